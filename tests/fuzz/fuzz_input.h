// What every fuzz target shares: one libFuzzer program (onestep_fuzz) holding every target, chosen by the name it is
// run under (fuzz_npy, a link to it) or ONESTEP_FUZZ_TARGET; the input bytes as a file that the reader under test
// opens by path; and the rule that a reader of outside bytes refuses them only with onestep::Error. Anything else
// escaping (another exception, a crash, a sanitizer report, a hang) is a finding.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "onestep/error.h"

namespace onestep::fuzz {

using Target = void (*)(const uint8_t* data, std::size_t size);
// Adds a target under `name`; ONESTEP_FUZZ_TARGET below does it at start-up.
bool registerTarget(const char* name, Target target);

// A private directory for this process, made on first use and removed at exit.
const std::string& workDir();
// Writes `size` bytes to workDir()/name (replacing it) and returns the path.
std::string writeInput(const std::string& name, const uint8_t* data, std::size_t size);

// Runs read(); an onestep::Error is the reader refusing the input, which is right for bad bytes.
template <class Read>
void readOrRefuse(Read&& read) {
  try {
    read();
  } catch (const Error&) {
  }
}

}  // namespace onestep::fuzz

// Defines the target `name`: a function of (const uint8_t* data, std::size_t size) run on every input.
#define ONESTEP_FUZZ_TARGET(name)                                                                                  \
  static void fuzzTarget_##name(const uint8_t* data, std::size_t size);                                            \
  [[maybe_unused]] static const bool kRegistered_##name = onestep::fuzz::registerTarget(#name, fuzzTarget_##name); \
  static void fuzzTarget_##name([[maybe_unused]] const uint8_t* data, [[maybe_unused]] std::size_t size)
