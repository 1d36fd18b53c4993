// libFuzzer target: the Fashion-MNIST CSV reader on arbitrary text.
#include <fnn/extras.hpp>

#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = fnn::fuzz::scratch_path("csv");
  fnn::fuzz::write_input(path, data, size);
  try {
    const fnn::data::Dataset d = fnn::data::read_fashion_mnist_csv(path);
    for (fnn::Index i = 0; i < d.size(); ++i) {
      if (d.label(i) < 0 || d.label(i) > 9) __builtin_trap();  // the reader promised to check labels
    }
  } catch (const fnn::Error&) {
  }
  return 0;
}
