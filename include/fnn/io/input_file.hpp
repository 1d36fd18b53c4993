#pragma once
// Reading a file with every read bounded. fnn's readers check a file's header first and then read only
// as many bytes as the header allows, so that a device or an endless stream (/dev/zero), or a large file
// of another kind, costs no more than the few bytes it takes to tell what it is. A folder is refused.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "fnn/core/error.hpp"

namespace fnn {

class InputFile {
 public:
  // Opens `path` for reading. Every error starts with `context` ("shirt.jpg: cannot read the image: ").
  InputFile(const std::string& path, std::string context) : context_(std::move(context)) {
    do {
      fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    } while (fd_ < 0 && errno == EINTR);
    if (fd_ < 0) fail(std::string("cannot open for reading: ") + std::strerror(errno));
    struct stat status {};
    if (::fstat(fd_, &status) != 0) close_and_fail(std::string("cannot read: ") + std::strerror(errno));
    if (S_ISDIR(status.st_mode)) close_and_fail("it is a folder, not a file");
    if (S_ISREG(status.st_mode)) size_ = static_cast<std::uint64_t>(status.st_size);
  }
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  ~InputFile() { ::close(fd_); }

  // The size of a regular file; none for a device or a pipe, whose end only reading finds.
  std::optional<std::uint64_t> size() const { return size_; }

  // Appends up to `n` more bytes to `bytes`, fewer only at the end of the file, and returns how many it
  // appended. The buffer grows as the data arrive, in steps that double from 64 KiB, so a count larger
  // than what the file holds costs no more memory than what it holds.
  std::uint64_t append(std::vector<unsigned char>& bytes, std::uint64_t n) {
    std::uint64_t got = 0;
    try {
      while (got < n) {
        const std::size_t have = bytes.size();
        const auto step = static_cast<std::size_t>(std::min<std::uint64_t>(n - got, std::max<std::size_t>(have, 1u << 16)));
        bytes.resize(have + step);
        const std::size_t read = read_into(bytes.data() + have, step);
        bytes.resize(have + read);
        got += read;
        if (read < step) break;
      }
    } catch (const std::bad_alloc&) {
      fail("out of memory after " + std::to_string(bytes.size()) + " bytes");
    }
    return got;
  }

  // True when no byte follows what has been read.
  bool at_end() {
    unsigned char byte = 0;
    return read_into(&byte, 1) == 0;
  }

  [[noreturn]] void fail(const std::string& what) const { throw IoError(context_ + what); }

 private:
  // A constructor that throws runs no destructor.
  [[noreturn]] void close_and_fail(const std::string& what) {
    ::close(fd_);
    fail(what);
  }

  // Reads up to n bytes, fewer only at the end of the file.
  std::size_t read_into(unsigned char* dst, std::size_t n) {
    std::size_t got = 0;
    while (got < n) {
      const ssize_t r = ::read(fd_, dst + got, std::min<std::size_t>(n - got, 1u << 30));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) fail(std::string("read error: ") + std::strerror(errno));
      if (r == 0) break;
      got += static_cast<std::size_t>(r);
    }
    return got;
  }

  std::string context_;
  int fd_ = -1;
  std::optional<std::uint64_t> size_;
};

}  // namespace fnn
