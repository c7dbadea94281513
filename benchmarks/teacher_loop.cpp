// The EDM teacher training loop on toy:8gaussians, timed: the C++ side of benchmarks/teacher_loop_pytorch.py.
// Same network (MLP 256x4), batch, loss, Adam, lr ramp-up and EMA; no snapshots, one checkpoint at the end.
#include <unistd.h>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "onestep/run.h"
#include "onestep/runtime.h"

int main(int argc, char** argv) {
  int64_t steps = 3000, batch = 512;
  int threads = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i];
    if (k == "--steps")
      steps = std::atoll(argv[i + 1]);
    else if (k == "--batch")
      batch = std::atoll(argv[i + 1]);
    else if (k == "--threads")
      threads = std::atoi(argv[i + 1]);
  }
  onestep::RunConfig c;
  c.data = "toy:8gaussians";
  c.steps = steps;
  c.batch = batch;
  c.threads = threads;
  c.snapshot_every = 0;
  c.log_every = steps;
  c.checkpoint_every = steps;
  auto dir = std::filesystem::temp_directory_path() / ("onestep-bench-" + std::to_string(::getpid()));
  auto run = onestep::Run::create(dir.string(), c);
  const auto start = std::chrono::steady_clock::now();
  double loss = 0;
  for (int64_t i = 0; i < steps; ++i) loss = run->step().at("loss");
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf(
      "{\"impl\": \"onestep-cpp\", \"steps\": %lld, \"batch\": %lld, \"threads\": %d, \"wall_s\": %.4f, "
      "\"it_per_s\": %.1f, \"final_loss\": %.6f}\n",
      static_cast<long long>(steps), static_cast<long long>(batch), onestep::threads(), wall, steps / wall, loss);
  std::filesystem::remove_all(dir);
  return 0;
}
