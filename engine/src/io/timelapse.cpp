// Timelapses of a run's snapshots: an animated GIF (own encoder: one 256-colour palette, LZW) or an MJPEG AVI.
#include "onestep/timelapse.h"

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <regex>
#include <unordered_map>

#include "core/util.h"
#include "io/atomic_file.h"
#include "onestep/error.h"

namespace onestep {
namespace {

namespace fs = std::filesystem;

bool endsWith(const std::string& s, const std::string& tail) {
  return s.size() >= tail.size() && std::equal(tail.rbegin(), tail.rend(), s.rbegin(),
                                               [](char a, char b) { return std::tolower(a) == std::tolower(b); });
}

// The iteration in a snapshot name "iter-000001234.png", or -1.
long long iterationOf(const std::string& path) {
  static const std::regex pattern("iter-(\\d+)\\.[A-Za-z]+$");
  std::smatch m;
  const std::string name = fs::path(path).filename().string();
  return std::regex_search(name, m, pattern) ? std::stoll(m[1].str()) : -1;
}

// Reads a frame as BGR, letterboxed into `size` (the first frame's, after scaling) and captioned.
cv::Mat prepareFrame(const std::string& path, cv::Size* size, const TimelapseOptions& options) {
  cv::Mat image = cv::imread(path, cv::IMREAD_COLOR);
  if (image.empty()) throw Error("timelapse: cannot read frame '" + path + "' (expected a PNG or JPEG image)");
  if (size->width == 0) {
    const double scale = std::min(1.0, static_cast<double>(options.maxSide) / std::max(image.cols, image.rows));
    *size = cv::Size(std::max(1, static_cast<int>(image.cols * scale)) & ~1,
                     std::max(1, static_cast<int>(image.rows * scale)) & ~1);
    if (size->width == 0 || size->height == 0) *size = cv::Size(2, 2);
  }
  const double scale =
      std::min(static_cast<double>(size->width) / image.cols, static_cast<double>(size->height) / image.rows);
  cv::Mat scaled;
  cv::resize(
      image, scaled,
      cv::Size(std::max(1, static_cast<int>(image.cols * scale)), std::max(1, static_cast<int>(image.rows * scale))), 0,
      0, cv::INTER_AREA);
  cv::Mat frame(*size, CV_8UC3, cv::Scalar(40, 40, 40));
  scaled.copyTo(
      frame(cv::Rect((size->width - scaled.cols) / 2, (size->height - scaled.rows) / 2, scaled.cols, scaled.rows)));
  const long long it = iterationOf(path);
  if (options.caption && it >= 0) {
    const int band = std::max(14, size->height / 16);
    cv::rectangle(frame, cv::Rect(0, size->height - band, size->width, band), cv::Scalar(30, 30, 30), cv::FILLED);
    cv::putText(frame, "iteration " + std::to_string(it), cv::Point(4, size->height - band / 4),
                cv::FONT_HERSHEY_SIMPLEX, band / 32.0, cv::Scalar(240, 240, 240), 1, cv::LINE_AA);
  }
  return frame;
}

// GIF89a writer. Palette: 256 greys when every frame is grey, else a 6x7x6 colour cube plus 4 greys.
class GifWriter {
 public:
  GifWriter(std::ostream& out, int width, int height, bool grey, int delayCs)
      : m_out(out), m_width(width), m_height(height), m_grey(grey), m_delay(delayCs) {
    m_out.write("GIF89a", 6);
    word(width);
    word(height);
    m_out.put(static_cast<char>(0xF7));  // global colour table of 256 entries, 8 bits per primary
    m_out.put(0);                        // background colour index
    m_out.put(0);                        // pixel aspect ratio
    for (int i = 0; i < 256; ++i) {
      int r, g, b;
      colour(i, &r, &g, &b);
      m_out.put(static_cast<char>(r));
      m_out.put(static_cast<char>(g));
      m_out.put(static_cast<char>(b));
    }
    // NETSCAPE2.0 application extension: loop forever.
    const unsigned char loop[] = {0x21, 0xFF, 0x0B, 'N', 'E',  'T',  'S',  'C',  'A', 'P',
                                  'E',  '2',  '.',  '0', 0x03, 0x01, 0x00, 0x00, 0x00};
    m_out.write(reinterpret_cast<const char*>(loop), sizeof loop);
  }

  void frame(const cv::Mat& bgr) {
    const unsigned char control[] = {
        0x21, 0xF9, 0x04, 0x04, static_cast<unsigned char>(m_delay & 0xFF), static_cast<unsigned char>(m_delay >> 8),
        0x00, 0x00};
    m_out.write(reinterpret_cast<const char*>(control), sizeof control);
    m_out.put(0x2C);  // image descriptor: the whole canvas, no local table, not interlaced
    word(0);
    word(0);
    word(m_width);
    word(m_height);
    m_out.put(0);
    std::vector<uint8_t> indices;
    indices.reserve(static_cast<size_t>(m_width) * m_height);
    for (int y = 0; y < bgr.rows; ++y)
      for (int x = 0; x < bgr.cols; ++x) {
        const cv::Vec3b& p = bgr.at<cv::Vec3b>(y, x);
        indices.push_back(index(p[2], p[1], p[0]));
      }
    lzw(indices);
  }

  void finish() { m_out.put(0x3B); }

 private:
  void word(int v) {
    m_out.put(static_cast<char>(v & 0xFF));
    m_out.put(static_cast<char>((v >> 8) & 0xFF));
  }

  void colour(int i, int* r, int* g, int* b) const {
    if (m_grey) {
      *r = *g = *b = i;
    } else if (i < 252) {
      *r = (i / 42) * 255 / 5;
      *g = ((i / 6) % 7) * 255 / 6;
      *b = (i % 6) * 255 / 5;
    } else {
      *r = *g = *b = (i - 252) * 255 / 3;
    }
  }

  uint8_t index(int r, int g, int b) const {
    if (m_grey) return static_cast<uint8_t>((r * 299 + g * 587 + b * 114) / 1000);
    const int ri = (r * 5 + 127) / 255, gi = (g * 6 + 127) / 255, bi = (b * 5 + 127) / 255;
    return static_cast<uint8_t>(ri * 42 + gi * 6 + bi);
  }

  // LZW with 8-bit minimum code size, codes up to 12 bits, packed LSB first into sub-blocks of <= 255 bytes.
  void lzw(const std::vector<uint8_t>& data) {
    constexpr int kClear = 256, kEnd = 257, kMaxCode = 4095;
    m_out.put(8);
    std::vector<uint8_t> bytes;
    uint32_t bitBuffer = 0;
    int bitCount = 0;
    int codeSize = 9;
    auto emit = [&](int code) {
      bitBuffer |= static_cast<uint32_t>(code) << bitCount;
      bitCount += codeSize;
      while (bitCount >= 8) {
        bytes.push_back(static_cast<uint8_t>(bitBuffer & 0xFF));
        bitBuffer >>= 8;
        bitCount -= 8;
      }
    };
    std::unordered_map<uint32_t, int> table;
    int last = kEnd;  // highest code assigned
    emit(kClear);
    int prefix = data.empty() ? 0 : data[0];
    for (size_t i = 1; i < data.size(); ++i) {
      const uint32_t key = (static_cast<uint32_t>(prefix) << 8) | data[i];
      auto found = table.find(key);
      if (found != table.end()) {
        prefix = found->second;
        continue;
      }
      emit(prefix);
      table.emplace(key, ++last);
      if (last >= (1 << codeSize) && codeSize < 12) ++codeSize;
      if (last == kMaxCode) {
        emit(kClear);
        table.clear();
        last = kEnd;
        codeSize = 9;
      }
      prefix = data[i];
    }
    emit(prefix);
    // A decoder adds a table entry for that last code too and widens its codes when the table reaches the
    // current width's limit; the end code must be written at the width it will be read at.
    if (data.size() > 1 && last + 1 >= (1 << codeSize) && codeSize < 12) ++codeSize;
    emit(kEnd);
    if (bitCount > 0) bytes.push_back(static_cast<uint8_t>(bitBuffer & 0xFF));
    for (size_t at = 0; at < bytes.size(); at += 255) {
      const size_t n = std::min<size_t>(255, bytes.size() - at);
      m_out.put(static_cast<char>(n));
      m_out.write(reinterpret_cast<const char*>(bytes.data() + at), static_cast<std::streamsize>(n));
    }
    m_out.put(0);  // block terminator
  }

  std::ostream& m_out;
  int m_width, m_height;
  bool m_grey;
  int m_delay;  // hundredths of a second
};

bool isGrey(const cv::Mat& bgr) {
  for (int y = 0; y < bgr.rows; ++y)
    for (int x = 0; x < bgr.cols; ++x) {
      const cv::Vec3b& p = bgr.at<cv::Vec3b>(y, x);
      if (p[0] != p[1] || p[1] != p[2]) return false;
    }
  return true;
}

}  // namespace

std::vector<std::string> runSnapshots(const std::string& runDir) {
  if (!isFile(runDir + "/config.json"))
    throw Error("timelapse: '" + runDir + "' is not a run directory (no config.json)");
  std::vector<std::string> frames;
  const fs::path dir = fs::path(runDir) / "snapshots";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec))
    if (entry.is_regular_file() && iterationOf(entry.path().string()) >= 0) frames.push_back(entry.path().string());
  std::sort(frames.begin(), frames.end(),
            [](const std::string& a, const std::string& b) { return iterationOf(a) < iterationOf(b); });
  if (frames.empty())
    throw Error("timelapse: run '" + runDir + "' has no snapshots yet (snapshots/iter-*.png; see snapshot_every)");
  return frames;
}

void writeTimelapse(const std::vector<std::string>& frames, const std::string& out, const TimelapseOptions& options) {
  const bool gif = endsWith(out, ".gif"), avi = endsWith(out, ".avi");
  if (!gif && !avi) throw Error("timelapse: '" + out + "': the file name must end in .gif or .avi");
  if (frames.empty()) throw Error("timelapse: no frames to write");
  if (!(options.fps > 0 && options.fps <= 100)) throw Error("timelapse: fps must be in (0, 100]");
  if (options.maxSide < 16) throw Error("timelapse: maxSide must be >= 16");
  // Frames are read (and checked) before anything is written.
  cv::Size size(0, 0);
  std::vector<cv::Mat> prepared;
  bool grey = true;
  const int64_t total = static_cast<int64_t>(frames.size());
  for (const auto& f : frames) {
    if (options.shouldStop && options.shouldStop()) throw Cancelled("timelapse cancelled");
    prepared.push_back(prepareFrame(f, &size, options));
    grey = grey && isGrey(prepared.back());
    if (options.progress) options.progress(static_cast<int64_t>(prepared.size()), total);
  }
  io::produceFileAtomic(out, [&](const std::string& temp) {
    if (gif) {
      std::ofstream file(temp, std::ios::binary);
      if (!file) throw Error("timelapse: cannot write '" + temp + "'");
      GifWriter writer(file, size.width, size.height, grey,
                       std::max(1, static_cast<int>(std::lround(100.0 / options.fps))));
      for (const auto& frame : prepared) {
        if (options.shouldStop && options.shouldStop()) throw Cancelled("timelapse cancelled");
        writer.frame(frame);
      }
      writer.finish();
      file.flush();
      if (!file) throw Error("timelapse: writing '" + temp + "' failed (disk full?)");
    } else {
      // OpenCV picks its writer by extension: the temporary name keeps ".avi".
      const std::string aviTemp = temp + ".avi";
      cv::VideoWriter writer(aviTemp, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), options.fps, size, true);
      if (!writer.isOpened()) throw Error("timelapse: OpenCV cannot write an MJPEG AVI to '" + out + "'");
      for (const auto& frame : prepared) {
        if (options.shouldStop && options.shouldStop()) {
          writer.release();
          std::error_code ignored;
          fs::remove(aviTemp, ignored);
          throw Cancelled("timelapse cancelled");
        }
        writer.write(frame);
      }
      writer.release();
      std::error_code ec;
      fs::rename(aviTemp, temp, ec);
      if (ec) throw Error("timelapse: cannot move '" + aviTemp + "': " + ec.message());
    }
  });
}

}  // namespace onestep
