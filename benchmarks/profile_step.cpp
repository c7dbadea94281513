// Where a training iteration's time goes: a few iterations of a method under LibTorch's autograd profiler, written
// as a Chrome trace that profile_table.py sums by operator. Made to compare a native teacher with its TorchScript
// twin (benchmarks/README.md, "SiD on a UNet and sampling, C++ against Python").
//   bench_profile_step --method sid --data fashion-mnist --teacher T.pt [--set KEY=VALUE]... [--warmup 2]
//                      [--steps 2] [--threads 2] --trace FILE.json
#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/torch.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "onestep/error.h"
#include "onestep/run.h"
#include "onestep/runtime.h"

int main(int argc, char** argv) {
  std::string method = "sid", data = "fashion-mnist", teacher, trace;
  std::vector<std::pair<std::string, std::string>> sets;
  int64_t warmup = 2, steps = 2;
  int threadCount = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--method")
      method = v;
    else if (k == "--data")
      data = v;
    else if (k == "--teacher")
      teacher = v;
    else if (k == "--trace")
      trace = v;
    else if (k == "--warmup")
      warmup = std::atoll(v.c_str());
    else if (k == "--steps")
      steps = std::atoll(v.c_str());
    else if (k == "--threads")
      threadCount = std::atoi(v.c_str());
    else if (k == "--set" && v.find('=') != std::string::npos)
      sets.emplace_back(v.substr(0, v.find('=')), v.substr(v.find('=') + 1));
    else {
      std::fprintf(stderr, "bench_profile_step: unknown option %s\n", k.c_str());
      return 2;
    }
  }
  if (trace.empty()) {
    std::fprintf(stderr, "usage: bench_profile_step --method M --data SPEC [--teacher T] --trace FILE.json\n");
    return 2;
  }
  const auto dir = std::filesystem::temp_directory_path() / ("onestep-profile-" + std::to_string(::getpid()));
  try {
    onestep::setThreads(threadCount);
    onestep::RunSetup setup;
    setup.dir = dir.string();
    setup.settings = {{"method", method},
                      {"data", data},
                      {"steps", std::to_string(warmup + steps)},
                      {"eval_every", "0"},
                      {"snapshot_every", "0"},
                      {"checkpoint_every", std::to_string(warmup + steps + 1)},
                      {"threads", std::to_string(onestep::threads())}};
    if (!teacher.empty()) setup.settings.emplace_back("teacher_model", teacher);
    setup.settings.insert(setup.settings.end(), sets.begin(), sets.end());
    auto run = onestep::Run::open(setup);
    for (int64_t i = 0; i < warmup; ++i) run->step();
    const auto t0 = std::chrono::steady_clock::now();
    {
      torch::autograd::profiler::RecordProfile profile(trace);
      for (int64_t i = 0; i < steps; ++i) run->step();
    }
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("{\"method\": \"%s\", \"teacher\": \"%s\", \"steps\": %lld, \"s_per_step\": %.3f, \"trace\": \"%s\"}\n",
                method.c_str(), teacher.c_str(), static_cast<long long>(steps), s / steps, trace.c_str());
  } catch (const onestep::Error& e) {
    std::fprintf(stderr, "bench_profile_step: %s\n", e.what());
    std::filesystem::remove_all(dir);
    return 1;
  }
  std::filesystem::remove_all(dir);
  return 0;
}
