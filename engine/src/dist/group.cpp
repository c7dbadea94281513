// The process group (onestep/parallel.h) and the collectives of dist.h, on c10d's TCPStore and ProcessGroupGloo, and
// ProcessGroupNCCL for CUDA gradients where the build has it (ONESTEP_NCCL). Compiled without the engine's
// precompiled header: c10d's declarations need USE_C10D_GLOO, USE_C10D_NCCL and USE_DISTRIBUTED
// (engine/CMakeLists.txt), which the header was not built with.
#include <torch/torch.h>
#include <torch/version.h>
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#ifdef ONESTEP_NCCL
#include <c10/cuda/CUDAFunctions.h>
#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <type_traits>
#include <utility>

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
  std::map<std::string, dist::Spread> spreads;  // by this rank's device: where the group's ranks run it (spreadFor)
#ifdef ONESTEP_NCCL
  c10::intrusive_ptr<c10d::ProcessGroupNCCL> nccl;  // made for the first CUDA gradients (ncclGroup)
#endif
};
Group& group() {
  static Group g;
  return g;
}

// ProcessGroupNCCL::shutdown and abort: LibTorch 2.2 on.
#if defined(ONESTEP_NCCL) && (TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 2))
#define ONESTEP_NCCL_SHUTDOWN 1
#endif

// Ends the NCCL group: cleanly once every rank is done, else at once (a peer gone), which also releases the GPU
// stream that an all-reduce with the lost peer holds, so that this rank can still write its checkpoint.
void endNccl(bool clean) {
#ifdef ONESTEP_NCCL
  Group& g = group();
  if (!g.nccl) return;
#ifdef ONESTEP_NCCL_SHUTDOWN
  try {
    if (clean)
      g.nccl->shutdown();
    else
      g.nccl->abort();
  } catch (const std::exception&) {  // the group has failed already: its communicators go with the process
  }
#endif
  g.nccl.reset();
#else
  (void)clean;
#endif
}

// A failed collective (a peer gone, a timeout) as an Error that says which process saw it.
[[noreturn]] void collectiveFailed(const char* what, const std::exception& e) {
  const std::string text = firstLine(e);
  endNccl(false);
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

// A Gloo collective that `start` queues (returning its Work), run to its end: a failure of c10d's, in the start or
// the wait, as collectiveFailed's Error.
template <typename Start>
void runGloo(const char* what, Start&& start) {
  c10::intrusive_ptr<c10d::Work> work;
  try {
    work = start(*group().gloo);
  } catch (const std::exception& e) {
    collectiveFailed(what, e);
  }
  run(what, work);
}

#ifdef ONESTEP_NCCL
constexpr bool kHaveNccl = true;
#else
constexpr bool kHaveNccl = false;
#endif
constexpr const char* kNoNccl =
    "ONESTEP_DIST_BACKEND=nccl: this build has no NCCL (its LibTorch has no CUDA, or nccl.h was not found when it was "
    "configured: ONESTEP_NCCL); set it to gloo or auto";

// A failure that every rank of the group meets alike: rank 0 says it, the others stop without repeating it.
[[noreturn]] void failTogether(const std::string& what) {
  if (group().env.rank == 0) throw Error(what);
  throw parallel::PeerError(what);
}

// Every rank's `mine`, by rank: two all-gathers over Gloo, of the lengths and of the bytes padded to the longest.
std::vector<std::string> gatherStrings(const std::string& mine, const char* what) {
  const auto n = static_cast<std::size_t>(group().env.worldSize);
  std::vector<at::Tensor> length{torch::full({1}, static_cast<int64_t>(mine.size()), torch::kInt64)};
  std::vector<std::vector<at::Tensor>> lengths(1);
  for (std::size_t r = 0; r < n; ++r) lengths[0].push_back(torch::empty({1}, torch::kInt64));
  runGloo(what, [&](c10d::ProcessGroupGloo& gloo) { return gloo.allgather(lengths, length); });
  int64_t longest = 1;
  for (const auto& t : lengths[0]) longest = std::max(longest, t.item<int64_t>());
  std::vector<at::Tensor> bytes{torch::zeros({longest}, torch::kUInt8)};
  std::memcpy(bytes[0].data_ptr(), mine.data(), mine.size());
  std::vector<std::vector<at::Tensor>> all(1);
  for (std::size_t r = 0; r < n; ++r) all[0].push_back(torch::empty({longest}, torch::kUInt8));
  runGloo(what, [&](c10d::ProcessGroupGloo& gloo) { return gloo.allgather(all, bytes); });
  std::vector<std::string> out;
  for (std::size_t r = 0; r < n; ++r)
    out.emplace_back(static_cast<const char*>(all[0][r].data_ptr()),
                     static_cast<std::size_t>(lengths[0][r].item<int64_t>()));
  return out;
}

// This process's place for a run on `device` (dist.h, Place). The GPU by its PCI bus id, which stays the same
// whichever GPUs CUDA_VISIBLE_DEVICES shows the process.
dist::Place placeOf(const torch::Device& device) {
  dist::Place p;
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) == 0) p.host = host;
  if (p.host.empty()) p.host = "(no hostname)";
  std::ifstream bootId("/proc/sys/kernel/random/boot_id");
  std::getline(bootId, p.boot);
  using Backend = parallel::Environment::Backend;
  const Backend b = group().env.backend;
  p.backend = b == Backend::kNccl ? "nccl" : b == Backend::kGloo ? "gloo" : "auto";
#ifdef ONESTEP_NCCL
  if (device.is_cuda() && b != Backend::kGloo) {
    char bus[64] = {};
    const int index = device.has_index() ? device.index() : c10::cuda::current_device();
    const cudaError_t status = cudaDeviceGetPCIBusId(bus, sizeof bus - 1, index);
    if (status == cudaSuccess)
      p.gpu = bus;
    else
      p.failure = "cannot read the PCI bus id of cuda:" + std::to_string(index) + ": " + cudaGetErrorString(status);
  }
#else
  (void)device;
#endif
  return p;
}

// Where the group's ranks run their runs on `device` (this rank's): exchanged once per device, at the same point on
// every rank (the CLI's placement(), else the first GradientSync::backward), and kept. A run's parameters are all on
// its device, so every rank asks for one device and meets the others in the same exchange. A rank that could not say
// where it runs stops every rank, rank 0 saying why.
const dist::Spread& spreadFor(const torch::Device& device) {
  Group& g = group();
  const std::string key = device.str();
  if (auto it = g.spreads.find(key); it != g.spreads.end()) return it->second;
  const dist::Place mine = placeOf(device);
  std::vector<dist::Place> places;
  const std::string sent = mine.host + '\n' + mine.boot + '\n' + mine.backend + '\n' + mine.gpu + '\n' + mine.failure;
  for (const std::string& line : gatherStrings(sent, "exchange of the ranks' places")) {
    auto f = split(line, '\n');  // the five fields above; none holds a newline
    f.resize(5);
    places.push_back({f[0], f[1], f[2], f[3], f[4]});
  }
  const dist::Spread spread = dist::spreadOf(places);
  if (!spread.failure.empty()) failTogether("data parallel: " + spread.failure);
  return g.spreads.emplace(key, spread).first->second;
}

// The refusals of ONESTEP_DIST_BACKEND=nccl that a rank makes alone, without its peers' places: made as soon as a
// GradientSync is built, so that rank 0 refuses a run before it writes it.
void refuseNcclAlone(const torch::Device& device) {
  const auto b = group().env.backend;
  if (b != parallel::Environment::Backend::kNccl) return;
  if (!kHaveNccl) throw Error(kNoNccl);
  if (!device.is_cuda())
    throw Error(
        "ONESTEP_DIST_BACKEND=nccl: the run's device is the CPU, and NCCL all-reduces CUDA tensors only (set it to "
        "gloo or auto)");
}

// Whether gradients on `device` go over NCCL. NCCL wants every rank, each on a GPU of its own (it refuses two ranks
// on one), so auto takes it where the ranks' places say so: not for --nproc 2 on one GPU, nor for a device named
// with its index (cuda:1) that every process of a machine would share, nor where any rank is on the CPU or has no
// NCCL; yes for a cluster that shows each process only its own GPU. Every rank exchanges its place, on the CPU too,
// and decides from the same places, so all decide alike. Throws where ONESTEP_DIST_BACKEND asks for NCCL and it
// cannot be.
bool overNccl(const torch::Device& device) {
  using Backend = parallel::Environment::Backend;
  const Backend b = group().env.backend;
  refuseNcclAlone(device);
  const dist::Spread& spread = spreadFor(device);
  if (!device.is_cuda() || !kHaveNccl || b == Backend::kGloo) return false;
  if (spread.nccl()) return true;
  if (b == Backend::kNccl)
    failTogether("ONESTEP_DIST_BACKEND=nccl: " +
                 (spread.sharedGpu.empty()
                      ? spread.noGpu + " has no GPU to take it on (a CPU run there, or a build without NCCL)"
                      : spread.sharedGpu + ", and NCCL needs a GPU of its own for each process") +
                 " (set it to gloo or auto)");
  return false;
}

#ifdef ONESTEP_NCCL
// The NCCL group, made on the first use: on the same store as Gloo's (its keys under "nccl/"), with the group's
// timeout for its watchdog. Its communicator forms at the first all-reduce, which every rank reaches in the same
// order (the first bucket of the first pass).
c10d::ProcessGroupNCCL& ncclGroup(const torch::Device& device) {
  Group& g = group();
  if (g.nccl) return *g.nccl;
  try {
    // This rank's GPU as the current device, so that nothing of NCCL's or CUDA's lands on GPU 0 for every rank.
    if (device.has_index()) c10::cuda::set_device(device.index());
    auto options = c10d::ProcessGroupNCCL::Options::create();
    options->timeout = std::chrono::milliseconds(static_cast<int64_t>(g.env.timeoutSec * 1000));
    g.nccl = c10::make_intrusive<c10d::ProcessGroupNCCL>(c10::make_intrusive<c10d::PrefixStore>("nccl", g.store),
                                                         g.env.rank, g.env.worldSize, options);
  } catch (const std::exception& e) {
    throw Error("data parallel: rank " + std::to_string(g.env.rank) + ": NCCL could not start on " + device.str() +
                " (ONESTEP_DIST_BACKEND=gloo takes Gloo instead): " + firstLine(e));
  }
  return *g.nccl;
}
#endif

// TCPStoreOptions::useLibUV where this LibTorch has it (2.2 on; LibTorch 1.13 has one server only).
template <typename Options, typename = void>
struct HasLibUv : std::false_type {};
template <typename Options>
struct HasLibUv<Options, std::void_t<decltype(std::declval<Options&>().useLibUV)>> : std::true_type {};

// The rendezvous store. LibTorch 2.4 on asks for its libuv server by default, which a LibTorch built without libuv
// (Debian's 2.6) refuses: then the classic server, as PyTorch's USE_LIBUV=0 would take.
template <typename Options>
c10::intrusive_ptr<c10d::Store> openStore(const std::string& host, Options options) {
  if constexpr (HasLibUv<Options>::value) {
    try {
      return c10::make_intrusive<c10d::TCPStore>(host, options);
    } catch (const std::exception& e) {
      if (!options.useLibUV || std::string(e.what()).find("libuv") == std::string::npos) throw;
      options.useLibUV = false;
    }
  }
  return c10::make_intrusive<c10d::TCPStore>(host, options);
}

void allReduceSum(std::vector<at::Tensor>& tensors, const char* what) {
  runGloo(what, [&](c10d::ProcessGroupGloo& gloo) { return gloo.allreduce(tensors); });
}

}  // namespace

namespace parallel {

std::string unavailable(const Environment& env) {
  return env.backend == Environment::Backend::kNccl && !kHaveNccl ? kNoNccl : "";
}

std::string backends() { return kHaveNccl ? "gloo, nccl" : "gloo"; }

Placement placement(const std::string& device) {
  if (!dist::active()) return {};
  const torch::Device d(device);
  Placement p;
  p.gradients = overNccl(d) ? "nccl" : "gloo";
  p.machines = spreadFor(d).machines;
  return p;
}

void join(const Environment& env) {
  Group& g = group();
  if (g.gloo) throw Error("data parallel: this process has already joined a group");
  if (env.worldSize <= 1) return;
  if (const std::string why = unavailable(env); !why.empty()) throw Error(why);
  const auto timeout = std::chrono::milliseconds(static_cast<int64_t>(env.timeoutSec * 1000));
  const std::string where = env.masterAddr + ":" + std::to_string(env.masterPort);
  // The interface of the peers' connections: GLOO_SOCKET_IFNAME as in PyTorch, the loopback for a group on one
  // machine, else the one this machine's hostname resolves to. Found before the rendezvous, so that a wrong name
  // fails at once rather than after every peer has come.
  std::shared_ptr<::gloo::transport::Device> device;
  const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
  const bool local = env.masterAddr == "localhost" || env.masterAddr.rfind("127.", 0) == 0;
  try {
    device = ifname && *ifname ? c10d::ProcessGroupGloo::createDeviceForInterface(ifname)
             : local           ? c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1")
                               : c10d::ProcessGroupGloo::createDefaultDevice();
  } catch (const std::exception& e) {
    throw Error("data parallel: rank " + std::to_string(env.rank) + ": " +
                (ifname && *ifname ? "GLOO_SOCKET_IFNAME='" + std::string(ifname) +
                                         "': no network interface of that name with an address on this machine"
                                   : std::string("no network interface for the group's connections (set "
                                                 "GLOO_SOCKET_IFNAME)")) +
                ": " + firstLine(e));
  }
  try {
    c10d::TCPStoreOptions o;
    o.port = static_cast<std::uint16_t>(env.masterPort);
    o.isServer = env.rank == 0;
    o.numWorkers = static_cast<std::size_t>(env.worldSize);
    o.timeout = timeout;
    g.store = openStore(env.masterAddr, o);
    auto options = c10d::ProcessGroupGloo::Options::create(timeout);
    options->devices.push_back(device);
    g.gloo = c10::make_intrusive<c10d::ProcessGroupGloo>(g.store, env.rank, env.worldSize, options);
  } catch (const std::exception& e) {
    g.store.reset();
    throw Error("data parallel: rank " + std::to_string(env.rank) + " could not join the group of " +
                std::to_string(env.worldSize) + " at " + where + " (MASTER_ADDR, MASTER_PORT): " + firstLine(e));
  }
  g.env = env;
  setGroupIdentity(env);
}

void leave(bool failed) { endNccl(!failed); }

}  // namespace parallel

namespace dist {

int rank() { return parallel::rank(); }
int worldSize() { return parallel::worldSize(); }

struct GradientSync::State {
  struct Slot {
    torch::Tensor parameter;
    std::size_t bucket = 0;
    int64_t offset = 0;
    bool arrived = false;  // its gradient of this pass is in the bucket
  };
  struct Bucket {
    // On the parameters' device. NCCL all-reduces a CUDA bucket on a stream of its own that waits for the pass's
    // copies into it; over Gloo (where NCCL is not taken: overNccl) Gloo copies it to the host and back on its own
    // streams. Either way no hook waits for the GPU.
    torch::Tensor flat;
    bool nccl = false;
    std::vector<std::size_t> slots;
    std::size_t missing = 0;
    c10::intrusive_ptr<c10d::Work> work;
  };
  Mode mode = Mode::kOverlapped;
  std::vector<Slot> slots;
  std::vector<Bucket> buckets;
  std::vector<unsigned> hooks;  // one per slot, to remove them with the sync
  std::mutex mutex;             // hooks may run on the autograd engine's device threads
  bool armed = false;
  bool routed = false;   // each bucket's all-reduce chosen (route)
  std::size_t next = 0;  // the next bucket to start: they start in order on every rank

  // Chooses each bucket's all-reduce, at the first backward pass: a choice the ranks may have to make together
  // (spreadFor), which the constructor cannot, since rank 0 builds its method while the others wait for its state.
  void route() {
    for (auto& b : buckets) {
      b.nccl = overNccl(b.flat.device());
#ifdef ONESTEP_NCCL
      if (b.nccl) ncclGroup(b.flat.device());
#endif
    }
    routed = true;
  }

  void start(Bucket& b) {
    std::vector<at::Tensor> tensors{b.flat};
    try {
#ifdef ONESTEP_NCCL
      if (b.nccl) {
        auto& nccl = group().nccl;  // gone once a collective has failed (endNccl)
        if (!nccl) throw Error("data parallel: NCCL's communicators were ended by an earlier failure");
        b.work = nccl->allreduce(tensors);
        return;
      }
#endif
      b.work = group().gloo->allreduce(tensors);
    } catch (const std::exception& e) {
      // NCCL's first all-reduce also forms its communicator.
      collectiveFailed(b.nccl ? "gradient all-reduce over NCCL (ONESTEP_DIST_BACKEND=gloo takes Gloo instead)"
                              : "gradient all-reduce",
                       e);
    }
  }
  void startReady() {
    while (next < buckets.size() && buckets[next].missing == 0) start(buckets[next++]);
  }
  void arrive(std::size_t i, const torch::Tensor& grad) {
    std::lock_guard<std::mutex> lock(mutex);
    if (!armed) return;  // a backward pass outside backward(): not this sync's
    Slot& s = slots[i];
    Bucket& b = buckets[s.bucket];
    if (s.arrived || b.work)
      throw Error("data parallel: a parameter received a second gradient after its bucket was sent");
    torch::NoGradGuard guard;
    b.flat.narrow(0, s.offset, grad.numel()).copy_(grad.reshape({-1}));
    s.arrived = true;
    --b.missing;
    if (mode == Mode::kOverlapped) startReady();
  }
};

GradientSync::GradientSync(const std::vector<torch::Tensor>& parameters, Mode mode, int64_t bucketBytes) {
  if (!active()) return;
  m_state = std::make_shared<State>();
  State& st = *m_state;
  st.mode = mode;
  // Reverse order: the backward pass reaches the last layers first. The first bucket small, so that sending starts
  // while most of the pass is still ahead.
  const int64_t bucketCap = bucketBytes > 0 ? bucketBytes : group().env.bucketBytes,
                firstCap = std::min<int64_t>(bucketCap, 1 << 20);
  std::vector<int64_t> filled;
  std::vector<torch::TensorOptions> bucketOptions;  // a bucket holds one dtype on one device
  for (auto it = parameters.rbegin(); it != parameters.rend(); ++it) {
    if (!it->requires_grad()) continue;  // frozen for good: never a gradient
    const auto bytes = static_cast<int64_t>(it->nbytes());
    const int64_t cap = st.buckets.size() <= 1 ? firstCap : bucketCap;
    const auto type = torch::TensorOptions().dtype(it->scalar_type()).device(it->device());
    if (st.buckets.empty() || bucketOptions.back().dtype() != type.dtype() ||
        bucketOptions.back().device() != type.device() ||
        (!st.buckets.back().slots.empty() && filled.back() + bytes > cap)) {
      st.buckets.emplace_back();
      filled.push_back(0);
      bucketOptions.push_back(type);
    }
    State::Slot slot;
    slot.parameter = *it;
    slot.bucket = st.buckets.size() - 1;
    slot.offset = filled.back() / static_cast<int64_t>(it->element_size());
    st.buckets.back().slots.push_back(st.slots.size());
    st.slots.push_back(slot);
    filled.back() += bytes;
  }
  for (std::size_t k = 0; k < st.buckets.size(); ++k) {
    auto& b = st.buckets[k];
    b.flat = torch::zeros({filled[k] / static_cast<int64_t>(bucketOptions[k].dtype().itemsize())}, bucketOptions[k]);
    refuseNcclAlone(b.flat.device());
  }
  // The hooks hold the state weakly: the parameters outlive it in their module.
  std::weak_ptr<State> weak = m_state;
  for (std::size_t i = 0; i < st.slots.size(); ++i)
    st.hooks.push_back(st.slots[i].parameter.register_hook([weak, i](const torch::Tensor& grad) {
      if (auto state = weak.lock()) state->arrive(i, grad);
    }));
}

GradientSync::~GradientSync() {
  if (!m_state) return;
  for (std::size_t i = 0; i < m_state->slots.size(); ++i) m_state->slots[i].parameter.remove_hook(m_state->hooks[i]);
}

void GradientSync::backward(const torch::Tensor& loss) {
  if (!m_state) {
    loss.backward();
    return;
  }
  State& st = *m_state;
  if (!st.routed) st.route();
  {
    std::lock_guard<std::mutex> lock(st.mutex);
    for (auto& s : st.slots) s.arrived = false;
    for (auto& b : st.buckets) {
      b.missing = b.slots.size();
      b.work.reset();
    }
    st.next = 0;
    st.armed = true;
  }
  try {
    loss.backward();
  } catch (...) {
    std::lock_guard<std::mutex> lock(st.mutex);
    st.armed = false;
    throw;
  }
  std::lock_guard<std::mutex> lock(st.mutex);
  st.armed = false;
  // What the pass did not fill goes now: a parameter without a gradient sends zeros (on every rank alike).
  torch::NoGradGuard guard;
  for (std::size_t k = st.next; k < st.buckets.size(); ++k) {
    auto& b = st.buckets[k];
    for (std::size_t i : b.slots) {
      const auto& s = st.slots[i];
      if (!s.arrived) b.flat.narrow(0, s.offset, s.parameter.numel()).zero_();
    }
    b.missing = 0;
  }
  st.startReady();
  const double scale = 1.0 / worldSize();
  for (auto& b : st.buckets) {
    run("gradient all-reduce", b.work);
    b.flat.mul_(scale);
    for (std::size_t i : b.slots) {
      const auto& s = st.slots[i];
      if (!s.arrived) continue;
      auto grad = s.parameter.grad();
      grad.copy_(b.flat.narrow(0, s.offset, grad.numel()).view_as(grad));
    }
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
  std::vector<at::Tensor> size{torch::full({1}, root ? static_cast<int64_t>(bytes.size()) : 0, torch::kInt64)};
  runGloo("broadcast", [&](c10d::ProcessGroupGloo& gloo) { return gloo.broadcast(size); });
  const int64_t n = size[0].item<int64_t>();
  std::vector<at::Tensor> data{torch::empty({std::max<int64_t>(n, 1)}, torch::kUInt8)};
  if (root && n > 0) std::memcpy(data[0].data_ptr(), bytes.data(), static_cast<std::size_t>(n));
  runGloo("broadcast", [&](c10d::ProcessGroupGloo& gloo) { return gloo.broadcast(data); });
  return std::string(static_cast<const char*>(data[0].data_ptr()), static_cast<std::size_t>(n));
}

}  // namespace dist
}  // namespace onestep
