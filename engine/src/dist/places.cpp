// Where a group's ranks run (dist.h, spreadOf): pure bookkeeping over the places the ranks exchanged, compiled in
// every build so that its rules are tested where no GPU is.
#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "dist/dist.h"

namespace onestep::dist {

Spread spreadOf(const std::vector<Place>& places) {
  Spread s;
  std::set<std::pair<std::string, std::string>> machines;                            // (host, boot)
  std::map<std::tuple<std::string, std::string, std::string>, std::size_t> firstOn;  // (host, boot, GPU) → rank
  for (std::size_t r = 0; r < places.size(); ++r) {
    const Place& p = places[r];
    const std::string who = "rank " + std::to_string(r) + " (" + p.host + ")";
    machines.emplace(p.host, p.boot);
    if (p.backend != places[0].backend && s.failure.empty())
      s.failure = who + ": ONESTEP_DIST_BACKEND=" + p.backend + ", but rank 0 has " + places[0].backend +
                  " (give every process the same)";
    if (!p.failure.empty()) {
      if (s.failure.empty()) s.failure = who + ": " + p.failure;
    } else if (p.gpu.empty()) {
      if (s.noGpu.empty()) s.noGpu = who;
    } else if (const auto [at, fresh] = firstOn.emplace(std::make_tuple(p.host, p.boot, p.gpu), r);
               !fresh && s.sharedGpu.empty()) {
      s.sharedGpu = "ranks " + std::to_string(at->second) + " and " + std::to_string(r) + " are both on GPU " + p.gpu +
                    " of " + p.host;
    }
  }
  s.machines = std::max<int>(1, static_cast<int>(machines.size()));
  return s;
}

}  // namespace onestep::dist
