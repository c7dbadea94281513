// Timelapses: the snapshots of a run in order; GIFs that decode (by a strict decoder written here from the
// GIF89a specification) to exactly the frames given; AVIs OpenCV reads back; errors, progress, cancellation.
#include <gtest/gtest.h>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/videoio.hpp>

#include <algorithm>
#include <filesystem>
#include <random>
#include <stdexcept>

#include "onestep/error.h"
#include "onestep/timelapse.h"
#include "test_util.h"

using namespace onestep;
using test::errorOf;

namespace {

struct DecodedGif {
  int width = 0, height = 0;
  std::vector<uint8_t> palette;              // global colour table, RGB
  bool loops = false;                        // NETSCAPE2.0 extension present
  std::vector<int> delays;                   // per frame, hundredths of a second
  std::vector<std::vector<uint8_t>> frames;  // colour indices, row-major, full canvas
};

// GIF LZW (variable code width, clear and end codes). Strict: the data must end with the end code read at the
// width the table implies, every pixel decoded, and at most the padding of the last byte left over.
std::vector<uint8_t> lzwDecode(const std::string& data, int minCodeSize, std::size_t pixels) {
  const int clear = 1 << minCodeSize, end = clear + 1;
  std::vector<std::vector<uint8_t>> table;
  int width = minCodeSize + 1;
  auto reset = [&] {
    table.assign(static_cast<std::size_t>(end) + 1, {});
    for (int i = 0; i < clear; ++i) table[static_cast<std::size_t>(i)] = {static_cast<uint8_t>(i)};
    width = minCodeSize + 1;
  };
  const std::size_t totalBits = data.size() * 8;
  std::size_t bit = 0;
  auto read = [&] {
    if (bit + static_cast<std::size_t>(width) > totalBits) throw std::runtime_error("LZW data ends inside a code");
    int v = 0;
    for (int b = 0; b < width; ++b, ++bit) v |= ((static_cast<uint8_t>(data[bit / 8]) >> (bit % 8)) & 1) << b;
    return v;
  };
  reset();
  std::vector<uint8_t> out;
  int prev = -1;
  for (;;) {
    const int code = read();
    if (code == clear) {
      reset();
      prev = -1;
      continue;
    }
    if (code == end) break;
    std::vector<uint8_t> entry;
    if (code < static_cast<int>(table.size())) {
      entry = table[static_cast<std::size_t>(code)];
    } else if (code == static_cast<int>(table.size()) && prev >= 0) {
      entry = table[static_cast<std::size_t>(prev)];
      entry.push_back(entry[0]);
    } else {
      throw std::runtime_error("LZW code " + std::to_string(code) + " not in the table");
    }
    if (entry.empty()) throw std::runtime_error("LZW code " + std::to_string(code) + " is empty");
    if (prev >= 0 && table.size() < 4096) {
      auto added = table[static_cast<std::size_t>(prev)];
      added.push_back(entry[0]);
      table.push_back(added);
    }
    out.insert(out.end(), entry.begin(), entry.end());
    if (out.size() > pixels) throw std::runtime_error("LZW data has more pixels than the image");
    prev = code;
    if (static_cast<int>(table.size()) == (1 << width) && width < 12) ++width;
  }
  if (out.size() != pixels) throw std::runtime_error("LZW data has " + std::to_string(out.size()) + " pixels");
  if (totalBits - bit >= 8) throw std::runtime_error("data after the LZW end code");
  return out;
}

DecodedGif decodeGif(const std::string& b) {
  DecodedGif g;
  std::size_t at = 0;
  auto need = [&](std::size_t n) {
    if (at + n > b.size()) throw std::runtime_error("GIF truncated at byte " + std::to_string(at));
  };
  auto byte = [&] {
    need(1);
    return static_cast<uint8_t>(b[at++]);
  };
  auto word = [&] {
    const int lo = byte();
    return lo | (byte() << 8);
  };
  auto subBlocks = [&] {
    std::string data;
    for (int n = byte(); n != 0; n = byte()) {
      need(static_cast<std::size_t>(n));
      data += b.substr(at, static_cast<std::size_t>(n));
      at += static_cast<std::size_t>(n);
    }
    return data;
  };
  need(6);
  if (b.compare(0, 6, "GIF89a") != 0) throw std::runtime_error("no GIF89a signature");
  at = 6;
  g.width = word();
  g.height = word();
  const int packed = byte();
  byte();  // background
  byte();  // aspect
  if (packed & 0x80) {
    const std::size_t n = 3u << ((packed & 7) + 1);
    need(n);
    g.palette.assign(b.begin() + static_cast<std::ptrdiff_t>(at), b.begin() + static_cast<std::ptrdiff_t>(at + n));
    at += n;
  }
  int delay = 0;
  for (;;) {
    const int kind = byte();
    if (kind == 0x3B) break;
    if (kind == 0x21) {
      const int label = byte();
      const std::string data = subBlocks();
      if (label == 0xF9 && data.size() == 4)
        delay = static_cast<uint8_t>(data[1]) | (static_cast<uint8_t>(data[2]) << 8);
      if (label == 0xFF && data.compare(0, 11, "NETSCAPE2.0") == 0) g.loops = true;
    } else if (kind == 0x2C) {
      const int left = word(), top = word(), w = word(), h = word();
      const int flags = byte();
      if (left != 0 || top != 0 || w != g.width || h != g.height) throw std::runtime_error("frame is not the canvas");
      if (flags & 0x40) throw std::runtime_error("interlaced frame");
      if (flags & 0x80) throw std::runtime_error("local colour table");
      const int minCodeSize = byte();
      g.frames.push_back(
          lzwDecode(subBlocks(), minCodeSize, static_cast<std::size_t>(w) * static_cast<std::size_t>(h)));
      g.delays.push_back(delay);
    } else {
      throw std::runtime_error("unknown block " + std::to_string(kind));
    }
  }
  if (at != b.size()) throw std::runtime_error("bytes after the trailer");
  return g;
}

std::vector<uint8_t> values(const cv::Mat& grey) {
  std::vector<uint8_t> v;
  for (int y = 0; y < grey.rows; ++y)
    for (int x = 0; x < grey.cols; ++x) v.push_back(grey.at<uint8_t>(y, x));
  return v;
}

std::vector<std::string> directoryEntries(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

// Three 96x80 grey frames: noise (long enough to fill the LZW table and clear it), a gradient, a flat grey.
std::vector<cv::Mat> greyFrames() {
  std::mt19937 rng(7);
  cv::Mat noise(80, 96, CV_8UC1), gradient(80, 96, CV_8UC1), flat(80, 96, CV_8UC1, cv::Scalar(77));
  for (int y = 0; y < 80; ++y)
    for (int x = 0; x < 96; ++x) {
      noise.at<uint8_t>(y, x) = static_cast<uint8_t>(rng() & 0xFF);
      gradient.at<uint8_t>(y, x) = static_cast<uint8_t>(x * 2 + y);
    }
  return {noise, gradient, flat};
}

std::vector<std::string> writeFrames(const test::TempDir& dir, const std::vector<cv::Mat>& images) {
  std::vector<std::string> paths;
  for (std::size_t i = 0; i < images.size(); ++i) {
    char name[40];
    std::snprintf(name, sizeof name, "iter-%09zu.png", (i + 1) * 100);
    paths.push_back(dir / name);
    EXPECT_TRUE(cv::imwrite(paths.back(), images[i]));
  }
  return paths;
}

TimelapseOptions noCaption() {
  TimelapseOptions o;
  o.caption = false;
  return o;
}

}  // namespace

TEST(Timelapse, RunSnapshotsAreTheRunsPngsOldestFirst) {
  test::TempDir dir;
  EXPECT_NE(errorOf([&] { runSnapshots(dir.path()); }).find("not a run directory"), std::string::npos);
  test::writeBytes(dir / "config.json", "{}");
  EXPECT_NE(errorOf([&] { runSnapshots(dir.path()); }).find("no snapshots"), std::string::npos);
  std::filesystem::create_directories(dir / "snapshots");
  for (const char* name : {"iter-000000020.png", "iter-000000010.png", "iter-000001000.png", "notes.txt"})
    test::writeBytes(dir / (std::string("snapshots/") + name), "x");
  auto frames = runSnapshots(dir.path());
  ASSERT_EQ(frames.size(), 3u);
  EXPECT_EQ(std::filesystem::path(frames[0]).filename(), "iter-000000010.png");
  EXPECT_EQ(std::filesystem::path(frames[1]).filename(), "iter-000000020.png");
  EXPECT_EQ(std::filesystem::path(frames[2]).filename(), "iter-000001000.png");
}

// Grey frames use an exact grey palette: the decoded indices are the pixels.
TEST(Timelapse, GifDecodesToTheGreyFramesExactly) {
  test::TempDir dir;
  const auto images = greyFrames();
  const auto paths = writeFrames(dir, images);
  TimelapseOptions o = noCaption();
  o.fps = 4;
  std::vector<std::pair<int64_t, int64_t>> progress;
  o.progress = [&](int64_t done, int64_t total) { progress.emplace_back(done, total); };
  writeTimelapse(paths, dir / "out.gif", o);
  EXPECT_EQ(progress, (std::vector<std::pair<int64_t, int64_t>>{{1, 3}, {2, 3}, {3, 3}}));
  const std::string bytes = test::readBytes(dir / "out.gif");
  ASSERT_GT(bytes.size(), 6u);
  EXPECT_EQ(bytes.substr(0, 6), "GIF89a");
  EXPECT_EQ(static_cast<uint8_t>(bytes.back()), 0x3B);
  const DecodedGif g = decodeGif(bytes);
  EXPECT_EQ(g.width, 96);
  EXPECT_EQ(g.height, 80);
  EXPECT_TRUE(g.loops);
  EXPECT_EQ(g.delays, (std::vector<int>{25, 25, 25}));
  ASSERT_EQ(g.palette.size(), 768u);
  for (int i = 0; i < 256; ++i) EXPECT_EQ(g.palette[static_cast<std::size_t>(3 * i + 1)], i);
  ASSERT_EQ(g.frames.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(g.frames[i], values(images[i])) << "frame " << i;
  // An independent decoder, where OpenCV has one (its FFmpeg backend; OpenCV 4.6's imread has no GIF).
  cv::VideoCapture video(dir / "out.gif", cv::CAP_FFMPEG);
  if (!video.isOpened()) return;
  cv::Mat frame, grey;
  for (std::size_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(video.read(frame)) << "frame " << i;
    cv::cvtColor(frame, grey, cv::COLOR_BGR2GRAY);
    EXPECT_EQ(values(grey), values(images[i])) << "FFmpeg's frame " << i;
  }
  EXPECT_FALSE(video.read(frame));
}

// A frame whose LZW stream clears its table once and then ends just as the table reaches 512 entries: the
// decoder reads the end code one bit wider, and here that bit lies past a byte-aligned end unless the writer
// widened the end code too.
TEST(Timelapse, GifEndCodeHasTheDecodersWidth) {
  std::vector<uint8_t> v(4096);
  // 3839 values whose adjacent pairs are all distinct (runs of 256 steps of 1, 3, 5, ...): every pixel is one
  // code, and the 3838th code fills the table (4095), so the encoder clears.
  for (std::size_t i = 1; i < 3839; ++i) v[i] = static_cast<uint8_t>(v[i - 1] + 2 * ((i - 1) / 256) + 1);
  // After the clear: "a v a v a v" (three repeats) and 251 new values: 254 codes, then the final one.
  const uint8_t last = v[3838], a = static_cast<uint8_t>(last + 1);
  for (std::size_t i = 3839, k = 0; k < 6; ++i, ++k) v[i] = k % 2 == 0 ? a : last;
  uint8_t next = static_cast<uint8_t>(last + 2);
  for (std::size_t i = 3845; i < 4096; ++i) v[i] = next++;
  cv::Mat image(64, 64, CV_8UC1, v.data());
  test::TempDir dir;
  cv::imwrite(dir / "f.png", image);
  writeTimelapse({dir / "f.png"}, dir / "out.gif", noCaption());
  const DecodedGif g = decodeGif(test::readBytes(dir / "out.gif"));
  ASSERT_EQ(g.frames.size(), 1u);
  EXPECT_EQ(g.frames[0], v);
}

// Colour frames map to a 6x7x6 cube plus greys; later frames of another size are letterboxed; big frames
// are scaled down to maxSide; a caption changes only the band at the bottom.
TEST(Timelapse, ColourLetterboxScaleAndCaption) {
  test::TempDir dir;
  cv::Mat colour(60, 80, CV_8UC3), narrow(60, 40, CV_8UC3, cv::Scalar(255, 255, 255));
  for (int y = 0; y < 60; ++y)
    for (int x = 0; x < 80; ++x)
      colour.at<cv::Vec3b>(y, x) = cv::Vec3b(static_cast<uint8_t>(x * 3), static_cast<uint8_t>(y * 4), 200);
  const auto paths = writeFrames(dir, {colour, narrow});
  writeTimelapse(paths, dir / "out.gif", noCaption());
  const DecodedGif g = decodeGif(test::readBytes(dir / "out.gif"));
  ASSERT_EQ(g.frames.size(), 2u);
  EXPECT_EQ(g.width, 80);
  EXPECT_EQ(g.height, 60);
  int worst = 0;
  for (int y = 0; y < 60; ++y)
    for (int x = 0; x < 80; ++x) {
      const std::size_t index = g.frames[0][static_cast<std::size_t>(y) * 80 + x];
      const cv::Vec3b bgr = colour.at<cv::Vec3b>(y, x);
      for (int c = 0; c < 3; ++c)
        worst = std::max(worst, std::abs(g.palette[3 * index + static_cast<std::size_t>(c)] - bgr[2 - c]));
    }
  EXPECT_LE(worst, 26);
  // The narrow white frame sits in the middle, dark bars either side.
  auto rgbAt = [&](int x, int y) {
    return &g.palette[std::size_t{3} * g.frames[1][static_cast<std::size_t>(y) * 80 + x]];
  };
  EXPECT_EQ(rgbAt(40, 30)[0], 255);
  EXPECT_LT(rgbAt(5, 30)[0], 80);
  EXPECT_LT(rgbAt(75, 30)[0], 80);

  TimelapseOptions small = noCaption();
  small.maxSide = 40;
  writeTimelapse(paths, dir / "small.gif", small);
  const DecodedGif s = decodeGif(test::readBytes(dir / "small.gif"));
  EXPECT_EQ(s.width, 40);
  EXPECT_EQ(s.height, 30);

  writeTimelapse({paths[0]}, dir / "captioned.gif", TimelapseOptions{});
  const DecodedGif c = decodeGif(test::readBytes(dir / "captioned.gif"));
  const auto& plain = g.frames[0];
  const auto& captioned = c.frames[0];
  EXPECT_TRUE(
      std::equal(plain.begin(), plain.begin() + std::ptrdiff_t{30} * 80, captioned.begin()));  // top half untouched
  EXPECT_NE(plain, captioned);
}

TEST(Timelapse, AviHasEveryFrame) {
  test::TempDir dir;
  const auto paths = writeFrames(dir, greyFrames());
  writeTimelapse(paths, dir / "out.avi", noCaption());
  cv::VideoCapture video(dir / "out.avi");
  ASSERT_TRUE(video.isOpened());
  EXPECT_EQ(static_cast<int>(video.get(cv::CAP_PROP_FRAME_WIDTH)), 96);
  EXPECT_EQ(static_cast<int>(video.get(cv::CAP_PROP_FRAME_HEIGHT)), 80);
  int frames = 0;
  cv::Mat frame;
  while (video.read(frame)) ++frames;
  EXPECT_EQ(frames, 3);
  // No temporary file is left beside it.
  EXPECT_EQ(directoryEntries(dir.path()),
            (std::vector<std::string>{"iter-000000100.png", "iter-000000200.png", "iter-000000300.png", "out.avi"}));
}

TEST(Timelapse, ErrorsNameTheProblemAndLeaveNoFile) {
  test::TempDir dir;
  auto paths = writeFrames(dir, greyFrames());
  const auto e = errorOf([&] { writeTimelapse(paths, dir / "out.mp4"); });
  EXPECT_NE(e.find("out.mp4"), std::string::npos) << e;
  EXPECT_NE(e.find(".gif or .avi"), std::string::npos) << e;
  test::writeBytes(dir / "broken.png", "not a png");
  paths.push_back(dir / "broken.png");
  EXPECT_NE(errorOf([&] { writeTimelapse(paths, dir / "out.gif"); }).find("broken.png"), std::string::npos);
  EXPECT_NE(errorOf([&] { writeTimelapse({}, dir / "out.gif"); }).find("no frames"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir / "out.gif"));
  EXPECT_FALSE(std::filesystem::exists(dir / "out.mp4"));
}

// Stopping while frames are being written removes the temporary file; nothing appears under the name.
TEST(Timelapse, CancelledLeavesNoFile) {
  for (const std::string name : {"out.gif", "out.avi"}) {
    test::TempDir dir;
    const auto paths = writeFrames(dir, greyFrames());
    TimelapseOptions o = noCaption();
    int polls = 0;
    o.shouldStop = [&] { return ++polls == 5; };  // 3 polls while reading, then during writing
    EXPECT_THROW(writeTimelapse(paths, dir / name, o), Cancelled);
    EXPECT_EQ(polls, 5);
    EXPECT_EQ(directoryEntries(dir.path()),
              (std::vector<std::string>{"iter-000000100.png", "iter-000000200.png", "iter-000000300.png"}))
        << name;
  }
}
