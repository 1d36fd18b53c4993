// libFuzzer target: the ONNX loader (include/fnn/onnx/load.hpp) on arbitrary bytes. Mostly protobuf's
// parser refuses them; the seed corpus's small models exported by fnn let mutations reach the checks
// behind it: tensors that do not match their extents, absurd extents and attributes, graphs fnn cannot
// represent.
#include <fnn/onnx.hpp>

#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = fnn::fuzz::scratch_path("onnx");
  fnn::fuzz::write_input(path, data, size);
  try {
    fnn::onnx::load<float>(path);
  } catch (const fnn::Error&) {
  }
  return 0;
}
