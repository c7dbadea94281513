// dist.h and parallel::join for a build without data parallel: the LibTorch it was built against came without
// Gloo's headers (CMakeLists.txt, ONESTEP_DATA_PARALLEL). Every run is one process, exactly as group.cpp runs one;
// asking for a group says why there is none.
#include "dist/dist.h"
#include "onestep/error.h"
#include "onestep/parallel.h"

namespace onestep {

namespace parallel {

std::string unavailable(const Environment&) {
  return "data parallel: this build has none: it was configured without Gloo's headers (ONESTEP_DATA_PARALLEL "
         "OFF); install Debian's libgloo-dev or point ONESTEP_GLOO_INCLUDE at them, and build again";
}

void join(const Environment& env) {
  if (env.worldSize > 1) throw Error(unavailable(env) + " (WORLD_SIZE=" + std::to_string(env.worldSize) + ")");
}

Placement placement(const std::string&) { return {}; }
std::string backends() { return ""; }
void leave(bool) {}

}  // namespace parallel

namespace dist {

int rank() { return 0; }
int worldSize() { return 1; }

struct GradientSync::State {};
GradientSync::GradientSync(const std::vector<torch::Tensor>&, Mode, int64_t) {}
GradientSync::~GradientSync() = default;
void GradientSync::backward(const torch::Tensor& loss) { loss.backward(); }

std::vector<double> average(std::vector<double> values) { return values; }
double average(double value) { return value; }
bool anyRank(bool flag) { return flag; }
std::string broadcast(const std::string& bytes) { return bytes; }

}  // namespace dist
}  // namespace onestep
