// Training the built-in feature extractor: the CNN of features.h as a Fashion-MNIST classifier (Adam, cosine
// learning rate, random horizontal flips), scored on the test split and written with its accuracy.
#include <cmath>
#include <sstream>

#include "core/util.h"
#include "data/source.h"
#include "metrics/features.h"
#include "onestep/error.h"
#include "onestep/metrics.h"
#include "onestep/runtime.h"

namespace onestep {
namespace {

std::string testSpecOf(const std::string& spec) {
  auto p = data::parseSpec(spec);
  std::string base = spec.substr(0, spec.find('?'));
  return base + "?split=test";
}

// All images and labels of a labelled image source, as float [-1, 1] on the CPU.
void loadAll(const std::string& spec, torch::Tensor& images, torch::Tensor& labels) {
  auto source = data::openData(spec);
  const auto& info = source->info();
  if (info.kind != "images" || info.height != 28 || info.width != 28 || info.channels != 1)
    throw Error("train-features: data '" + spec + "' must hold 28x28 grey images (it holds " + info.description + ")");
  if (info.numClasses != 10) throw Error("train-features: data '" + spec + "' must have 10 labelled classes");
  auto gen = data::makeGenerator(0);
  images = source->draw(info.count, gen, &labels);
  if (!labels.defined()) throw Error("train-features: data '" + spec + "' has no labels");
}

double accuracyOf(metrics::FeatureNet& net, const torch::Tensor& images, const torch::Tensor& labels,
                  torch::Device device) {
  torch::NoGradGuard guard;
  net->eval();
  int64_t right = 0;
  for (int64_t i = 0; i < images.size(0); i += 1000) {
    const int64_t end = std::min(i + 1000, images.size(0));
    auto logits = net->forward(images.slice(0, i, end).to(device));
    right += (logits.argmax(1).cpu() == labels.slice(0, i, end)).sum().item<int64_t>();
  }
  return static_cast<double>(right) / static_cast<double>(images.size(0));
}

}  // namespace

FeatureTrainResult trainBuiltinFeatures(const std::string& out, const FeatureTrainOptions& o,
                                        const std::function<void(const std::string&)>& log) {
  if (o.epochs < 1 || o.batch < 1 || !(o.lr > 0)) throw Error("train-features: epochs, batch and lr must be positive");
  const double start = nowSec();
  const torch::Device device(resolveDevice(o.device));
  torch::Tensor trainX, trainY, testX, testY;
  loadAll(o.data, trainX, trainY);
  loadAll(testSpecOf(o.data), testX, testY);
  torch::manual_seed(o.seed);
  metrics::FeatureNet net;
  net->to(device);
  torch::optim::Adam opt(net->parameters(), torch::optim::AdamOptions(o.lr));
  auto gen = data::makeGenerator(o.seed);
  const int64_t n = trainX.size(0), perEpoch = (n + o.batch - 1) / o.batch, total = perEpoch * o.epochs;
  int64_t it = 0;
  for (int epoch = 1; epoch <= o.epochs; ++epoch) {
    net->train();
    auto order = torch::randperm(n, gen, torch::kLong);
    double lossSum = 0;
    for (int64_t i = 0; i < n; i += o.batch, ++it) {
      auto idx = order.slice(0, i, std::min(i + o.batch, n));
      auto x = trainX.index_select(0, idx);
      auto flip = torch::rand({x.size(0)}, gen) < 0.5;
      x = torch::where(flip.reshape({-1, 1, 1, 1}), x.flip({3}), x).to(device);
      auto y = trainY.index_select(0, idx).to(device);
      const double lr = o.lr * 0.5 * (1 + std::cos(M_PI * static_cast<double>(it) / static_cast<double>(total)));
      for (auto& g : opt.param_groups()) static_cast<torch::optim::AdamOptions&>(g.options()).lr(lr);
      auto loss = torch::nn::functional::cross_entropy(net->forward(x), y);
      opt.zero_grad();
      loss.backward();
      opt.step();
      lossSum += loss.item<double>();
    }
    const double acc = accuracyOf(net, testX, testY, device);
    if (log) {
      char line[160];
      std::snprintf(line, sizeof line, "epoch %d/%d  loss %.4f  test accuracy %.2f%%  (%.0f s)", epoch, o.epochs,
                    lossSum / static_cast<double>(perEpoch), 100 * acc, nowSec() - start);
      log(line);
    }
  }
  FeatureTrainResult r;
  r.testAccuracy = accuracyOf(net, testX, testY, device);
  r.seconds = nowSec() - start;
  std::ostringstream prov;
  prov << "onestep train-features --data " << o.data << " --epochs " << o.epochs << " --batch " << o.batch << " --lr "
       << o.lr << " --seed " << o.seed << "; test accuracy " << r.testAccuracy;
  metrics::saveFeatureNet(out, net, r.testAccuracy, prov.str());
  return r;
}

double builtinAccuracy(const std::string& modelFile, const std::string& dataSpec, const std::string& deviceName) {
  const torch::Device device(resolveDevice(deviceName));
  auto net = metrics::loadFeatureNet(modelFile, device);
  torch::Tensor x, y;
  loadAll(dataSpec, x, y);
  return accuracyOf(net, x, y, device);
}

}  // namespace onestep
