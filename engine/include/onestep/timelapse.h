// A timelapse of a run: its snapshot grids over training as one animated file.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace onestep {

struct TimelapseOptions {
  double fps = 8.0;     // frames per second
  int maxSide = 640;    // frames larger than this are scaled down (keeps the file small)
  bool caption = true;  // writes "iteration N" (from the frame's file name) into each frame
  std::function<void(int64_t done, int64_t total)> progress;  // after each frame
  std::function<bool()> shouldStop;  // polled per frame; true abandons the file (throws Cancelled)
};

// The snapshot PNGs of a run directory (snapshots/iter-*.png), oldest first. Throws Error when the
// directory is not a run or has no snapshot.
std::vector<std::string> runSnapshots(const std::string& runDir);

// Writes frames (PNG or JPEG files) as an animated GIF ("*.gif") or an MJPEG video ("*.avi"), atomically.
// Frames of other sizes are letterboxed into the first one's size. Throws Error naming a frame that cannot
// be read or an unknown extension.
void writeTimelapse(const std::vector<std::string>& frames, const std::string& out,
                    const TimelapseOptions& options = {});

}  // namespace onestep
