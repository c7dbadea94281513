// The registry of training methods.
#include "onestep/error.h"
#include "train/method.h"

namespace onestep::training {

nets::SampleShape shapeOf(const DataInfo& info) {
  nets::SampleShape s;
  s.kind = info.kind;
  s.dim = info.dim;
  s.channels = info.channels;
  s.height = info.height;
  s.width = info.width;
  s.numClasses = info.numClasses;
  return s;
}

void resolveAutoSettings(RunConfig& c, const nets::SampleShape& shape) {
  const bool points = shape.kind == "points";
  if (c.net.arch == "auto") c.net.arch = points ? "mlp" : "unet";
  if (c.batch == 0) c.batch = points ? 512 : 64;
  if (c.teacher.lr == 0) c.teacher.lr = c.net.arch == "mlp" ? 1e-3 : 2e-4;
  if (c.snapshot_count == 0) c.snapshot_count = points ? 1000 : 64;
}

std::unique_ptr<Method> makeMethod(const RunConfig& config, const nets::SampleShape& shape, torch::Device device,
                                   data::DataSource* data) {
  if (config.method == "teacher") return makeTeacherMethod(config, shape, device, data);
  throw Error("method '" + config.method + "' is not known (expected teacher)");
}

}  // namespace onestep::training
