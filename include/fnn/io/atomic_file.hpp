#pragma once
// Writing a file so that a crash never leaves it half written: the bytes go to a temporary file in the
// same folder, which is flushed to disk and then renamed over the target (rename is atomic on POSIX).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "fnn/core/error.hpp"

namespace fnn {

inline void write_file_atomically(const std::string& path, const void* bytes, std::size_t size) {
  int saved_errno = 0;  // taken before any clean-up call can overwrite errno
  auto fail = [&](const std::string& what) -> void {
    throw IoError(path + ": cannot save: " + what + ": " + std::strerror(saved_errno));
  };
  std::string tmp = path + ".tmp-XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) {
    saved_errno = errno;
    fail("cannot create a temporary file beside it");
  }
  const auto* p = static_cast<const char*>(bytes);
  std::size_t left = size;
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      saved_errno = n < 0 ? errno : EIO;
      ::close(fd);
      ::unlink(tmp.c_str());
      fail("write failed");
    }
    p += n;
    left -= static_cast<std::size_t>(n);
  }
  if (::fchmod(fd, 0644) != 0 || ::fsync(fd) != 0) {
    saved_errno = errno;
    ::close(fd);
    ::unlink(tmp.c_str());
    fail("cannot flush the temporary file");
  }
  ::close(fd);
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    saved_errno = errno;
    ::unlink(tmp.c_str());
    fail("cannot rename the temporary file into place");
  }
  // Make the rename itself durable.
  const std::size_t slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace fnn
