// The run directory's files as the engine writes them (the readers are public: onestep/run_dir.h).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace onestep::training {

// Appends one line to dir's metrics.jsonl: iteration, samples, wall_s, then `values` (non-finite ones as null).
void appendMetrics(const std::string& dir, int64_t iteration, int64_t samples, double wallSec,
                   const std::map<std::string, double>& values);
// Appends a settings change {"set": {...}} to dir's metrics.jsonl.
void appendSettingsChange(const std::string& dir, int64_t iteration, int64_t samples, double wallSec,
                          const std::vector<std::pair<std::string, std::string>>& settings);
// Drops metrics lines past `lastIteration` (work lost with a newer, unreadable or absent checkpoint) and a torn
// last line; rewrites the file atomically when it drops any.
void trimMetrics(const std::string& dir, int64_t lastIteration);
// The path of the snapshot of `iteration`: dir/snapshots/iter-NNNNNNNNN.png.
std::string snapshotPath(const std::string& dir, int64_t iteration);

}  // namespace onestep::training
