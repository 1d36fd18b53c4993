// libFuzzer target: the IDX reader on arbitrary bytes, raw or gzip, as a labels and as an images file.
#include <fnn/extras.hpp>

#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = fnn::fuzz::scratch_path("idx");
  fnn::fuzz::write_input(path, data, size);
  for (int rank : {1, 3}) {
    try {
      const fnn::data::IdxArray array = fnn::data::read_idx(path, rank);
      std::size_t numel = 1;
      for (std::uint32_t d : array.dims) numel *= d;
      if (array.dims.size() != static_cast<std::size_t>(rank) || array.data.size() != numel) __builtin_trap();
    } catch (const fnn::Error&) {
    }
  }
  return 0;
}
