// The cost of the gradient all-reduce of data parallel (engine/src/dist): dist::GradientSync over gradients of 1 to
// 256 MB, and how much of it the overlap with the backward pass hides, timed on rank 0, on the CPU or (argument
// "cuda") each rank's GPU, over the all-reduce the run would take (NCCL or Gloo: ONESTEP_DIST_BACKEND). Run by
// benchmarks/parallel_scale.sh (which starts the ranks), or by hand:
//   WORLD_SIZE=2 RANK=0 MASTER_PORT=29511 build/benchmarks/bench_allreduce [cuda] & WORLD_SIZE=2 RANK=1 ...
#include <torch/torch.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <utility>

#include "dist/dist.h"
#include "onestep/parallel.h"
#include "onestep/runtime.h"

namespace {

using namespace onestep;

torch::Device g_device = torch::kCPU;

// Everything queued on the device done (the GPU's work is asynchronous).
void settle() {
  if (g_device.is_cuda()) torch::cuda::synchronize(g_device.index());
}

// Milliseconds per call of f, after one call to warm up (connections, buffers).
double timeMs(int reps, const std::function<void()>& f) {
  f();
  settle();
  const auto start = std::chrono::steady_clock::now();
  for (int r = 0; r < reps; ++r) f();
  settle();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() / reps;
}

void bySize(int n) {
  const parallel::Placement placement = parallel::placement(g_device.str());  // every rank
  if (parallel::rank() == 0)
    std::printf("all-reduce of gradients over %d processes on %d machine(s) (%s, %s)\n%10s %10s %12s %14s\n", n,
                placement.machines, placement.gradients.c_str(), g_device.str().c_str(), "MB", "ms", "algbw GB/s",
                "busbw GB/s");
  for (int64_t mb : {1, 4, 16, 32, 64, 128, 256}) {
    // Gradients the size of one network: tensors of 1 MB, as a UNet's layers are. The loss makes every gradient
    // rank + 1, so the average is known.
    std::vector<torch::Tensor> params;
    for (int64_t i = 0; i < mb; ++i)
      params.push_back(torch::zeros({262144}, torch::TensorOptions(g_device).requires_grad(true)));
    dist::GradientSync sync(params, dist::GradientSync::Mode::kAfterBackward);
    const double rankValue = parallel::rank() + 1;
    auto pass = [&] {
      for (auto& p : params)
        if (p.grad().defined()) p.mutable_grad().zero_();
      torch::Tensor loss = torch::zeros({}, g_device);
      for (const auto& p : params) loss = loss + p.sum() * rankValue;
      sync.backward(loss);
    };
    const double ms = timeMs(mb <= 32 ? 10 : 4, pass);
    const float want = static_cast<float>(n + 1) / 2;
    for (const auto& p : params)
      if (std::abs(p.grad()[0].item<float>() - want) > 1e-5f)
        std::printf("WRONG: average %g, expected %g\n", p.grad()[0].item<float>(), want);
    const double gb = static_cast<double>(mb) / 1024.0;
    if (parallel::rank() == 0)
      std::printf("%10lld %10.2f %12.3f %14.3f\n", static_cast<long long>(mb), ms, gb / (ms / 1e3),
                  gb / (ms / 1e3) * 2.0 * (n - 1) / n);
  }
}

// A backward pass with arithmetic to hide the all-reduce behind: an MLP of 8 layers of 1024 x 1024 (32 MB of
// gradients), batch 256 per process. Exposed communication = the pass with the all-reduce - the pass alone; with
// the default buckets (1 MB, then 25 MB) and with 4 MB ones (a bucket per layer).
void overlap() {
  torch::manual_seed(0);
  torch::nn::Sequential net;
  for (int i = 0; i < 8; ++i) {
    net->push_back(torch::nn::Linear(1024, 1024));
    net->push_back(torch::nn::ReLU());
  }
  net->to(g_device);
  auto x = torch::randn({256, 1024}, g_device);
  auto params = net->parameters();
  auto step = [&](dist::GradientSync* sync) {
    net->zero_grad();
    auto loss = net->forward(x).square().mean();
    if (sync)
      sync->backward(loss);
    else
      loss.backward();
  };
  using Mode = dist::GradientSync::Mode;
  dist::GradientSync after(params, Mode::kAfterBackward);
  dist::GradientSync during(params, Mode::kOverlapped);
  dist::GradientSync small(params, Mode::kOverlapped, 4 << 20);
  const int reps = 10;
  const double alone = timeMs(reps, [&] { step(nullptr); });
  const double afterMs = timeMs(reps, [&] { step(&after); });
  const double duringMs = timeMs(reps, [&] { step(&during); });
  const double smallMs = timeMs(reps, [&] { step(&small); });
  if (parallel::rank() == 0) {
    std::printf("\nforward + backward of an MLP (8 x 1024 x 1024, 32 MB of gradients, batch 256 per process)\n");
    std::printf("%-44s %8.1f ms\n", "without all-reduce", alone);
    for (auto [name, ms] : {std::pair<const char*, double>{"all-reduce after the backward pass", afterMs},
                            {"overlapped, buckets of 1 + 25 MB (default)", duringMs},
                            {"overlapped, buckets of 4 MB", smallMs}})
      std::printf("%-44s %8.1f ms   exposed %6.1f ms\n", name, ms, ms - alone);
  }
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const auto env = parallel::environmentFromVariables();
    parallel::join(env);
    setThreads(0);
    g_device = torch::Device(dist::rankDevice(resolveDevice(argc > 1 ? argv[1] : "cpu")));
    bySize(parallel::worldSize());
    overlap();
    parallel::leave();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_allreduce: %s\n", e.what());
    return 1;
  }
  return 0;
}
