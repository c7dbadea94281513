// Data-parallel training over PyTorch's c10d: a process joins a group of N (Gloo over TCP), then every training run
// it opens splits each batch over the group, averages gradients during each backward pass, and lets rank 0 alone
// write the run directory (docs/architecture.md, "Data parallel").
#pragma once
#include <cstdint>
#include <string>

#include "onestep/error.h"

namespace onestep::parallel {

// A failure that another process of the group met and reported itself (rank 0 could not open the run): the
// processes that receive it stop without repeating the message.
class PeerError : public Error {
 public:
  using Error::Error;
};

// Where this process stands in its group, as torchrun's variables say (RANK, WORLD_SIZE, LOCAL_RANK,
// LOCAL_WORLD_SIZE, MASTER_ADDR, MASTER_PORT).
struct Environment {
  int rank = 0;
  int worldSize = 1;
  int localRank = 0;
  int localWorldSize = 1;  // processes of the group on this machine (threads are shared among them)
  std::string masterAddr = "127.0.0.1";
  int masterPort = 29500;
  // A collective that waits longer fails (ONESTEP_DIST_TIMEOUT, seconds): long enough for rank 0's evaluations,
  // during which the others wait.
  double timeoutSec = 1800;
  // The gradients' buckets (ONESTEP_DIST_BUCKET_KB, as DistributedDataParallel's bucket_cap_mb): each all-reduce
  // sends up to this many bytes, the first bucket at most 1 MB. Smaller buckets overlap more of the backward pass
  // and cost more latencies.
  int64_t bucketBytes = 25 << 20;
  // What all-reduces the gradients (ONESTEP_DIST_BACKEND): kAuto is NCCL for a CUDA run where the build has it
  // (CMakeLists.txt, ONESTEP_NCCL) and every process has a GPU of its own, and Gloo otherwise; kNccl refuses a build
  // or a run that cannot. Losses, stop agreement and the start's broadcast always go over Gloo, on the host.
  enum class Backend { kAuto, kGloo, kNccl };
  Backend backend = Backend::kAuto;
};

// Reads the variables (and ONESTEP_DIST_TIMEOUT, ONESTEP_DIST_BUCKET_KB, ONESTEP_DIST_BACKEND); worldSize 1 when
// WORLD_SIZE is unset. Throws Error naming a malformed or missing variable.
Environment environmentFromVariables();

// Why this build cannot join the group `environment` describes ("" where it can): a LibTorch without Gloo's headers
// at build time leaves data parallel out (CMakeLists.txt, ONESTEP_DATA_PARALLEL), and one without NCCL cannot take
// ONESTEP_DIST_BACKEND=nccl (ONESTEP_NCCL).
std::string unavailable(const Environment& environment);
// The all-reduces this build has, for onestep --version: "gloo", "gloo, nccl", or "" (one process only).
std::string backends();

// Where the group's processes run a training run on `device` (as Run::device() names it: "cpu", "cuda:1"), for
// its start line. Every process of the group calls it at the same point, before the run's first backward pass: they
// tell each other their machine and GPU, and all take the same all-reduce for the gradients from that. Throws Error
// where ONESTEP_DIST_BACKEND asks for what cannot be, differs between the ranks, or a rank cannot read its GPU's
// identity: on rank 0, which reports it for all, and parallel::PeerError on the others (an ask that a rank refuses
// alone, NCCL for a CPU run, is refused on each rank as it builds the run, before rank 0 writes it).
struct Placement {
  int machines = 1;       // the machines the group spans (by hostname and boot id)
  std::string gradients;  // what all-reduces the gradients: "gloo" or "nccl" ("" outside a group)
};
Placement placement(const std::string& device);

// Joins the group: a TCPStore rendezvous at masterAddr:masterPort (rank 0 serves it), then a Gloo process group.
// A collective that waits longer than environment.timeoutSec, or whose peer has gone, throws Error. Call once per
// process, before any run is opened; worldSize 1 joins nothing.
void join(const Environment& environment);

// Ends this process's part in the group once its work is done (PyTorch's destroy_process_group) or has failed: NCCL's
// communicators are shut down, after the work every rank has queued or, when `failed`, at once, so that none is left
// to LibTorch's exit. Outside a group, or without NCCL, nothing.
void leave(bool failed = false);

// This process's rank and the group's size (0 and 1 outside a group).
int rank();
int worldSize();
// This process's index among the group's processes on its machine (0 outside a group): its GPU when the run's
// device is "cuda" or "auto" on a machine with several.
int localRank();
// Processes of the group on this machine (1 outside a group): "all cores" means cores / this per process, once
// the group is joined (a run's threads are set again when it opens).
int localProcesses();

}  // namespace onestep::parallel
