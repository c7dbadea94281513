// The CIFAR-10 binary batches: records of 1 label byte + 3072 bytes (3x32x32, channel-major).
#include <cstring>

#include "core/util.h"
#include "data/source.h"
#include "onestep/error.h"

namespace onestep::data {

std::unique_ptr<DataSource> openCifar10(const ParsedSpec& spec) {
  std::string dir = spec.path;
  if (dir.empty()) throw Error("data spec '" + spec.text + "': needs a directory (cifar10:DIR)");
  if (isDir(dir + "/cifar-10-batches-bin")) dir += "/cifar-10-batches-bin";
  if (!isDir(dir)) throw Error("data spec '" + spec.text + "': directory '" + dir + "' not found");
  std::string split = "train";
  for (const auto& [k, v] : spec.options) {
    if (k != "split") throw Error("data spec '" + spec.text + "': unknown option '" + k + "' (expected split)");
    if (v != "train" && v != "test") throw Error("data spec '" + spec.text + "': split must be train or test");
    split = v;
  }
  std::vector<std::string> files;
  if (split == "train") {
    for (int i = 1; i <= 5; ++i) files.push_back(dir + "/data_batch_" + std::to_string(i) + ".bin");
  } else {
    files.push_back(dir + "/test_batch.bin");
  }
  constexpr std::size_t kRecord = 1 + 3 * 32 * 32;
  std::string all;
  for (const auto& f : files) {
    if (!isFile(f)) throw Error("CIFAR-10 file '" + f + "': not found (expected the binary version's batches)");
    std::string raw = readFile(f, "CIFAR-10 file");
    if (raw.empty() || raw.size() % kRecord != 0)
      throw Error("CIFAR-10 file '" + f + "': size " + std::to_string(raw.size()) +
                  " is not a whole number of 3073-byte records (truncated or not a CIFAR-10 binary batch)");
    all += raw;
  }
  const int64_t n = static_cast<int64_t>(all.size() / kRecord);
  auto images = torch::empty({n, 3, 32, 32}, torch::kUInt8);
  auto labels = torch::empty({n}, torch::kLong);
  auto* px = images.data_ptr<uint8_t>();
  auto* lb = labels.data_ptr<int64_t>();
  for (int64_t i = 0; i < n; ++i) {
    const char* rec = all.data() + i * kRecord;
    lb[i] = static_cast<unsigned char>(rec[0]);
    if (lb[i] > 9)
      throw Error("CIFAR-10 data in '" + dir + "': record " + std::to_string(i) + " has label " +
                  std::to_string(lb[i]) + ", expected 0..9");
    std::memcpy(px + i * (kRecord - 1), rec + 1, kRecord - 1);
  }
  DataInfo info;
  info.spec = spec.text;
  info.kind = "images";
  info.count = n;
  info.channels = 3;
  info.height = 32;
  info.width = 32;
  info.numClasses = 10;
  info.description =
      "CIFAR-10 " + split + " split, " + std::to_string(n) + " colour 32x32 images, 10 classes, from " + dir;
  return makeImageDataset(info, images, labels);
}

}  // namespace onestep::data
