#pragma once
// IDX files, the format MNIST and Fashion-MNIST ship in, read gzip-compressed or raw.
//
//   offset      size        field
//   0           4           magic: 0x00, 0x00, element type (0x08 = unsigned byte), rank
//   4           4 * rank    extents, outermost first (labels: [N]; images: [N, rows, cols])
//   4 + 4*rank  product     the elements, row-major
// All integers are big-endian. fnn reads and writes unsigned-byte files only: that is all the data sets
// hold, and it lets a corrupt type byte be reported as a bad magic number.
//
// Reading goes through GzReader, which serves .gz and raw files alike; in a gzip file, the byte offsets
// in error messages count decompressed bytes. The header's extents fix the data's exact length: shorter data is truncated and
// longer data has trailing bytes, and both are errors (a silently ignored tail usually means the wrong
// file or a broken download). Bytes after the end of the gzip stream itself are skipped by gzread, as
// `gzip -d` skips them with a warning.
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "fnn/core/error.hpp"
#include "fnn/core/shape.hpp"
#include "fnn/extras/io/gzip_reader.hpp"
#include "fnn/io/atomic_file.hpp"

namespace fnn::data {

// The element type code of unsigned bytes, the third byte of the magic number.
inline constexpr std::uint32_t idx_unsigned_byte = 0x08;

// The magic number of an unsigned-byte IDX file of the given rank: 0x00000801 for labels,
// 0x00000803 for images.
constexpr std::uint32_t idx_magic(int rank) { return (idx_unsigned_byte << 8) | static_cast<std::uint32_t>(rank); }

// An IDX file's contents: the extents and the elements, row-major.
struct IdxArray {
  std::vector<std::uint32_t> dims;
  std::vector<std::uint8_t> data;
  bool compressed = false;  // read from a gzip file: its byte offsets count decompressed bytes
};

enum class Compression { none, gzip };

namespace detail {

inline std::string hex32(std::uint32_t v) {
  const char* digits = "0123456789abcdef";
  std::string s = "0x00000000";
  for (int i = 9; i >= 2; --i, v >>= 4) s[static_cast<std::size_t>(i)] = digits[v & 0xF];
  return s;
}

inline std::string idx_kind(int rank) {
  if (rank == 1) return "labels";
  if (rank == 3) return "images";
  return std::to_string(rank) + "-dimensional array";
}

// Compresses `bytes` into one gzip member in memory (windowBits 15 + 16 selects the gzip wrapper).
inline std::vector<unsigned char> gzip_bytes(const std::string& path, const unsigned char* bytes, std::size_t size) {
  if (size > std::numeric_limits<uInt>::max() / 2) {
    throw ValueError(path + ": cannot save: fnn compresses at most 2 GB in one piece");
  }
  z_stream z{};
  if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw IoError(path + ": cannot save: zlib's deflateInit2 failed");
  }
  std::vector<unsigned char> out(deflateBound(&z, static_cast<uLong>(size)) + 64);
  z.next_in = const_cast<unsigned char*>(bytes);  // zlib's API is not const-correct; it does not write
  z.avail_in = static_cast<uInt>(size);
  z.next_out = out.data();
  z.avail_out = static_cast<uInt>(out.size());
  const int status = deflate(&z, Z_FINISH);
  const std::size_t written = out.size() - z.avail_out;
  deflateEnd(&z);
  if (status != Z_STREAM_END) throw IoError(path + ": cannot save: zlib's deflate failed");
  out.resize(written);
  return out;
}

}  // namespace detail

// Reads an unsigned-byte IDX file of the given rank (1-4), gzip-compressed or raw. Throws IoError
// naming the file, the byte offset and the fault: a magic number other than idx_magic(rank), a file
// that ends before the extents or the elements the extents announce, or bytes after them.
inline IdxArray read_idx(const std::string& path, int rank) {
  if (rank < 1 || rank > Shape::max_rank) {
    throw ValueError("fnn::data::read_idx: rank " + std::to_string(rank) + " is outside 1-4");
  }
  GzReader in(path);
  unsigned char magic_bytes[4];
  const std::size_t got_magic = in.read(magic_bytes, 4);
  if (got_magic == 0 && !in.cut_off()) {
    in.fail(0, "the file is empty: expected an IDX " + detail::idx_kind(rank) + " file");
  }
  if (got_magic < 4) {
    in.fail(0, "truncated: expected a 4-byte magic number, found " + std::to_string(got_magic) +
                   (got_magic == 1 ? " byte" : " bytes"));
  }
  const std::uint32_t magic = (std::uint32_t{magic_bytes[0]} << 24) | (std::uint32_t{magic_bytes[1]} << 16) |
                              (std::uint32_t{magic_bytes[2]} << 8) | std::uint32_t{magic_bytes[3]};
  if (magic != idx_magic(rank)) {
    std::string what = "bad magic number " + detail::hex32(magic) + ", expected " + detail::hex32(idx_magic(rank)) +
                       " (IDX " + detail::idx_kind(rank) + ": unsigned bytes, " + std::to_string(rank) +
                       (rank == 1 ? " dimension)" : " dimensions)");
    if ((magic >> 8) == idx_unsigned_byte) {
      what += "; this is an IDX file of " + detail::idx_kind(static_cast<int>(magic & 0xFF)) + " instead";
    } else if ((magic >> 16) == 0) {
      what += "; element type " + detail::hex32(magic >> 8) + " is not unsigned bytes";
    } else {
      what += "; not an IDX file";
    }
    in.fail(0, what);
  }

  IdxArray array;
  std::uint64_t numel = 1;
  for (int a = 0; a < rank; ++a) {
    unsigned char b[4];
    const std::size_t at = in.offset();
    const std::size_t got = in.read(b, 4);
    if (got < 4) {
      in.fail(at, "truncated: expected the 4-byte extent of dimension " + std::to_string(a) + ", found " +
                      std::to_string(got) + " bytes");
    }
    const std::uint32_t d = (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) |
                            std::uint32_t{b[3]};
    array.dims.push_back(d);
    // Checked before multiplying, so that four 32-bit extents cannot overflow the product.
    constexpr std::uint64_t max_elements = std::uint64_t{1} << 40;
    if (d != 0 && numel > max_elements / d) {
      in.fail(at, "extent " + std::to_string(d) + " of dimension " + std::to_string(a) +
                      " makes the array larger than 2^40 bytes");
    }
    numel *= d;
  }

  // The data arrive in chunks that double in size from 64 KiB, so a header that announces far more than
  // the file holds costs no more than the file's size before it is reported as truncation.
  const std::size_t header = in.offset();
  const auto expected = static_cast<std::size_t>(numel);
  while (array.data.size() < expected) {
    const std::size_t have = array.data.size();
    const std::size_t want = std::min<std::size_t>(expected - have, std::max<std::size_t>(have, std::size_t{1} << 16));
    array.data.resize(have + want);
    const std::size_t got = in.read(array.data.data() + have, want);
    if (got < want) {
      std::string extents;
      for (std::uint32_t d : array.dims) extents += (extents.empty() ? "" : " x ") + std::to_string(d);
      in.fail(header + have + got, "truncated: the header announces " + extents + " = " + std::to_string(expected) +
                                       " data bytes after byte " + std::to_string(header) + ", found " +
                                       std::to_string(have + got));
    }
  }

  unsigned char tail[4096];
  std::size_t extra = 0;
  for (std::size_t got; (got = in.read(tail, sizeof tail)) > 0;) extra += got;
  if (extra > 0) {
    in.fail(header + expected, "trailing bytes: the header announces " + std::to_string(header + expected) +
                                   " bytes in all, found " + std::to_string(extra) + " more");
  }
  array.compressed = in.compressed();
  return array;
}

// Labels: rank 1, magic 0x00000801.
inline IdxArray read_idx_labels(const std::string& path) { return read_idx(path, 1); }

// Images: rank 3 [N, rows, cols], magic 0x00000803.
inline IdxArray read_idx_images(const std::string& path) { return read_idx(path, 3); }

// Writes an unsigned-byte IDX file atomically, raw or as one gzip member. `data` holds the product of
// `dims` elements, row-major.
inline void write_idx(const std::string& path, const std::vector<std::uint32_t>& dims, const std::uint8_t* data,
                      std::size_t size, Compression compression) {
  if (dims.empty() || dims.size() > static_cast<std::size_t>(Shape::max_rank)) {
    throw ValueError(path + ": cannot save: IDX rank " + std::to_string(dims.size()) + " is outside 1-4");
  }
  std::uint64_t numel = 1;
  for (std::uint32_t d : dims) numel *= d;
  if (numel != size) {
    throw ValueError(path + ": cannot save: the extents hold " + std::to_string(numel) + " elements, " +
                     std::to_string(size) + " given");
  }
  std::vector<unsigned char> bytes;
  bytes.reserve(4 + 4 * dims.size() + size);
  auto put32 = [&](std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) bytes.push_back(static_cast<unsigned char>(v >> shift));
  };
  put32(idx_magic(static_cast<int>(dims.size())));
  for (std::uint32_t d : dims) put32(d);
  bytes.insert(bytes.end(), data, data + size);
  if (compression == Compression::gzip) bytes = detail::gzip_bytes(path, bytes.data(), bytes.size());
  write_file_atomically(path, bytes.data(), bytes.size());
}

inline void write_idx_labels(const std::string& path, const std::vector<std::uint8_t>& labels,
                             Compression compression) {
  if (labels.size() > std::numeric_limits<std::uint32_t>::max()) {
    throw ValueError(path + ": cannot save: more than 2^32 - 1 labels");
  }
  write_idx(path, {static_cast<std::uint32_t>(labels.size())}, labels.data(), labels.size(), compression);
}

// `pixels` holds count images of rows x cols bytes, one after the other.
inline void write_idx_images(const std::string& path, std::uint32_t count, std::uint32_t rows, std::uint32_t cols,
                             const std::vector<std::uint8_t>& pixels, Compression compression) {
  write_idx(path, {count, rows, cols}, pixels.data(), pixels.size(), compression);
}

}  // namespace fnn::data
