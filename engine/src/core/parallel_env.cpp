// Where this process stands in a data-parallel group (onestep/parallel.h): torchrun's variables, and the identity
// that dist/group.cpp's join() records here, so that core (threads, config checks) needs nothing from dist.
#include <cstdlib>
#include <string>

#include "core/util.h"
#include "onestep/error.h"
#include "onestep/parallel.h"

namespace onestep {
namespace {

parallel::Environment& identity() {
  static parallel::Environment e;
  return e;
}

int intVariable(const char* name, int fallback, int low, int high) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  const long n = std::strtol(v, &end, 10);
  if (*end != '\0' || n < low || n > high)
    throw Error(std::string("environment variable ") + name + "='" + v + "': expected an integer in " +
                std::to_string(low) + ".." + std::to_string(high));
  return static_cast<int>(n);
}

}  // namespace

void setGroupIdentity(const parallel::Environment& environment) { identity() = environment; }

namespace parallel {

Environment environmentFromVariables() {
  Environment e;
  // The settings of a group are read outside one too: the launcher (--nproc) checks them once, before its workers.
  e.timeoutSec = intVariable("ONESTEP_DIST_TIMEOUT", 1800, 10, 7 * 24 * 3600);
  e.bucketBytes = int64_t{intVariable("ONESTEP_DIST_BUCKET_KB", 25 << 10, 1, 1 << 20)} << 10;
  if (const char* b = std::getenv("ONESTEP_DIST_BACKEND"); b && *b) {
    const std::string v = b;
    if (v == "gloo")
      e.backend = parallel::Environment::Backend::kGloo;
    else if (v == "nccl")
      e.backend = parallel::Environment::Backend::kNccl;
    else if (v != "auto")
      throw Error("environment variable ONESTEP_DIST_BACKEND='" + v + "': expected auto, gloo or nccl");
  }
  e.worldSize = intVariable("WORLD_SIZE", 1, 1, 65536);
  if (e.worldSize == 1) return e;
  if (!std::getenv("RANK")) throw Error("environment variable RANK: not set, but WORLD_SIZE is");
  e.rank = intVariable("RANK", 0, 0, e.worldSize - 1);
  e.localWorldSize = intVariable("LOCAL_WORLD_SIZE", e.worldSize, 1, e.worldSize);
  e.localRank = intVariable("LOCAL_RANK", e.rank % e.localWorldSize, 0, e.localWorldSize - 1);
  if (const char* a = std::getenv("MASTER_ADDR"); a && *a) e.masterAddr = a;
  e.masterPort = intVariable("MASTER_PORT", 29500, 1, 65535);
  return e;
}

int rank() { return identity().rank; }
int worldSize() { return identity().worldSize; }
int localRank() { return identity().localRank; }
int localProcesses() { return identity().localWorldSize; }

}  // namespace parallel
}  // namespace onestep
