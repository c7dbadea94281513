// Data sources inside the engine: a spec string opens one; batches come out as float tensors.
#pragma once
#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>

#include "onestep/data.h"

namespace onestep::data {

// "kind[:path][?key=value&...]" split into its parts.
struct ParsedSpec {
  std::string text;                            // the spec as given
  std::string kind;                            // "toy", "fashion-mnist", "mnist", "cifar10", "folder"
  std::string path;                            // after the first ':' (toy name or directory)
  std::map<std::string, std::string> options;  // after '?'
};
// Splits a spec; throws Error for an unknown kind or a malformed option.
ParsedSpec parseSpec(const std::string& spec);

// A source of training samples. Points come as float [N,D]; images as float [N,C,H,W] in [-1, 1].
class DataSource {
 public:
  virtual ~DataSource() = default;
  // What the source holds.
  virtual const DataInfo& info() const = 0;
  // A random training batch (with replacement for datasets); labels is set to int64 [N] when known.
  virtual torch::Tensor sample(int64_t n, at::Generator& gen, torch::Tensor* labels) = 0;
  // n samples for export/evaluation: fresh draws (toys) or distinct items in a seeded order (datasets).
  virtual torch::Tensor draw(int64_t n, at::Generator& gen, torch::Tensor* labels) = 0;
};

// Opens the source named by spec. Throws Error naming the spec or the file at fault.
std::unique_ptr<DataSource> openData(const std::string& spec);

// A dataset held in memory: uint8 images [N,C,H,W] and optional int64 labels [N].
std::unique_ptr<DataSource> makeImageDataset(DataInfo info, torch::Tensor images, torch::Tensor labels);

// Generated 2-D toys.
std::unique_ptr<DataSource> makeToy(const ParsedSpec& spec);

// Readers; each throws Error naming the file and what was expected.
torch::Tensor readIdxImages(const std::string& path);  // uint8 [N,1,H,W]
torch::Tensor readIdxLabels(const std::string& path);  // int64 [N]
std::unique_ptr<DataSource> openIdxDataset(const ParsedSpec& spec, const std::string& defaultDir);
std::unique_ptr<DataSource> openCifar10(const ParsedSpec& spec);
std::unique_ptr<DataSource> openImageFolder(const ParsedSpec& spec);

// A CPU generator seeded with `seed`.
at::Generator makeGenerator(uint64_t seed);

}  // namespace onestep::data
