#pragma once
// GzReader: a file read through zlib's gzread, which passes files that are not gzip streams through
// unchanged, so that one code path serves .gz and plain files. Every read reports how many bytes it got,
// so that a reader can say exactly where a file ends; a damaged stream throws IoError naming the file
// and the offset in the decompressed data.
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "fnn/core/error.hpp"

namespace fnn::data {

// "path: byte 8: " or, for a gzip file, "path: byte 8 of the decompressed data: ", the start of every
// message about a place in a file read by bytes.
inline std::string byte_location(const std::string& path, std::size_t byte, bool compressed) {
  return path + ": byte " + std::to_string(byte) + (compressed ? " of the decompressed data: " : ": ");
}

// An open gzFile that closes itself; every read reports how many bytes it got, so the caller can say
// exactly where a file ends.
class GzReader {
 public:
  explicit GzReader(const std::string& path) : path_(path), file_(open(path)) {
    if (file_ == nullptr) {
      throw IoError(path + ": cannot open for reading: " +
                    (errno != 0 ? std::strerror(errno) : "zlib could not allocate its state"));
    }
    gzbuffer(file_, 1u << 17);
  }
  GzReader(const GzReader&) = delete;
  GzReader& operator=(const GzReader&) = delete;
  ~GzReader() { gzclose(file_); }

  // Reads up to n bytes into dst, fewer only at the end of the data; throws on a damaged gzip stream
  // except for one that merely ends early, which the caller reports as truncation.
  std::size_t read(void* dst, std::size_t n) {
    auto* out = static_cast<unsigned char*>(dst);
    std::size_t got = 0;
    while (got < n) {
      const auto chunk = static_cast<unsigned>(std::min<std::size_t>(n - got, 1u << 30));
      const int r = gzread(file_, out + got, chunk);
      if (r < 0) damaged();
      if (r == 0) break;
      got += static_cast<std::size_t>(r);
      offset_ += static_cast<std::size_t>(r);
    }
    if (got < n) {
      int code = Z_OK;
      gzerror(file_, &code);
      if (code == Z_BUF_ERROR) {
        cut_off_ = true;  // the compressed stream ends before its end marker: a partial download
      } else if (code != Z_OK) {
        damaged();
      }
    }
    return got;
  }

  // Appends up to n more bytes to `bytes`, fewer only at the end of the data, and returns how many.
  std::size_t append(std::vector<unsigned char>& bytes, std::size_t n) {
    const std::size_t have = bytes.size();
    bytes.resize(have + n);
    const std::size_t got = read(bytes.data() + have, n);
    bytes.resize(have + got);
    return got;
  }

  // True once a read found the gzip stream cut off; a truncation message then says so.
  bool cut_off() const { return cut_off_; }

  // Bytes of (uncompressed) data read so far.
  std::size_t offset() const { return offset_; }
  const std::string& path() const { return path_; }

  bool compressed() const { return gzdirect(file_) == 0; }

  [[noreturn]] void fail(std::size_t at, const std::string& what) const {
    throw IoError(byte_location(path_, at, compressed()) + what + (cut_off_ ? " (the gzip stream is cut off)" : ""));
  }

 private:
  static gzFile open(const std::string& path) {
    errno = 0;  // gzopen leaves errno at 0 when it fails for want of memory rather than of the file
    return gzopen(path.c_str(), "rb");
  }

  [[noreturn]] void damaged() const {
    int code = Z_OK;
    const char* message = gzerror(file_, &code);
    std::string detail = message != nullptr ? message : "unknown zlib error";
    if (detail.compare(0, path_.size() + 2, path_ + ": ") == 0) detail.erase(0, path_.size() + 2);  // zlib adds the path
    fail(offset_, (code == Z_ERRNO ? "read error: " : "damaged gzip stream: ") + detail);
  }

  std::string path_;
  gzFile file_;
  std::size_t offset_ = 0;
  bool cut_off_ = false;
};

}  // namespace fnn::data
