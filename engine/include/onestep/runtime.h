// Process-wide runtime settings of the engine: version, thread count, device.
#pragma once
#include <string>
#include <vector>

namespace onestep {

// Engine version ("0.1.0").
std::string version();
// Version of the LibTorch the engine was built against ("1.13.1").
std::string torchVersion();
// True when the linked LibTorch can use a CUDA device right now.
bool cudaAvailable();
// Sets LibTorch's intra-op threads (0 = all cores, divided among a data-parallel group's processes on this
// machine) and returns the count in force.
int setThreads(int threads);
// Current intra-op thread count.
int threads();
// Resolves "auto" | "cpu" | "cuda" | "cuda:N" to a concrete device name; throws Error if unavailable.
std::string resolveDevice(const std::string& requested);
// Every device this LibTorch can use: "cpu", then "cuda:0", "cuda:1", ...
std::vector<std::string> availableDevices();

}  // namespace onestep
