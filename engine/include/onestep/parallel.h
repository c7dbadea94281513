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
};

// Reads the variables (and ONESTEP_DIST_TIMEOUT, ONESTEP_DIST_BUCKET_KB); worldSize 1 when WORLD_SIZE is unset. Throws
// Error naming a malformed or missing variable.
Environment environmentFromVariables();

// Why this build cannot join a group of several processes ("" where it can): a LibTorch without Gloo's headers at
// build time leaves data parallel out (CMakeLists.txt, ONESTEP_DATA_PARALLEL).
std::string unavailable();

// Joins the group: a TCPStore rendezvous at masterAddr:masterPort (rank 0 serves it), then a Gloo process group.
// A collective that waits longer than environment.timeoutSec, or whose peer has gone, throws Error. Call once per
// process, before any run is opened; worldSize 1 joins nothing.
void join(const Environment& environment);

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
