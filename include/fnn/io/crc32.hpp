#pragma once
// CRC-32 (the IEEE 802.3 polynomial, reflected, as zlib, PNG and gzip compute it): the checksum of a model
// file's payload. Written here so that model files need nothing beyond the standard library.
//   crc = ~0; for each byte: crc = table[(crc ^ byte) & 0xff] ^ (crc >> 8); result ~crc
// `update` continues a checksum over more bytes: crc32(ab) = crc32_update(crc32(a), b).
#include <array>
#include <cstddef>
#include <cstdint>

namespace fnn {

namespace crc32_detail {
// table[b] = the remainder of byte b, shifted through the reflected polynomial 0xEDB88320 eight times.
constexpr std::array<std::uint32_t, 256> make_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t byte = 0; byte < 256; ++byte) {
    std::uint32_t r = byte;
    for (int bit = 0; bit < 8; ++bit) r = (r & 1u) ? (r >> 1) ^ 0xEDB88320u : r >> 1;
    table[byte] = r;
  }
  return table;
}
inline constexpr std::array<std::uint32_t, 256> table = make_table();
}  // namespace crc32_detail

inline std::uint32_t crc32_update(std::uint32_t crc, const unsigned char* data, std::size_t size) {
  crc = ~crc;
  for (std::size_t i = 0; i < size; ++i) crc = crc32_detail::table[(crc ^ data[i]) & 0xffu] ^ (crc >> 8);
  return ~crc;
}

inline std::uint32_t crc32(const unsigned char* data, std::size_t size) { return crc32_update(0, data, size); }

}  // namespace fnn
