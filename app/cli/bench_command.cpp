// `onestep bench`: a fixed suite of timings (benchmarks/README.md). Each case runs in a child process of this
// executable (`onestep bench --case NAME`), so that its peak resident memory is its own; the parent collects the
// children's JSON lines into one table or one JSON object. The studio's cost is measured by onestep-studio --bench
// when it is installed beside this executable.
#include <sys/resource.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

#include "cli_common.h"
#include "onestep/error.h"
#include "onestep/methods.h"
#include "onestep/metrics.h"
#include "onestep/model.h"
#include "onestep/run.h"
#include "onestep/runtime.h"

namespace onestep::cli {
namespace {

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;
namespace fs = std::filesystem;

double secondsSince(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Peak resident memory of this process so far, in MiB.
double peakRssMb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_maxrss) / 1024.0;
}

// The data of the suite: the spec and the short name its keys use.
struct BenchData {
  const char* spec;
  const char* key;
  const char* teacher;  // the shipped teacher
};
constexpr std::array<BenchData, 2> kData = {
    {{"fashion-mnist", "fashion_mnist", "fashion-mnist"}, {"toy:8gaussians", "toy8", "8gaussians"}}};

struct CaseOptions {
  bool quick = false;
  std::string device = "auto";
  int threads = 0;
  std::string teacher;  // replaces the shipped teacher of the data (METHOD:DATA cases)
};

// A scratch directory for one case's run, removed when the case ends.
class ScratchDir {
 public:
  ScratchDir() {
    std::string tmpl = (fs::temp_directory_path() / "onestep-bench-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw Error("bench: cannot create a temporary directory in " + tmpl);
    m_path = tmpl;
  }
  ~ScratchDir() {
    std::error_code ec;
    fs::remove_all(m_path, ec);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::string& path() const { return m_path; }

 private:
  std::string m_path;
};

std::unique_ptr<Run> openBenchRun(const std::string& dir, const std::string& method, const BenchData& data,
                                  const CaseOptions& o, int64_t steps) {
  RunSetup setup;
  setup.dir = dir;
  setup.settings = {{"method", method},
                    {"data", data.spec},
                    {"device", o.device},
                    {"steps", std::to_string(steps)},
                    {"eval_every", "0"},
                    {"snapshot_every", "0"},
                    {"checkpoint_every", std::to_string(steps + 1)},
                    {"threads", std::to_string(threads())}};
  if (methodInfo(method).needsTeacher)
    setup.settings.emplace_back("teacher_model", o.teacher.empty() ? std::string(data.teacher) : o.teacher);
  return Run::open(setup);
}

// Iterations per second of one method on one data set at its default batch, after a warm-up.
Json trainCase(const std::string& method, const BenchData& data, const CaseOptions& o) {
  const bool images = std::string(data.spec) == "fashion-mnist";
  const int64_t warmup = o.quick ? (images ? 1 : 5) : (images ? 2 : 20);
  const int64_t timed = o.quick ? (images ? 2 : 20) : (images ? 20 : 400);
  ScratchDir dir;
  auto run = openBenchRun(dir.path() + "/run", method, data, o, warmup + timed);
  for (int64_t i = 0; i < warmup; ++i) run->step();
  const auto t0 = Clock::now();
  for (int64_t i = 0; i < timed; ++i) run->step();
  const double s = secondsSince(t0);
  const std::string key = method + "_" + data.key;
  return {{key + "_it_per_s", static_cast<double>(timed) / s},
          {key + "_peak_rss_mb", peakRssMb()},
          {key + "_batch", run->config().batch}};
}

// Resident memory of a long run: after n iterations and after 10n (train(), as the CLI runs it, with its logs).
Json memoryCase(const CaseOptions& o) {
  const BenchData& data = kData[0];
  const int64_t n = o.quick ? 3 : 20;
  ScratchDir dir;
  auto run = openBenchRun(dir.path() + "/run", "sid", data, o, 10 * n);
  double atN = 0, at10N = 0;
  TrainCallbacks cb;
  cb.onProgress = [&](const TrainProgress& p) {
    if (p.iteration == n) atN = peakRssMb();
    if (p.iteration == 10 * n) at10N = peakRssMb();
  };
  train(*run, cb);
  return {{"memory_iterations", 10 * n},
          {"memory_peak_rss_mb_at_n", atN},
          {"memory_peak_rss_mb_at_10n", at10N},
          {"memory_growth_pct", 100.0 * (at10N - atN) / atN}};
}

std::vector<float> noiseFor(const Model& m, int64_t n) { return m.noise(0, 0, n); }

// The same UNet at the same batch: the one-step generator against its teacher's Heun 18-step (35 NFE) sampler.
Json sampleCase(const CaseOptions& o) {
  const int64_t batch = 64;
  // With --teacher, one network for both: its one Euler step (1 NFE, the cost of a one-step generator's call).
  auto teacher = Model::open(o.teacher.empty() ? "fashion-mnist" : o.teacher, o.device);
  auto generator = o.teacher.empty() ? Model::open("fashion-mnist-sid", o.device) : nullptr;
  auto rate = [&](Model& m, GenerateRequest request, double minSeconds) {
    request.n = batch;
    request.noise = noiseFor(m, batch);
    if (!o.quick) m.generate(request);  // warm-up (a quick run times the first call as well)
    int64_t images = 0;
    const auto t0 = Clock::now();
    do {
      m.generate(request);
      images += batch;
    } while (secondsSince(t0) < minSeconds);
    return static_cast<double>(images) / secondsSince(t0);
  };
  GenerateRequest heun;
  heun.sampler = "heun";
  heun.steps = 18;
  GenerateRequest oneStep;
  if (!generator) {
    oneStep.sampler = "euler";
    oneStep.steps = 1;
  }
  const double one = rate(generator ? *generator : *teacher, oneStep, o.quick ? 1.0 : 5.0);
  const double many = rate(*teacher, heun, o.quick ? 1.0 : 10.0);
  return {{"sample_batch", batch},
          {"sample_onestep_images_per_s", one},
          {"sample_heun18_images_per_s", many},
          {"sample_onestep_over_heun18", one / many}};
}

// The built-in features' rate, and one FID of 10 000 generated samples against the test split's statistics.
Json fidCase(const CaseOptions& o) {
  const int64_t n = o.quick ? 1000 : 10000;
  auto generator = Model::open("fashion-mnist-sid", o.device);
  GenerateRequest request;
  request.n = 1000;
  request.noise = noiseFor(*generator, request.n);
  const SampleSet samples = generator->generate(request).samples;
  extractFeatures(samples, "builtin", o.device);  // warm-up
  const auto t0 = Clock::now();
  const int reps = o.quick ? 1 : 5;
  for (int r = 0; r < reps; ++r) extractFeatures(samples, "builtin", o.device);
  const double featuresPerSec = static_cast<double>(reps * samples.count()) / secondsSince(t0);

  SetOptions set;
  set.n = n;
  set.device = o.device;
  const auto t1 = Clock::now();
  MetricSet reference = openMetricSet("fashion-mnist?split=test", set);
  MetricSet generated = openMetricSet("fashion-mnist-sid", set);
  const double fid = compareSets(reference, generated, false, false).fid;
  const std::string key = o.quick ? "fid_1k" : "fid_10k";
  return {{"fid_features_images_per_s", featuresPerSec}, {key + "_s", secondsSince(t1)}, {key, fid}};
}

// The engine's part of a latent change: one image of the shipped Fashion-MNIST generator from moved noise. The
// studio's latent_latency_ms adds the view's round trip through its model worker.
Json latentCase(const CaseOptions& o) {
  auto generator = Model::open("fashion-mnist-sid", o.device);
  GenerateRequest request;
  request.n = 1;
  request.noise = noiseFor(*generator, 1);
  generator->generate(request);  // warm-up
  std::vector<double> ms;
  const int reps = o.quick ? 50 : 300;
  for (int r = 0; r < reps; ++r) {
    request.noise[static_cast<std::size_t>(r) % request.noise.size()] += 0.01F;  // a slider moved
    const auto t0 = Clock::now();
    generator->generate(request);
    ms.push_back(1000.0 * secondsSince(t0));
  }
  std::sort(ms.begin(), ms.end());
  return {{"latent_generate_ms", ms[ms.size() / 2]},
          {"latent_generate_p95_ms", ms[std::min(ms.size() - 1, ms.size() * 95 / 100)]}};
}

Json runCase(const std::string& name, const CaseOptions& o) {
  if (name == "sample") return sampleCase(o);
  if (name == "fid") return fidCase(o);
  if (name == "latent") return latentCase(o);
  if (name == "memory") return memoryCase(o);
  const auto colon = name.find(':');
  if (colon != std::string::npos) {
    const std::string method = name.substr(0, colon), data = name.substr(colon + 1);
    for (const auto& d : kData)
      if (data == d.key) {
        methodInfo(method);  // throws for an unknown method
        return trainCase(method, d, o);
      }
  }
  throw UsageError("--case '" + name + "': expected sample, fid, latent, memory or METHOD:DATA (DATA " + kData[0].key +
                   " or " + kData[1].key + ")");
}

// The suite's cases in order.
std::vector<std::string> suite(bool quick) {
  std::vector<std::string> cases = {"sample", "latent", "fid"};
  for (const auto& d : kData)
    for (const auto& m : methods()) cases.push_back(m.name + ":" + d.key);
  if (!quick) cases.emplace_back("memory");
  return cases;
}

std::string selfExecutable() {
  std::error_code ec;
  auto p = fs::read_symlink("/proc/self/exe", ec);
  if (ec) throw Error("bench: cannot find this executable (/proc/self/exe)");
  return p.string();
}

std::string shellQuoted(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// Runs a command and returns the last line of its standard output that parses as a JSON object.
Json childJson(const std::string& command, std::string* error) {
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (!pipe) {
    *error = "cannot start: " + command;
    return nullptr;
  }
  std::string out;
  std::array<char, 4096> buf{};
  while (fgets(buf.data(), static_cast<int>(buf.size()), pipe)) out += buf.data();
  const int status = pclose(pipe);
  Json found;
  std::string lastLine;
  std::size_t start = 0;
  while (start < out.size()) {
    std::size_t end = out.find('\n', start);
    if (end == std::string::npos) end = out.size();
    std::string line = out.substr(start, end - start);
    if (!line.empty()) lastLine = line;
    if (!line.empty() && line.front() == '{') {
      Json j = Json::parse(line, nullptr, false);
      if (j.is_object()) found = j;
    }
    start = end + 1;
  }
  if (status != 0 || found.is_null()) *error = lastLine.empty() ? "exit status " + std::to_string(status) : lastLine;
  return found;
}

void printTable(const Json& result) {
  std::printf("%-40s %s\n", "measure", "value");
  for (const auto& [k, v] : result.items()) {
    if (v.is_number_float())
      std::printf("%-40s %.4g\n", k.c_str(), v.get<double>());
    else
      std::printf("%-40s %s\n", k.c_str(), v.is_string() ? v.get<std::string>().c_str() : v.dump().c_str());
  }
}

int runBench(const Args& a) {
  CaseOptions o;
  o.quick = a.has("quick");
  o.device = a.has("device") ? a.get("device") : "auto";
  o.teacher = a.get("teacher");
  if (!o.teacher.empty() && !a.has("case")) throw UsageError("--teacher goes with --case METHOD:DATA or sample");
  o.threads = setThreads(static_cast<int>(a.getInt("threads", 0)));
  const std::string device = resolveDevice(o.device);  // refuses a device this LibTorch lacks, before any case
  if (a.has("case")) {
    Json j = runCase(a.get("case"), o);
    std::cout << j.dump() << std::endl;
    return 0;
  }
  const std::string self = selfExecutable();
  std::string common = " --device " + shellQuoted(o.device) + (o.quick ? " --quick" : "");
  common += " --threads " + std::to_string(o.threads);
  Json result = {{"version", version()}, {"libtorch", torchVersion()},
                 {"device", device},     {"cores", static_cast<int>(std::thread::hardware_concurrency())},
                 {"threads", threads()}, {"quick", o.quick}};
  Json failures = Json::object();
  const bool quiet = a.has("json") || a.has("quiet");
  const auto t0 = Clock::now();
  auto collect = [&](const std::string& name, const std::string& command) {
    if (!quiet) std::fprintf(stderr, "bench: %s ...\n", name.c_str());
    std::string error;
    Json j = childJson(command, &error);
    if (!error.empty()) {
      failures[name] = error;
      if (!quiet) std::fprintf(stderr, "bench: %s failed: %s\n", name.c_str(), error.c_str());
    }
    if (j.is_object()) result.update(j);
  };
  for (const auto& c : suite(o.quick)) {
    if (interrupted()) break;
    collect(c, shellQuoted(self) + " bench --case " + shellQuoted(c) + common);
  }
  // The studio's overhead, when onestep-studio is installed beside this executable (a GUI build).
  const fs::path studio = fs::path(self).parent_path() / "onestep-studio";
  if (!fs::exists(studio)) {
    // An engine-only build: the latency is the engine's call alone, and the studio is not measured.
    result["studio_overhead"] = nullptr;
    result["latent_latency_ms"] = result.value("latent_generate_ms", Json(nullptr));
    result["latent_latency_p95_ms"] = result.value("latent_generate_p95_ms", Json(nullptr));
    result["studio"] = "not measured: onestep-studio is not beside this executable (an engine-only build)";
  } else if (!interrupted()) {
    const std::string studioArgs = std::string(" --bench") + (o.quick ? " --quick" : "");
    collect("studio", "QT_QPA_PLATFORM=offscreen " + shellQuoted(studio.string()) + studioArgs);
  }
  result["bench_s"] = secondsSince(t0);
  if (!failures.empty()) result["failures"] = failures;
  if (a.has("json"))
    std::cout << result.dump() << std::endl;
  else
    printTable(result);
  return failures.empty() ? 0 : 1;
}

}  // namespace

Command benchCommand() {
  return {
      {"bench",
       "[--json] [--quick] [--device D] [--threads N] [--case NAME [--teacher PATH]]",
       "Time the engine's fixed suite: one-step against 35-NFE sampling, every method's iterations per second on\n"
       "fashion-mnist and toy:8gaussians (with peak memory), feature and FID speed, the latent explorer's latency,\n"
       "memory over a long run and the studio's cost (onestep-studio --bench, when beside this executable).\n"
       "Each case runs in its own process. benchmarks/README.md has the figures and what they mean.",
       {{"quick", "", "a smoke run of every case that fits in a minute or two (fewer iterations)"},
        {"case", "NAME", "run one case in this process: sample, fid, latent, memory or METHOD:DATA"},
        {"teacher", "PATH",
         "with --case METHOD:DATA: distil this teacher instead of the shipped one; with --case sample: time its one\n"
         "Euler step (1 NFE) against its Heun 18 steps"},
        sharedOption("json"),
        sharedOption("quiet"),
        sharedOption("device"),
        sharedOption("threads")},
       {},
       false,
       "  onestep bench\n"
       "  onestep bench --quick --json\n"
       "  onestep bench --case sid:fashion_mnist\n"},
      runBench};
}

}  // namespace onestep::cli
