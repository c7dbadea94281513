// The one exception type the engine throws across its public API.
#pragma once
#include <stdexcept>
#include <string>

namespace onestep {

// A failure the user can act on: the message names the input and what was expected.
class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// Long work (sampling, export) abandoned because its caller asked it to stop; nothing partial is left behind.
class Cancelled : public Error {
 public:
  explicit Cancelled(const std::string& what = "cancelled") : Error(what) {}
};

}  // namespace onestep
