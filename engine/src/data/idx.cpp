// IDX files (MNIST, Fashion-MNIST), plain or gzip-compressed (zlib reads both).
#include <zlib.h>

#include <cstdio>
#include <cstring>

#include "core/util.h"
#include "data/source.h"
#include "onestep/error.h"

namespace onestep::data {
namespace {

// Reads the whole (decompressed) content of a possibly gzipped file.
std::string readMaybeGz(const std::string& path) {
  if (!isFile(path)) throw Error("IDX file '" + path + "': not found");
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw Error("IDX file '" + path + "': cannot be opened");
  std::string out;
  char buf[1 << 16];
  while (true) {
    int got = gzread(f, buf, sizeof buf);
    if (got < 0) {
      int err = 0;
      std::string msg = gzerror(f, &err);
      gzclose(f);
      throw Error("IDX file '" + path + "': corrupt or truncated compressed data (" + msg + ")");
    }
    if (got == 0) break;
    out.append(buf, static_cast<std::size_t>(got));
  }
  // A truncated .gz stream reads without error up to its end; zlib reports it only at close.
  int rc = gzclose(f);
  if (rc != Z_OK && rc != Z_BUF_ERROR) throw Error("IDX file '" + path + "': corrupt compressed data");
  if (rc == Z_BUF_ERROR) throw Error("IDX file '" + path + "': truncated compressed data");
  return out;
}

uint32_t bigEndian32(const std::string& s, std::size_t at) {
  auto b = [&](std::size_t i) { return static_cast<uint32_t>(static_cast<unsigned char>(s[at + i])); };
  return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

// Parses an unsigned-byte IDX tensor with the expected number of dimensions.
std::vector<int64_t> parseHeader(const std::string& raw, const std::string& path, int dims) {
  const uint32_t expectedMagic = 0x00000800u | static_cast<uint32_t>(dims);
  if (raw.size() < 4) throw Error("IDX file '" + path + "': truncated (no header)");
  uint32_t magic = bigEndian32(raw, 0);
  if (magic != expectedMagic) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "wrong magic number 0x%08x, expected 0x%08x (%s)", magic, expectedMagic,
                  dims == 1 ? "unsigned-byte labels" : "unsigned-byte images");
    throw Error("IDX file '" + path + "': " + buf);
  }
  if (raw.size() < 4u + 4u * dims) throw Error("IDX file '" + path + "': truncated header");
  std::vector<int64_t> shape;
  std::size_t need = 1;  // formed without overflow: three 32-bit sizes can pass 2^64
  bool overflow = false;
  for (int i = 0; i < dims; ++i) {
    shape.push_back(bigEndian32(raw, 4 + 4 * i));
    overflow |= __builtin_mul_overflow(need, static_cast<std::size_t>(shape.back()), &need);
  }
  if (need == 0 && !overflow)  // a product that wrapped can land on 0 too
    throw Error("IDX file '" + path + "': a size in its header is 0 (expected at least one " +
                (dims == 1 ? "label" : "image of at least 1x1 pixels") + ")");
  overflow |= __builtin_add_overflow(need, 4u + 4u * dims, &need);
  if (overflow) throw Error("IDX file '" + path + "': header sizes larger than any file (corrupt or not an IDX file)");
  if (raw.size() < need)
    throw Error("IDX file '" + path + "': truncated: expected " + std::to_string(need) + " bytes, found " +
                std::to_string(raw.size()));
  return shape;
}

std::string findFile(const std::string& dir, const std::string& stem) {
  for (const char* suffix : {".gz", ""}) {
    std::string p = dir + "/" + stem + suffix;
    if (isFile(p)) return p;
  }
  throw Error("dataset directory '" + dir + "': missing " + stem + " (or " + stem + ".gz)");
}

}  // namespace

torch::Tensor readIdxImages(const std::string& path) {
  std::string raw = readMaybeGz(path);
  auto shape = parseHeader(raw, path, 3);
  auto t = torch::empty({shape[0], 1, shape[1], shape[2]}, torch::kUInt8);
  std::memcpy(t.data_ptr<uint8_t>(), raw.data() + 16, static_cast<std::size_t>(t.numel()));
  return t;
}

torch::Tensor readIdxLabels(const std::string& path) {
  std::string raw = readMaybeGz(path);
  auto shape = parseHeader(raw, path, 1);
  auto t = torch::empty({shape[0]}, torch::kUInt8);
  std::memcpy(t.data_ptr<uint8_t>(), raw.data() + 8, static_cast<std::size_t>(t.numel()));
  return t.to(torch::kLong);
}

std::unique_ptr<DataSource> openIdxDataset(const ParsedSpec& spec, const std::string& defaultDir) {
  std::string dir = spec.path.empty() ? defaultDir : spec.path;
  if (dir.empty()) throw Error("data spec '" + spec.text + "': needs a directory (" + spec.kind + ":DIR)");
  if (!isDir(dir))
    throw Error("data spec '" + spec.text + "': directory '" + dir + "' not found" +
                (spec.kind == "fashion-mnist" ? " (install Debian's dataset-fashion-mnist)" : ""));
  std::string split = "train";
  for (const auto& [k, v] : spec.options) {
    if (k != "split") throw Error("data spec '" + spec.text + "': unknown option '" + k + "' (expected split)");
    if (v != "train" && v != "test") throw Error("data spec '" + spec.text + "': split must be train or test");
    split = v;
  }
  std::string prefix = split == "train" ? "train" : "t10k";
  auto images = readIdxImages(findFile(dir, prefix + "-images-idx3-ubyte"));
  std::string labelPath = findFile(dir, prefix + "-labels-idx1-ubyte");
  auto labels = readIdxLabels(labelPath);
  if (labels.size(0) != images.size(0))
    throw Error("IDX file '" + labelPath + "': " + std::to_string(labels.size(0)) + " labels for " +
                std::to_string(images.size(0)) + " images");
  if (labels.numel() > 0 && labels.max().item<int64_t>() > 9)
    throw Error("IDX file '" + labelPath + "': labels must be 0..9");
  DataInfo info;
  info.spec = spec.text;
  info.kind = "images";
  info.count = images.size(0);
  info.channels = 1;
  info.height = static_cast<int>(images.size(2));
  info.width = static_cast<int>(images.size(3));
  info.numClasses = 10;
  info.description = (spec.kind == "fashion-mnist" ? "Fashion-MNIST " : "MNIST ") + split + " split, " +
                     std::to_string(info.count) + " grey " + std::to_string(info.height) + "x" +
                     std::to_string(info.width) + " images, 10 classes, from " + dir;
  return makeImageDataset(info, images, labels);
}

}  // namespace onestep::data
