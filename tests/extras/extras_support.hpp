#pragma once
// Helpers for the extras' tests: the data tests' helpers, and data sets written in Fashion-MNIST's
// file layout.
#include <string>
#include <vector>

#include <fnn/extras.hpp>

#include "data/data_support.hpp"
#include "support/count_occurrences.hpp"

namespace fnn::test {

inline std::vector<std::uint8_t> labels_as_bytes(const data::Dataset& d) {
  return {d.labels().begin(), d.labels().end()};
}

// Writes the data set as the four-file layout's images and labels for `prefix` ("train" or "t10k").
inline void write_fashion_mnist_files(const std::string& folder, const std::string& prefix, const data::Dataset& d,
                                      data::Compression compression = data::Compression::gzip) {
  const std::string ext = compression == data::Compression::gzip ? ".gz" : "";
  data::write_idx_images(folder + "/" + prefix + "-images-idx3-ubyte" + ext, static_cast<std::uint32_t>(d.size()),
                         static_cast<std::uint32_t>(d.rows()), static_cast<std::uint32_t>(d.cols()), d.pixels(),
                         compression);
  data::write_idx_labels(folder + "/" + prefix + "-labels-idx1-ubyte" + ext, labels_as_bytes(d), compression);
}

}  // namespace fnn::test
