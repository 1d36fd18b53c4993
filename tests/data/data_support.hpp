#pragma once
// Helpers for the data tests: byte-level file access for damaging files on purpose, and small
// synthetic data sets.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <fnn/fnn.hpp>

#include "support/temp_folder.hpp"

namespace fnn::test {

inline std::vector<unsigned char> read_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const std::string& path, const std::vector<unsigned char>& bytes) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// A file of `size` bytes that begins with `bytes`; the rest is a hole, which reads as zeros and takes no
// disk space, so a test can have a file far larger than a reader should ever read whole.
inline void write_sparse(const std::string& path, const std::vector<unsigned char>& bytes, std::uintmax_t size) {
  write_bytes(path, bytes);
  std::filesystem::resize_file(path, size);
}

// 64 GiB: more than a test machine's memory.
inline constexpr std::uintmax_t huge_file_size = std::uintmax_t{1} << 36;

inline void write_text(const std::string& path, const std::string& text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
}

// n images of rows x cols with pixel k of image i = (31 i + 7 k) mod 256 and label i mod 10: every image
// differs from every other, so a sample can be identified by its pixels.
inline data::Dataset make_dataset(Index n, Index rows = 28, Index cols = 28) {
  std::vector<std::uint8_t> pixels(static_cast<std::size_t>(n * rows * cols));
  std::vector<std::int32_t> labels(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) {
    labels[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(i % 10);
    for (Index k = 0; k < rows * cols; ++k) {
      pixels[static_cast<std::size_t>(i * rows * cols + k)] = static_cast<std::uint8_t>((31 * i + 7 * k) % 256);
    }
  }
  return data::Dataset(std::move(pixels), std::move(labels), rows, cols);
}

}  // namespace fnn::test
