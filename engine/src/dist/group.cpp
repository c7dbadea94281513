// The process group (onestep/parallel.h) and the collectives of dist.h, on c10d's TCPStore and ProcessGroupGloo.
// Compiled without the engine's precompiled header: c10d's Gloo declarations need USE_C10D_GLOO and USE_DISTRIBUTED
// (engine/CMakeLists.txt), which the header was not built with.
#include <torch/torch.h>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "core/util.h"
#include "dist/dist.h"
#include "onestep/error.h"
#include "onestep/parallel.h"

namespace onestep {
namespace {

struct Group {
  parallel::Environment env;
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<c10d::ProcessGroupGloo> gloo;
};
Group& group() {
  static Group g;
  return g;
}

// A failed collective (a peer gone, a timeout) as an Error that says which process saw it.
[[noreturn]] void collectiveFailed(const char* what, const std::exception& e) {
  std::string text = e.what();
  text = text.substr(0, text.find('\n'));
  throw Error("data parallel: rank " + std::to_string(group().env.rank) + " of " +
              std::to_string(group().env.worldSize) + ": " + what +
              " failed (another process of the group stopped or cannot be reached): " + text);
}

void run(const char* what, const c10::intrusive_ptr<c10d::Work>& work) {
  try {
    work->wait();
  } catch (const std::exception& e) {
    collectiveFailed(what, e);
  }
}

void allReduceSum(std::vector<at::Tensor>& tensors, const char* what) {
  try {
    run(what, group().gloo->allreduce(tensors));
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    collectiveFailed(what, e);
  }
}

}  // namespace

namespace parallel {

void join(const Environment& env) {
  Group& g = group();
  if (g.gloo) throw Error("data parallel: this process has already joined a group");
  if (env.worldSize <= 1) return;
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(env.timeoutSec * 1000));
  const std::string where = env.masterAddr + ":" + std::to_string(env.masterPort);
  try {
    c10d::TCPStoreOptions o;
    o.port = static_cast<std::uint16_t>(env.masterPort);
    o.isServer = env.rank == 0;
    o.numWorkers = static_cast<std::size_t>(env.worldSize);
    o.timeout = timeout;
    g.store = c10::make_intrusive<c10d::TCPStore>(env.masterAddr, o);
    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    // The interface of the peers' connections: GLOO_SOCKET_IFNAME as in PyTorch, the loopback for a group on
    // one machine, else the one this machine's hostname resolves to.
    const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
    const bool local = env.masterAddr == "localhost" || env.masterAddr.rfind("127.", 0) == 0;
    options->devices.push_back(ifname && *ifname ? c10d::ProcessGroupGloo::createDeviceForInterface(ifname)
                               : local           ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                                                 : c10d::ProcessGroupGloo::createDefaultDevice());
    g.gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(g.store, env.rank, env.worldSize, options);
  } catch (const std::exception& e) {
    g.store.reset();
    std::string text = e.what();
    throw Error("data parallel: rank " + std::to_string(env.rank) + " could not join the group of " +
                std::to_string(env.worldSize) + " at " + where +
                " (MASTER_ADDR, MASTER_PORT): " + text.substr(0, text.find('\n')));
  }
  g.env = env;
  setGroupIdentity(env);
}

}  // namespace parallel

namespace dist {

int rank() { return parallel::rank(); }
int worldSize() { return parallel::worldSize(); }

void averageGradients(const std::vector<torch::Tensor>& parameters) {
  if (!active()) return;
  torch::NoGradGuard guard;
  std::vector<torch::Tensor> grads;
  for (const auto& p : parameters) {
    // Every rank runs the same graph, so the same parameters have gradients everywhere.
    if (p.requires_grad() && p.grad().defined()) grads.push_back(p.grad());
  }
  // Buckets of up to 32 MB of one dtype and device: few all-reduces, each large enough to use the links well.
  constexpr int64_t kBucketBytes = 32 << 20;
  const double scale = 1.0 / worldSize();
  for (std::size_t begin = 0; begin < grads.size();) {
    std::size_t end = begin;
    int64_t bytes = 0;
    while (end < grads.size() && grads[end].scalar_type() == grads[begin].scalar_type() &&
           grads[end].device() == grads[begin].device() &&
           (end == begin || bytes + grads[end].nbytes() <= static_cast<std::size_t>(kBucketBytes))) {
      bytes += static_cast<int64_t>(grads[end].nbytes());
      ++end;
    }
    std::vector<torch::Tensor> flat;
    for (std::size_t i = begin; i < end; ++i) flat.push_back(grads[i].reshape({-1}));
    // Gloo reduces host memory: a CUDA bucket goes through the CPU.
    std::vector<at::Tensor> bucket{torch::cat(flat).to(torch::kCPU)};
    allReduceSum(bucket, "gradient all-reduce");
    auto summed = bucket[0].to(grads[begin].device()).mul_(scale);
    int64_t offset = 0;
    for (std::size_t i = begin; i < end; ++i) {
      const int64_t n = grads[i].numel();
      grads[i].copy_(summed.narrow(0, offset, n).view_as(grads[i]));
      offset += n;
    }
    begin = end;
  }
}

std::vector<double> average(std::vector<double> values) {
  if (!active() || values.empty()) return values;
  std::vector<at::Tensor> t{torch::tensor(values, torch::kFloat64)};
  allReduceSum(t, "loss all-reduce");
  auto a = t[0].accessor<double, 1>();
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = a[static_cast<int64_t>(i)] / worldSize();
  return values;
}

double average(double value) { return average(std::vector<double>{value})[0]; }

bool anyRank(bool flag) {
  if (!active()) return flag;
  std::vector<at::Tensor> t{torch::full({1}, flag ? 1 : 0, torch::kInt32)};
  allReduceSum(t, "stop agreement");
  return t[0].item<int>() > 0;
}

std::string broadcast(const std::string& bytes) {
  if (!active()) return bytes;
  const bool root = rank() == 0;
  try {
    std::vector<at::Tensor> size{torch::full({1}, root ? static_cast<int64_t>(bytes.size()) : 0, torch::kInt64)};
    run("broadcast", group().gloo->broadcast(size));
    const int64_t n = size[0].item<int64_t>();
    std::vector<at::Tensor> data{torch::empty({std::max<int64_t>(n, 1)}, torch::kUInt8)};
    if (root && n > 0) std::memcpy(data[0].data_ptr(), bytes.data(), static_cast<std::size_t>(n));
    run("broadcast", group().gloo->broadcast(data));
    return std::string(static_cast<const char*>(data[0].data_ptr()), static_cast<std::size_t>(n));
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    collectiveFailed("broadcast", e);
  }
}

}  // namespace dist
}  // namespace onestep
