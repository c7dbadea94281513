// The cost of the gradient all-reduce of data parallel (engine/src/dist): dist::averageGradients over gradients of
// 1 to 256 MB, timed on rank 0. Run by benchmarks/parallel_scale.sh (which starts the ranks), or by hand:
//   WORLD_SIZE=2 RANK=0 MASTER_PORT=29511 build/benchmarks/bench_allreduce & WORLD_SIZE=2 RANK=1 MASTER_PORT=29511 ...
#include <torch/torch.h>

#include <chrono>
#include <cstdio>

#include "dist/dist.h"
#include "onestep/parallel.h"
#include "onestep/runtime.h"

int main() {
  using namespace onestep;
  const auto env = parallel::environmentFromVariables();
  parallel::join(env);
  setThreads(0);
  const int n = parallel::worldSize();
  if (parallel::rank() == 0)
    std::printf("all-reduce of gradients over %d processes (Gloo, TCP on %s)\n%10s %10s %12s %14s\n", n,
                env.masterAddr.c_str(), "MB", "ms", "algbw GB/s", "busbw GB/s");
  for (int64_t mb : {1, 4, 16, 32, 64, 128, 256}) {
    // Gradients the size of one network: tensors of 1 MB, as a UNet's layers are.
    std::vector<torch::Tensor> params;
    for (int64_t i = 0; i < mb; ++i) {
      auto p = torch::zeros({262144}, torch::requires_grad());
      p.mutable_grad() = torch::full({262144}, static_cast<float>(parallel::rank() + 1));
      params.push_back(p);
    }
    dist::averageGradients(params);  // warm-up (connections, buffers)
    const int reps = mb <= 32 ? 10 : 4;
    const auto start = std::chrono::steady_clock::now();
    for (int r = 0; r < reps; ++r) dist::averageGradients(params);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count() / reps;
    const double gb = static_cast<double>(mb) / 1024.0;
    if (parallel::rank() == 0)
      std::printf("%10lld %10.2f %12.3f %14.3f\n", static_cast<long long>(mb), ms, gb / (ms / 1e3),
                  gb / (ms / 1e3) * 2.0 * (n - 1) / n);
  }
  return 0;
}
