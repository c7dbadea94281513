#include "onestep/runtime.h"

#include <torch/torch.h>

#include <dlfcn.h>
#include <malloc.h>

#include <algorithm>
#include <csignal>
#include <mutex>
#include <thread>

#include "onestep/error.h"
#include "onestep/parallel.h"

#ifndef ONESTEP_VERSION
#define ONESTEP_VERSION "0.0.0"
#endif

namespace onestep {

std::string version() { return ONESTEP_VERSION; }

std::string torchVersion() {
  return std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
         std::to_string(TORCH_VERSION_PATCH);
}

bool cudaAvailable() { return torch::cuda::is_available(); }

int setThreads(int n) {
  // Debian's LibTorch starts with one intra-op thread; the engine always sets the count explicitly.
  // All cores: shared among the processes of a data-parallel group on this machine.
  if (n <= 0) n = std::max(1, static_cast<int>(std::thread::hardware_concurrency()) / parallel::localProcesses());
  torch::set_num_threads(n);
  static std::once_flag once;
  std::call_once(once, [] {
    // Activations of a few hundred KB are allocated and freed every iteration. glibc would serve each
    // from a fresh mmap (page faults on first touch): keeping them on the heap made a training step of
    // the toy MLP 1.8x faster here (benchmarks/README.md).
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
    // ... in every thread: glibc gives other threads (the studio's training worker) arenas of their own, which
    // those thresholds do not keep warm. One arena: the studio's Fashion-MNIST SiD run went from 1.25-1.58 to
    // 1.63 it/s (onestep-studio --bench, benchmarks/README.md).
    mallopt(M_ARENA_MAX, 1);
    // LibTorch's OpenMP threads and a threaded BLAS (Debian's OpenBLAS behind libblas.so.3) would each take
    // every core and spin against each other: a toy step ran 3x slower. LibTorch parallelises, BLAS runs
    // single-threaded inside it. The reference BLAS has no such function and is single-threaded anyway.
    using SetBlasThreads = void (*)(int);
    if (auto set = reinterpret_cast<SetBlasThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) set(1);
    // A file past the size limit (ulimit -f) would kill the process with SIGXFSZ before any message: ignored,
    // the write fails with EFBIG instead, and the atomic writers report it with the previous file intact.
    std::signal(SIGXFSZ, SIG_IGN);
    try {
      torch::set_num_interop_threads(1);  // the engine runs no inter-op parallel graphs
    } catch (const std::exception&) {
      // Already fixed by earlier parallel work: harmless.
    }
  });
  return torch::get_num_threads();
}

int threads() { return torch::get_num_threads(); }

std::string resolveDevice(const std::string& requested) {
  if (requested.empty() || requested == "auto") return cudaAvailable() ? "cuda" : "cpu";
  if (requested == "cpu") return "cpu";
  if (requested.rfind("cuda", 0) == 0) {
    if (!cudaAvailable())
      throw Error("device '" + requested + "': this LibTorch has no usable CUDA device (use --device cpu or auto)");
    try {
      torch::Device d(requested);
      if (d.has_index() && d.index() >= static_cast<int>(torch::cuda::device_count()))
        throw Error("device '" + requested + "': only " + std::to_string(torch::cuda::device_count()) +
                    " CUDA device(s) present");
    } catch (const c10::Error&) {
      throw Error("device '" + requested + "': expected auto, cpu, cuda or cuda:N");
    }
    return requested;
  }
  throw Error("device '" + requested + "': expected auto, cpu, cuda or cuda:N");
}

std::vector<std::string> availableDevices() {
  std::vector<std::string> out = {"cpu"};
  if (cudaAvailable())
    for (int64_t i = 0; i < static_cast<int64_t>(torch::cuda::device_count()); ++i)
      out.push_back("cuda:" + std::to_string(i));
  return out;
}

}  // namespace onestep
