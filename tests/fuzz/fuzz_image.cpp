// libFuzzer target: PNG and JPEG decoding through stb_image, then the conversion to a 28x28 image.
#include <fnn/extras.hpp>

#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = fnn::fuzz::scratch_path("image");
  fnn::fuzz::write_input(path, data, size);
  try {
    const fnn::GrayImage image = fnn::read_gray_image(path);
    if (image.pixels.size() != static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height)) {
      __builtin_trap();
    }
    const fnn::data::Dataset one = fnn::data::fashion_mnist_like(image);
    if (one.size() != 1) __builtin_trap();
  } catch (const fnn::Error&) {
  }
  return 0;
}
