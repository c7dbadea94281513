// NPY/NPZ through libzip, sample outputs, atomic writes, energy distance.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "core/util.h"
#include "io/atomic_file.h"
#include "io/npz.h"
#include "onestep/error.h"
#include "onestep/samples.h"
#include "test_util.h"

using namespace onestep;

TEST(Npz, RoundTripPointsImagesAndLabels) {
  test::TempDir dir;
  SampleSet p;
  p.kind = SampleSet::Kind::Points;
  p.shape = {3, 2};
  p.points = {0.5f, -1, 2, 3, 4.25f, 5};
  p.labels = {1, 0, 7};
  writeSamples(p, dir / "p.npz");
  auto q = readSamplesNpz(dir / "p.npz");
  EXPECT_EQ(q.shape, p.shape);
  EXPECT_EQ(q.points, p.points);
  EXPECT_EQ(q.labels, p.labels);

  SampleSet im;
  im.kind = SampleSet::Kind::Images;
  im.shape = {2, 3, 3, 1};
  for (int i = 0; i < 18; ++i) im.pixels.push_back(static_cast<uint8_t>(i * 14));
  writeSamples(im, dir / "i.npz");
  auto arrays = io::readNpz(dir / "i.npz");
  ASSERT_TRUE(arrays.count("arr_0"));
  EXPECT_EQ(arrays["arr_0"].dtype, "|u1");
  EXPECT_EQ(arrays["arr_0"].shape, im.shape);
  EXPECT_FALSE(arrays.count("arr_1"));
  EXPECT_EQ(readSamplesNpz(dir / "i.npz").pixels, im.pixels);
}

TEST(Npz, NumpyReadsWhatWeWriteAndWeReadWhatNumpyWrites) {
  if (!test::pythonTorchAvailable()) GTEST_SKIP() << "python3-numpy not installed";
  test::TempDir dir;
  SampleSet p;
  p.kind = SampleSet::Kind::Points;
  p.shape = {2, 2};
  p.points = {1.5f, -2, 3, 4};
  writeSamples(p, dir / "ours.npz");
  std::string py = std::string(ONESTEP_PYTHON) + " -c \"import numpy as n; a=n.load('" + (dir / "ours.npz") +
                   "')['arr_0']; assert a.dtype==n.float32 and a.shape==(2,2) and a[0,0]==1.5 and a[1,1]==4; "
                   "n.savez_compressed('" +
                   (dir / "theirs.npz") + "', n.arange(24,dtype=n.uint8).reshape(2,3,4,1), n.array([3,4]))\"";
  ASSERT_EQ(test::shell(py), 0);
  auto s = readSamplesNpz(dir / "theirs.npz");
  EXPECT_EQ(s.kind, SampleSet::Kind::Images);
  EXPECT_EQ(s.shape, (std::vector<int64_t>{2, 3, 4, 1}));
  EXPECT_EQ(s.pixels[23], 23);
  EXPECT_EQ(s.labels, (std::vector<int64_t>{3, 4}));
}

TEST(Npz, MalformedFilesAreRefused) {
  test::TempDir dir;
  test::writeBytes(dir / "junk.npz", "PK\x03\x04 not really a zip");
  EXPECT_THROW(readSamplesNpz(dir / "junk.npz"), Error);
  EXPECT_THROW(readSamplesNpz(dir / "missing.npz"), Error);
  // A member whose data is shorter than its header says.
  io::NpyArray a{"<f4", {10, 2}, std::string(80, '\0')};
  std::string npy = io::encodeNpy(a);
  try {
    io::decodeNpy(npy.substr(0, npy.size() - 8), "x.npy");
    FAIL() << "a truncated array must be refused";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("truncated"), std::string::npos);
  }
  // A whole NPZ cut in half.
  writeSamples(SampleSet{SampleSet::Kind::Points, {100, 2}, std::vector<float>(200, 1.f), {}, {}}, dir / "p.npz");
  std::string bytes = test::readBytes(dir / "p.npz");
  test::writeBytes(dir / "half.npz", bytes.substr(0, bytes.size() / 2));
  EXPECT_THROW(readSamplesNpz(dir / "half.npz"), Error);
}

TEST(Outputs, PngGridScatterAndDirectory) {
  test::TempDir dir;
  SampleSet im{SampleSet::Kind::Images, {5, 8, 8, 3}, {}, std::vector<uint8_t>(std::size_t{5} * 8 * 8 * 3, 200), {}};
  writeSamples(im, dir / "grid.png");
  EXPECT_GT(std::filesystem::file_size(dir / "grid.png"), 50u);
  writeSamples(im, dir / "each");
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir / "each")) files += e.path().extension() == ".png";
  EXPECT_EQ(files, 5);
  EXPECT_FALSE(std::filesystem::exists(dir / "each.partial"));
  SampleSet pts{SampleSet::Kind::Points, {2, 2}, {0, 0, 0.5f, 0.5f}, {}, {}};
  writeSamples(pts, dir / "scatter.png");
  EXPECT_TRUE(std::filesystem::exists(dir / "scatter.png"));
  EXPECT_THROW(writeSamples(pts, dir / "x.txt"), Error);
  EXPECT_THROW(writeSamples(pts, "/nonexistent-dir/x.npz"), Error);
}

TEST(AtomicWrite, FailureLeavesNoFileAndSuccessReplaces) {
  test::TempDir dir;
  io::writeFileAtomic(dir / "f", "one");
  io::writeFileAtomic(dir / "f", "two");
  EXPECT_EQ(test::readBytes(dir / "f"), "two");
  EXPECT_THROW(io::produceFileAtomic(dir / "g",
                                     [](const std::string& tmp) {
                                       test::writeBytes(tmp, "partial");
                                       throw Error("simulated failure");
                                     }),
               Error);
  EXPECT_FALSE(std::filesystem::exists(dir / "g"));
  int leftovers = 0;
  for (auto& e : std::filesystem::directory_iterator(dir.path())) leftovers += e.path().filename() != "f";
  EXPECT_EQ(leftovers, 0) << "the temporary file must be removed";
}

// A run directory's lock: holders in one process share it, another process is refused while it is held and gets
// it once the holder is gone, and the lock goes with a process however it ends (here: SIGKILL).
TEST(DirectoryLock, SharedWithinAProcessExclusiveBetweenProcesses) {
  test::TempDir dir;
  // In another process: 0 when the lock was refused, 1 when it was acquired, as its exit status.
  auto otherProcessGets = [&] {
    const pid_t pid = ::fork();
    if (pid == 0) ::_exit(DirectoryLock::acquire(dir.path()) ? 1 : 0);
    int status = 0;
    ::waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 1;
  };
  {
    auto first = DirectoryLock::acquire(dir.path());
    ASSERT_TRUE(first);
    auto second = DirectoryLock::acquire(dir.path() + "/.");  // the same directory, another spelling
    EXPECT_EQ(first, second) << "a second holder in the process shares the first's lock";
    EXPECT_FALSE(directoryLockedElsewhere(dir.path())) << "this process's own hold is not another's";
    EXPECT_FALSE(otherProcessGets());
  }
  EXPECT_TRUE(otherProcessGets()) << "released when its last holder went";

  // A process killed while it holds the lock does not keep it.
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t holder = ::fork();
  if (holder == 0) {
    auto held = DirectoryLock::acquire(dir.path());
    [[maybe_unused]] auto written = ::write(ready[1], held ? "1" : "0", 1);
    ::pause();
    ::_exit(0);
  }
  char got = 0;
  ASSERT_EQ(::read(ready[0], &got, 1), 1);
  EXPECT_EQ(got, '1');
  EXPECT_TRUE(directoryLockedElsewhere(dir.path()));
  EXPECT_FALSE(DirectoryLock::acquire(dir.path()));
  ::kill(holder, SIGKILL);
  ::waitpid(holder, nullptr, 0);
  EXPECT_FALSE(directoryLockedElsewhere(dir.path()));
  EXPECT_TRUE(DirectoryLock::acquire(dir.path()));
  ::close(ready[0]);
  ::close(ready[1]);
}

TEST(EnergyDistance, ZeroForIdenticalAndMatchesHandComputedValue) {
  SampleSet a{SampleSet::Kind::Points, {2, 1}, {0, 1}, {}, {}};
  SampleSet b{SampleSet::Kind::Points, {1, 1}, {3}, {}, {}};
  EXPECT_NEAR(energyDistance(a, a), 0, 1e-12);
  // E|X-Y| = (3 + 2)/2 = 2.5; E|X-X'| = (0+1+1+0)/4 = 0.5; E|Y-Y'| = 0  ->  2*2.5 - 0.5 - 0 = 4.5
  EXPECT_NEAR(energyDistance(a, b), 4.5, 1e-12);
}
