#include "io/images.h"

#include <zlib.h>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>

#include "io/atomic_file.h"
#include "onestep/error.h"

namespace onestep::io {

cv::Mat imageGrid(const torch::Tensor& images, int cols, int pad) {
  auto t = images.to(torch::kCPU).contiguous();
  const int n = static_cast<int>(t.size(0)), c = static_cast<int>(t.size(1));
  const int h = static_cast<int>(t.size(2)), w = static_cast<int>(t.size(3));
  if (cols <= 0) cols = std::max(1, static_cast<int>(std::ceil(std::sqrt(static_cast<double>(n)))));
  const int rows = (n + cols - 1) / cols;
  cv::Mat grid(rows * h + (rows + 1) * pad, cols * w + (cols + 1) * pad, c == 1 ? CV_8UC1 : CV_8UC3,
               cv::Scalar::all(32));
  auto hwc = t.permute({0, 2, 3, 1}).contiguous();
  for (int i = 0; i < n; ++i) {
    cv::Mat tile(h, w, c == 1 ? CV_8UC1 : CV_8UC3, hwc[i].data_ptr<uint8_t>());
    int r = i / cols, col = i % cols;
    tile.copyTo(grid(cv::Rect(pad + col * (w + pad), pad + r * (h + pad), w, h)));
  }
  return grid;
}

cv::Mat scatterPlot(const torch::Tensor& points, int size, double extent) {
  cv::Mat canvas(size, size, CV_8UC3, cv::Scalar(250, 250, 250));
  auto toPx = [&](double v) { return static_cast<int>(std::lround((v + extent) / (2 * extent) * (size - 1))); };
  // Axes through the origin, light grey.
  cv::line(canvas, {toPx(0), 0}, {toPx(0), size - 1}, cv::Scalar(215, 215, 215));
  cv::line(canvas, {0, toPx(0)}, {size - 1, toPx(0)}, cv::Scalar(215, 215, 215));
  auto p = points.to(torch::kCPU, torch::kFloat64).contiguous();
  auto a = p.accessor<double, 2>();
  for (int64_t i = 0; i < p.size(0); ++i) {
    if (!std::isfinite(a[i][0]) || !std::isfinite(a[i][1])) continue;
    cv::circle(canvas, {toPx(a[i][0]), size - 1 - toPx(a[i][1])}, 2, cv::Scalar(31, 119, 180), cv::FILLED, cv::LINE_AA);
  }
  return canvas;  // RGB order
}

namespace {

void putBigEndian(std::string& out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xff));
}

// A PNG text chunk: tEXt for plain ASCII, else iTXt (UTF-8).
std::string textChunk(const std::string& key, const std::string& value) {
  const bool ascii =
      std::all_of(value.begin(), value.end(), [](char c) { return static_cast<unsigned char>(c) < 128; });
  std::string body = ascii ? std::string("tEXt") : std::string("iTXt");
  body += key.substr(0, 79);
  body.push_back('\0');
  if (!ascii) body += std::string("\0\0\0\0", 4);  // uncompressed, no language tag, no translated keyword
  body += value;
  std::string chunk;
  putBigEndian(chunk, static_cast<uint32_t>(body.size() - 4));
  chunk += body;
  putBigEndian(chunk, static_cast<uint32_t>(
                          crc32(0, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()))));
  return chunk;
}

}  // namespace

void writePng(const std::string& path, const cv::Mat& rgbOrGrey,
              const std::vector<std::pair<std::string, std::string>>& text) {
  cv::Mat bgr;
  if (rgbOrGrey.channels() == 3)
    cv::cvtColor(rgbOrGrey, bgr, cv::COLOR_RGB2BGR);
  else
    bgr = rgbOrGrey;
  std::vector<uchar> buf;
  if (!cv::imencode(".png", bgr, buf)) throw Error("output '" + path + "': PNG encoding failed");
  std::string png(buf.begin(), buf.end());
  // Text chunks go after IHDR (8 bytes of signature, then IHDR's 4 + 4 + 13 + 4 bytes).
  std::string chunks;
  for (const auto& [key, value] : text) chunks += textChunk(key, value);
  if (!chunks.empty()) png.insert(33, chunks);
  writeFileAtomic(path, png);
}

torch::Tensor bytesToUnit(const torch::Tensor& images) { return images.to(torch::kFloat32).div(127.5).sub(1.0); }

torch::Tensor unitToBytes(const torch::Tensor& x) {
  return x.detach().to(torch::kCPU, torch::kFloat32).mul(127.5).add(128).clamp(0, 255).to(torch::kUInt8);
}

}  // namespace onestep::io
