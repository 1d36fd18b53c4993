// libFuzzer target: the model loader. Each input is tried twice: as it is, which mostly tests the
// header and checksum checks, and with the header's payload size and CRC-32 made to match, so that the
// parser behind the checksum sees arbitrary payloads too. A file that loads must fit the model.
#include <cstring>
#include <vector>

#include <fnn/fnn.hpp>

#include "fuzz_input.hpp"

namespace {

fnn::Sequential<float>& model() {
  static fnn::Sequential<float> m = [] {
    fnn::Rng rng(1);
    fnn::Sequential<float> s;
    s.add(fnn::Linear<float>(4, 3, rng));
    s.add(fnn::BatchNorm1d<float>(3));
    return s;
  }();
  return m;
}

void try_load(const std::string& path) {
  try {
    const auto tensors = fnn::read_tensor_file<float>(path);
    for (const auto& t : tensors) {
      if (t.tensor.numel() != t.tensor.shape().numel()) __builtin_trap();
    }
    fnn::load(model(), path);
  } catch (const fnn::Error&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = fnn::fuzz::scratch_path("model");
  fnn::fuzz::write_input(path, data, size);
  try_load(path);
  if (size >= fnn::tensor_file_header_size) {
    std::vector<std::uint8_t> fixed(data, data + size);
    const std::uint64_t payload = size - fnn::tensor_file_header_size;
    const std::uint32_t crc = fnn::crc32(fixed.data() + fnn::tensor_file_header_size, payload);
    std::memcpy(fixed.data() + 16, &payload, sizeof payload);
    std::memcpy(fixed.data() + 24, &crc, sizeof crc);
    fnn::fuzz::write_input(path, fixed.data(), fixed.size());
    try_load(path);
  }
  return 0;
}
