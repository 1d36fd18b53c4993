// libFuzzer target: the CSV readers on arbitrary text: the Fashion-MNIST CSV reader, and read_delimited
// with a header, without one after a skipped line (scikit-learn's layout) and whitespace-separated.
#include <cmath>

#include <fnn/extras.hpp>

#include "fuzz_input.hpp"

namespace {

void check_table(const fnn::data::Table& t) {
  const bool consistent = t.rows > 0 && t.cols > 0 && t.cells.size() == static_cast<std::size_t>(t.rows * t.cols) &&
                          t.lines.size() == static_cast<std::size_t>(t.rows) &&
                          (t.names.empty() || t.names.size() == static_cast<std::size_t>(t.cols));
  if (!consistent) __builtin_trap();  // the reader promised a rectangular table with a line per row
  for (double v : t.cells) {
    if (!std::isfinite(v)) __builtin_trap();  // and finite numbers only
  }
  const fnn::data::TensorDataset<float> set = fnn::data::classification_table<float>(t, -1);
  for (std::int32_t label : set.labels()) {
    if (label < 0) __builtin_trap();
  }
}

}  // namespace

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
  using fnn::data::DelimitedOptions;
  for (const DelimitedOptions& options : {DelimitedOptions(), DelimitedOptions().skip_lines(1).header(false),
                                          DelimitedOptions().delimiter(' ').header(false)}) {
    try {
      check_table(fnn::data::read_delimited(path, options));
    } catch (const fnn::Error&) {
    }
  }
  return 0;
}
