#pragma once
// Data URIs (RFC 2397, base64): a file's bytes inlined where a URL is expected, so that an HTML page or
// an SVG document carries its images with it.
#include <algorithm>
#include <cstdint>
#include <string>

namespace fnn {

inline std::string data_uri(const std::string& mime_type, const unsigned char* bytes, std::size_t size) {
  static const char digits[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out = "data:" + mime_type + ";base64,";
  out.reserve(out.size() + (size + 2) / 3 * 4);
  for (std::size_t i = 0; i < size; i += 3) {  // 3 bytes -> 4 digits of 6 bits; '=' pads the last group
    const std::size_t n = std::min<std::size_t>(3, size - i);
    std::uint32_t group = static_cast<std::uint32_t>(bytes[i]) << 16;
    if (n > 1) group |= static_cast<std::uint32_t>(bytes[i + 1]) << 8;
    if (n > 2) group |= bytes[i + 2];
    out += digits[group >> 18 & 63];
    out += digits[group >> 12 & 63];
    out += n > 1 ? digits[group >> 6 & 63] : '=';
    out += n > 2 ? digits[group & 63] : '=';
  }
  return out;
}

inline std::string svg_data_uri(const std::string& svg) {
  return data_uri("image/svg+xml", reinterpret_cast<const unsigned char*>(svg.data()), svg.size());
}

}  // namespace fnn
