// Data sources: toys, the real Fashion-MNIST files, and malformed files written by the tests.
#include <gtest/gtest.h>
#include <zlib.h>

#include <opencv2/imgcodecs.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "data/source.h"
#include "io/images.h"
#include "onestep/data.h"
#include "onestep/error.h"
#include "test_util.h"

using namespace onestep;
using test::errorOf;

namespace {

const char* kFashionDir = "/usr/share/datasets/fashion-mnist";

std::string be32(uint32_t v) {
  return std::string{static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
                     static_cast<char>(v)};
}

// An IDX image file of n images h x w with pixel value i for image i.
std::string idxImages(uint32_t n, uint32_t h, uint32_t w, uint32_t magic = 0x803) {
  std::string s = be32(magic) + be32(n) + be32(h) + be32(w);
  for (uint32_t i = 0; i < n; ++i) s += std::string(std::size_t{h} * w, static_cast<char>(i));
  return s;
}

std::string idxLabels(uint32_t n) {
  std::string s = be32(0x801) + be32(n);
  for (uint32_t i = 0; i < n; ++i) s += static_cast<char>(i % 10);
  return s;
}

void writeGz(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size()));
  gzclose(f);
}

}  // namespace

TEST(Toys, ShapesLabelsAndSeeding) {
  for (const auto& spec : {"toy:8gaussians", "toy:moons", "toy:swissroll", "toy:checkerboard", "toy:rings"}) {
    auto a = drawData(spec, 500, 7);
    auto b = drawData(spec, 500, 7);
    auto c = drawData(spec, 500, 8);
    ASSERT_EQ(a.shape, (std::vector<int64_t>{500, 2})) << spec;
    EXPECT_EQ(a.points, b.points) << spec << ": same seed must give the same draw";
    EXPECT_NE(a.points, c.points) << spec;
    for (float v : a.points) ASSERT_LT(std::abs(v), 1.5f) << spec << ": toys live in about [-1, 1]";
  }
  auto g = drawData("toy:8gaussians", 4000, 1);
  ASSERT_EQ(g.labels.size(), 4000u);
  // Each point lies near the centre of its labelled component (radius 0.8, std 0.05).
  for (std::size_t i = 0; i < 4000; ++i) {
    double angle = g.labels[i] * 2 * M_PI / 8;
    double dx = g.points[2 * i] - 0.8 * std::cos(angle), dy = g.points[2 * i + 1] - 0.8 * std::sin(angle);
    ASSERT_LT(std::hypot(dx, dy), 0.35);
  }
  EXPECT_TRUE(drawData("toy:swissroll", 10, 0).labels.empty());
}

// The same seed gives the same board whatever compiled the engine: the draws happen in the order the source
// states (a row, then a position in the square), not in an order the compiler picks within one expression. GCC
// happened to draw in this order already; the clang build (tests/sanitize) is where the old expression failed.
TEST(Toys, CheckerboardDrawsInAStatedOrder) {
  const int64_t n = 64;
  auto gen = data::makeGenerator(5);
  auto x1 = torch::rand({n}, gen, torch::kFloat32) * 4 - 2;
  auto row = torch::randint(2, {n}, gen, torch::kFloat32);
  auto u = torch::rand({n}, gen, torch::kFloat32);
  auto want = torch::stack({x1, u - row * 2 + torch::remainder(torch::floor(x1), 2)}, 1) * 0.45;
  const auto got = drawData("toy:checkerboard", n, 5);
  ASSERT_EQ(got.points.size(), static_cast<std::size_t>(2 * n));
  EXPECT_TRUE(torch::equal(torch::tensor(got.points).reshape({n, 2}), want.contiguous()));
}

TEST(Specs, UnknownOrMalformedSpecsAreRefusedClearly) {
  EXPECT_NE(errorOf([] { describeData("toy:spiral"); }).find("unknown toy"), std::string::npos);
  EXPECT_NE(errorOf([] { describeData("imagenet"); }).find("unknown kind"), std::string::npos);
  EXPECT_NE(errorOf([] { describeData("fashion-mnist?split"); }).find("key=value"), std::string::npos);
  EXPECT_NE(errorOf([] { describeData("fashion-mnist?split=val"); }).find("train or test"), std::string::npos);
  EXPECT_NE(errorOf([] { describeData("mnist:/nonexistent/dir"); }).find("/nonexistent/dir"), std::string::npos);
}

TEST(FashionMnist, RealFilesReadWithLabels) {
  if (!std::ifstream(std::string(kFashionDir) + "/train-images-idx3-ubyte.gz"))
    GTEST_SKIP() << "dataset-fashion-mnist not installed";
  auto train = describeData("fashion-mnist");
  EXPECT_EQ(train.count, 60000);
  EXPECT_EQ(train.channels, 1);
  EXPECT_EQ(train.height, 28);
  EXPECT_EQ(train.width, 28);
  EXPECT_EQ(train.numClasses, 10);
  EXPECT_EQ(describeData("fashion-mnist?split=test").count, 10000);

  auto labels = data::readIdxLabels(std::string(kFashionDir) + "/train-labels-idx1-ubyte.gz");
  EXPECT_EQ(labels[0].item<int64_t>(), 9) << "the first training item is an ankle boot (class 9)";
  EXPECT_EQ(torch::bincount(labels).min().item<int64_t>(), 6000) << "Fashion-MNIST is balanced";

  auto s = drawData("fashion-mnist?split=test", 16, 3);
  ASSERT_EQ(s.shape, (std::vector<int64_t>{16, 28, 28, 1}));
  EXPECT_EQ(s.labels.size(), 16u);
  // uint8 -> [-1, 1] -> uint8 is lossless.
  auto images = data::readIdxImages(std::string(kFashionDir) + "/t10k-images-idx3-ubyte.gz");
  EXPECT_TRUE(torch::equal(io::unitToBytes(io::bytesToUnit(images.slice(0, 0, 100))), images.slice(0, 0, 100)));
}

TEST(Idx, MalformedFilesAreRefusedWithTheirName) {
  test::TempDir dir;
  test::writeBytes(dir / "good", idxImages(3, 4, 5));
  auto t = data::readIdxImages(dir / "good");
  EXPECT_EQ(t.sizes(), (std::vector<int64_t>{3, 1, 4, 5}));
  EXPECT_EQ(t[2].max().item<int>(), 2);

  test::writeBytes(dir / "magic", idxImages(3, 4, 5, 0x801));
  auto e = errorOf([&] { data::readIdxImages(dir / "magic"); });
  EXPECT_NE(e.find("wrong magic number 0x00000801"), std::string::npos) << e;
  EXPECT_NE(e.find(dir / "magic"), std::string::npos) << e;

  std::string full = idxImages(3, 4, 5);
  test::writeBytes(dir / "short", full.substr(0, full.size() - 7));
  e = errorOf([&] { data::readIdxImages(dir / "short"); });
  EXPECT_NE(e.find("truncated"), std::string::npos) << e;

  test::writeBytes(dir / "header", full.substr(0, 9));
  EXPECT_NE(errorOf([&] { data::readIdxImages(dir / "header"); }).find("truncated"), std::string::npos);

  // A gzip stream cut short.
  writeGz(dir / "cut.gz", idxImages(50, 28, 28));
  std::string gz = test::readBytes(dir / "cut.gz");
  test::writeBytes(dir / "cut.gz", gz.substr(0, gz.size() / 2));
  e = errorOf([&] { data::readIdxImages(dir / "cut.gz"); });
  EXPECT_NE(e.find("truncated"), std::string::npos) << e;

  EXPECT_NE(errorOf([&] { data::readIdxImages(dir / "absent"); }).find("not found"), std::string::npos);
}

TEST(Idx, MnistDirectoryWithMismatchedLabels) {
  test::TempDir dir;
  writeGz(dir / "train-images-idx3-ubyte.gz", idxImages(20, 28, 28));
  writeGz(dir / "train-labels-idx1-ubyte.gz", idxLabels(20));
  auto info = describeData("mnist:" + dir.path());
  EXPECT_EQ(info.count, 20);
  writeGz(dir / "train-labels-idx1-ubyte.gz", idxLabels(19));
  auto e = errorOf([&] { describeData("mnist:" + dir.path()); });
  EXPECT_NE(e.find("19 labels for 20 images"), std::string::npos) << e;
  std::filesystem::remove(dir / "train-labels-idx1-ubyte.gz");
  e = errorOf([&] { describeData("mnist:" + dir.path()); });
  EXPECT_NE(e.find("missing train-labels-idx1-ubyte"), std::string::npos) << e;
}

TEST(Cifar10, BinaryBatchesAndTruncation) {
  test::TempDir dir;
  std::string record(3073, '\0');
  std::string batch;
  for (int i = 0; i < 10; ++i) {
    record[0] = static_cast<char>(i);
    record[1] = static_cast<char>(10 * i);  // first red pixel
    batch += record;
  }
  test::writeBytes(dir / "test_batch.bin", batch);
  auto s = drawData("cifar10:" + dir.path() + "?split=test", 10, 0);
  ASSERT_EQ(s.shape, (std::vector<int64_t>{10, 32, 32, 3}));
  for (std::size_t k = 0; k < 10; ++k) {
    // NHWC: pixel (0,0) red channel of sample k carries 10*label.
    EXPECT_EQ(s.pixels[k * 32 * 32 * 3], static_cast<uint8_t>(10 * s.labels[k]));
  }
  test::writeBytes(dir / "test_batch.bin", batch.substr(0, batch.size() - 100));
  auto e = errorOf([&] { describeData("cifar10:" + dir.path() + "?split=test"); });
  EXPECT_NE(e.find("not a whole number of 3073-byte records"), std::string::npos) << e;
  e = errorOf([&] { describeData("cifar10:" + dir.path()); });
  EXPECT_NE(e.find("data_batch_1.bin"), std::string::npos) << e;
}

TEST(ImageFolder, ResizesCropsAndSkipsUndecodableFiles) {
  test::TempDir dir;
  cv::Mat wide(40, 80, CV_8UC3, cv::Scalar(0, 0, 255));  // BGR red
  cv::imwrite(dir / "a.png", wide);
  cv::imwrite(dir / "b.bmp", cv::Mat(64, 64, CV_8UC3, cv::Scalar(255, 0, 0)));
  test::writeBytes(dir / "broken.png", "not a png");
  auto info = describeData("folder:" + dir.path() + "?size=16");
  EXPECT_EQ(info.count, 2);
  EXPECT_EQ(info.height, 16);
  EXPECT_NE(info.description.find("1 undecodable"), std::string::npos) << info.description;
  auto s = drawData("folder:" + dir.path() + "?size=16", 2, 0);
  ASSERT_EQ(s.shape, (std::vector<int64_t>{2, 16, 16, 3}));
  // RGB order: one image is pure red, the other pure blue.
  std::set<std::pair<int, int>> colours;
  for (std::size_t k = 0; k < 2; ++k) colours.insert({s.pixels[k * 768], s.pixels[k * 768 + 2]});
  EXPECT_TRUE(colours.count({255, 0}) && colours.count({0, 255}));
  test::TempDir empty;
  EXPECT_NE(errorOf([&] { describeData("folder:" + empty.path()); }).find("no image files"), std::string::npos);
}
