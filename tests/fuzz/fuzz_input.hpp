#pragma once
// What the fuzz targets share: fnn's readers take a path, so each input is written to a file first.
// Any fnn::Error is the reader doing its job; anything else (a crash, a sanitizer report, another
// exception, a hang, a leak) is a bug that libFuzzer reports.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

namespace fnn::fuzz {

// A file of this process's own, in memory when /dev/shm exists.
inline const std::string& scratch_path(const char* name) {
  static const std::string path = (std::filesystem::exists("/dev/shm") ? std::string("/dev/shm") : std::string("/tmp")) +
                                  "/fnn-fuzz-" + std::to_string(::getpid()) + "-" + name;
  return path;
}

inline void write_input(const std::string& path, const std::uint8_t* data, std::size_t size) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
}

}  // namespace fnn::fuzz
