// Feature extractors inside the engine: the built-in Fashion-MNIST classifier and TorchScript Inception.
#pragma once
#include <torch/torch.h>

#include <string>

namespace onestep::metrics {

// The built-in extractor: a small CNN for 28x28 grey images in [-1, 1]. features() is the 128-d ReLU layer
// before the classifier head (the analogue of Inception's pool3); forward() gives the 10 class logits.
struct FeatureNetImpl : torch::nn::Module {
  FeatureNetImpl();
  torch::Tensor features(const torch::Tensor& x);
  torch::Tensor forward(const torch::Tensor& x);

  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr}, conv3{nullptr};
  torch::nn::BatchNorm2d bn1{nullptr}, bn2{nullptr}, bn3{nullptr};
  torch::nn::Linear fc{nullptr}, head{nullptr};
  torch::nn::Dropout drop{nullptr};
};
TORCH_MODULE(FeatureNet);

constexpr int64_t kBuiltinDim = 128;
constexpr double kBuiltinScale = 0.25;
constexpr const char* kFeatureFormat = "onestep-features-v1";

// Writes the net (eval mode, CPU) with its test accuracy and a one-line provenance, atomically.
void saveFeatureNet(const std::string& path, FeatureNet& net, double accuracy, const std::string& provenance);
// Loads a net written by saveFeatureNet; throws Error naming the file when it is missing, truncated or foreign.
FeatureNet loadFeatureNet(const std::string& path, torch::Device device);
// The file behind "builtin" / "builtin:FILE".
std::string builtinFile(const std::string& extractor);

// Features of float images [N,1,28,28] in [-1, 1] through the net, in batches, without gradient.
torch::Tensor builtinFeatures(FeatureNet& net, const torch::Tensor& images, torch::Device device, int64_t batch = 500);

}  // namespace onestep::metrics
