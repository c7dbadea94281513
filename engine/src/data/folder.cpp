// A folder of images read with OpenCV: each centre-cropped to a square, then resized to `size` x `size`.
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "core/util.h"
#include "data/source.h"
#include "onestep/error.h"

namespace onestep::data {
namespace {

// libpng and libjpeg print their own complaint about a broken file on stderr; the folder's reader says which file
// it could not decode itself, in one line, so theirs is silenced while OpenCV decodes.
class QuietStderr {
 public:
  QuietStderr() : m_saved(::dup(STDERR_FILENO)) {
    const int null = ::open("/dev/null", O_WRONLY);
    if (m_saved >= 0 && null >= 0) ::dup2(null, STDERR_FILENO);
    if (null >= 0) ::close(null);
  }
  ~QuietStderr() {
    if (m_saved < 0) return;
    std::fflush(stderr);
    ::dup2(m_saved, STDERR_FILENO);
    ::close(m_saved);
  }
  QuietStderr(const QuietStderr&) = delete;
  QuietStderr& operator=(const QuietStderr&) = delete;

 private:
  int m_saved;
};

}  // namespace

std::unique_ptr<DataSource> openImageFolder(const ParsedSpec& spec) {
  const std::string& dir = spec.path;
  if (dir.empty()) throw Error("data spec '" + spec.text + "': needs a directory (folder:DIR)");
  if (!isDir(dir)) throw Error("data spec '" + spec.text + "': directory '" + dir + "' not found");
  int size = 32, channels = 3;
  for (const auto& [k, v] : spec.options) {
    int* target = k == "size" ? &size : k == "channels" ? &channels : nullptr;
    if (!target) throw Error("data spec '" + spec.text + "': unknown option '" + k + "' (expected size, channels)");
    try {
      *target = std::stoi(v);
    } catch (const std::exception&) {
      throw Error("data spec '" + spec.text + "': option " + k + "='" + v + "' is not an integer");
    }
  }
  if (size < 4 || size > 1024) throw Error("data spec '" + spec.text + "': size must be in 4..1024");
  if (channels != 1 && channels != 3) throw Error("data spec '" + spec.text + "': channels must be 1 or 3");

  static const std::vector<std::string> kExt = {".png", ".jpg",  ".jpeg", ".bmp", ".webp",
                                                ".tif", ".tiff", ".ppm",  ".pgm"};
  std::vector<std::string> paths;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    if (std::find(kExt.begin(), kExt.end(), extensionOf(e.path().string())) != kExt.end())
      paths.push_back(e.path().string());
  }
  std::sort(paths.begin(), paths.end());
  if (paths.empty())
    throw Error("data spec '" + spec.text + "': no image files (png, jpg, bmp, webp, tif) in '" + dir + "'");

  std::vector<cv::Mat> images;
  std::vector<std::string> broken;
  for (const auto& p : paths) {
    cv::Mat img;
    try {
      QuietStderr quiet;
      img = cv::imread(p, channels == 1 ? cv::IMREAD_GRAYSCALE : cv::IMREAD_COLOR);
    } catch (const cv::Exception&) {  // some decoders (BMP) throw on a header they cannot follow
      img.release();
    }
    if (img.empty()) {
      broken.push_back(p);
      continue;
    }
    if (channels == 3) cv::cvtColor(img, img, cv::COLOR_BGR2RGB);
    // The centre square first, then resized: the work and memory follow the output, not the input's shape (a
    // 1 x 100000 image would otherwise be scaled to 32 x 3200000 before its crop).
    const int side = std::min(img.cols, img.rows);
    const cv::Mat square = img(cv::Rect((img.cols - side) / 2, (img.rows - side) / 2, side, side));
    cv::Mat resized;
    cv::resize(square, resized, cv::Size(size, size), 0, 0, side > size ? cv::INTER_AREA : cv::INTER_CUBIC);
    images.push_back(resized.isContinuous() ? resized : resized.clone());
  }
  if (images.empty())
    throw Error("data spec '" + spec.text + "': none of the " + std::to_string(paths.size()) + " image files in '" +
                dir + "' could be decoded (the first: '" + broken.front() + "')");
  if (!broken.empty())
    std::fprintf(
        stderr, "warning: data spec '%s': skipped %zu of %zu image files that could not be decoded (the first: '%s')\n",
        spec.text.c_str(), broken.size(), paths.size(), broken.front().c_str());
  const int64_t n = static_cast<int64_t>(images.size());
  auto hwc = torch::empty({n, size, size, channels}, torch::kUInt8);
  for (int64_t i = 0; i < n; ++i)
    std::memcpy(hwc[i].data_ptr<uint8_t>(), images[i].data, static_cast<std::size_t>(size) * size * channels);
  DataInfo info;
  info.spec = spec.text;
  info.kind = "images";
  info.count = n;
  info.channels = channels;
  info.height = size;
  info.width = size;
  info.description = "image folder " + dir + ": " + std::to_string(n) + " images at " + std::to_string(size) + "x" +
                     std::to_string(size) + (channels == 1 ? " grey" : " RGB") +
                     (broken.empty() ? "" : ", " + std::to_string(broken.size()) + " undecodable file(s) skipped");
  return makeImageDataset(info, hwc.permute({0, 3, 1, 2}).contiguous(), torch::Tensor());
}

}  // namespace onestep::data
