// Micro-measurements with Google Benchmark: the calls behind the studio's interactive views, on the shipped
// Fashion-MNIST models. A benchmark prints numbers; nothing here passes or fails.
//   build/benchmarks/bench_micro [--benchmark_filter=Generate] [--threads N]
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <cstring>
#include <memory>

#include "onestep/metrics.h"
#include "onestep/model.h"
#include "onestep/runtime.h"

namespace {

onestep::Model& shipped(const char* name) {
  static std::unique_ptr<onestep::Model> generator, teacher;
  auto& slot = std::strcmp(name, "fashion-mnist") == 0 ? teacher : generator;
  if (!slot) slot = onestep::Model::open(name, "cpu");
  return *slot;
}

// One call of the one-step generator for n samples: the latent view asks for n = 1, a preview grid 64.
void GenerateOneStep(benchmark::State& state) {
  auto& m = shipped("fashion-mnist-sid");
  onestep::GenerateRequest request;
  request.n = state.range(0);
  request.noise = m.noise(0, 0, request.n);
  for (auto _ : state) benchmark::DoNotOptimize(m.generate(request));
  state.SetItemsProcessed(state.iterations() * request.n);
}
BENCHMARK(GenerateOneStep)->Arg(1)->Arg(8)->Arg(64)->Unit(benchmark::kMillisecond);

// One teacher evaluation (Euler, one step): the unit cost a 35-NFE sample pays 35 times.
void TeacherOneEvaluation(benchmark::State& state) {
  auto& m = shipped("fashion-mnist");
  onestep::GenerateRequest request;
  request.n = state.range(0);
  request.noise = m.noise(0, 0, request.n);
  request.sampler = "euler";
  request.steps = 1;
  for (auto _ : state) benchmark::DoNotOptimize(m.generate(request));
  state.SetItemsProcessed(state.iterations() * request.n);
}
BENCHMARK(TeacherOneEvaluation)->Arg(1)->Arg(64)->Unit(benchmark::kMillisecond);

// The built-in feature extractor over 256 generated images (FID's per-sample cost).
void BuiltinFeatures(benchmark::State& state) {
  auto& m = shipped("fashion-mnist-sid");
  onestep::GenerateRequest request;
  request.n = 256;
  request.noise = m.noise(0, 0, request.n);
  const auto samples = m.generate(request).samples;
  for (auto _ : state) benchmark::DoNotOptimize(onestep::extractFeatures(samples, "builtin", "cpu"));
  state.SetItemsProcessed(state.iterations() * request.n);
}
BENCHMARK(BuiltinFeatures)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
  int threads = 0;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--threads") == 0) threads = std::atoi(argv[i + 1]);
  onestep::setThreads(threads);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
