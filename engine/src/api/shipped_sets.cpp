// A shipped model named where a set may be data or a model (onestep/shipped.h): the data spec wins.
#include <filesystem>

#include "data/source.h"
#include "onestep/error.h"
#include "onestep/shipped.h"

namespace onestep {

std::string shippedModelForSet(const std::string& s) {
  std::error_code ec;
  if (s.empty() || std::filesystem::exists(s, ec) || s.find('/') != std::string::npos) return {};
  try {
    data::parseSpec(s);
    return {};  // a data spec: the data wins
  } catch (const Error&) {
  }
  const std::string file = resolveModelPath(s);
  return file == s ? std::string() : file;
}

}  // namespace onestep
