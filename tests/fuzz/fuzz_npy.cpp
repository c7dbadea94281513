// NPY arrays (io/npz.h decodeNpy): the header's dtype and shape against the bytes that follow. What decodes must
// hold exactly the bytes its shape and dtype need, with no negative dimension.
#include <cstdio>
#include <cstdlib>

#include "fuzz_input.h"
#include "io/npz.h"

ONESTEP_FUZZ_TARGET(npy) {
  onestep::fuzz::readOrRefuse([&] {
    const auto a = onestep::io::decodeNpy(std::string(reinterpret_cast<const char*>(data), size), "fuzz input");
    std::size_t n = 1;
    for (int64_t d : a.shape) {
      if (d < 0) std::abort();
      n *= static_cast<std::size_t>(d);
    }
    if (a.data.size() > size || (a.count() != static_cast<int64_t>(n))) std::abort();
  });
}
