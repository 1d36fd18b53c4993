#pragma once
// Reading and writing images through stb (Debian's libstb-dev): PNG or JPEG in, PNG out (as a file, or
// as a data URI to embed in SVG and HTML), as 8-bit grayscale. stb itself is compiled once, into the
// fnn::extras library (src/extras/stb_codec.cpp), with internal linkage: no translation unit that includes
// this header compiles it, and a program that compiles its own copy of stb links cleanly beside fnn's. That
// copy decodes PNG and JPEG only, up to 8192 pixels a side: less decoder to trust with a damaged file, and
// no image whose header alone can demand gigabytes. This header checks a file's header and structure
// before the decoder sees it.
#include <algorithm>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "fnn/core/error.hpp"
#include "fnn/io/atomic_file.hpp"
#include "fnn/extras/io/data_uri.hpp"
#include "fnn/io/input_file.hpp"

namespace fnn {

struct GrayImage {
  int width = 0, height = 0;
  std::vector<std::uint8_t> pixels;  // [height, width], row-major, 0 = black
};

// stb's decoder and encoder, as the fnn::extras library compiles them.
namespace stb_codec {
// Decodes a PNG or JPEG (at most 2 GB) to 8-bit grayscale; false, with stb's reason, when it cannot.
bool decode_gray(const unsigned char* bytes, int size, GrayImage& image, std::string& reason);
// Appends the PNG encoding of 8-bit grayscale pixels [height, width] to `png`; false if encoding failed.
bool encode_gray_png(const std::uint8_t* pixels, int width, int height, std::vector<unsigned char>& png);
}  // namespace stb_codec

namespace detail {

// Debian 12's stb_image (2.27) mishandles Huffman tables in two ways, both fixed upstream later
// and found by tests/fuzz/fuzz_image: it writes past its arrays when a DHT segment declares more than 256
// codes in one table, and it decodes a scan with a table that no DHT segment defined, taking whatever its
// freshly allocated memory holds for that table (an index computed from it reads far outside the table;
// nothings/stb issue 1289). This walks the JPEG's marker segments, between scans too, and refuses such a
// file before stb sees it, reading as stb does: a segment's declared length counts, bytes past the end of
// the file are 0, and a scan needs the tables stb decodes it with.
inline void check_jpeg_huffman_tables(const std::string& path, const std::vector<unsigned char>& b) {
  // stb, like the JPEG standard, lets fill bytes 0xFF precede any marker, the start of image too.
  std::size_t at = 0;
  while (at < b.size() && b[at] == 0xFF) ++at;
  if (at < 1 || at >= b.size() || b[at] != 0xD8) return;  // not a JPEG
  ++at;
  auto fail = [&path](std::size_t at, const std::string& what) -> void {
    throw IoError(path + ": cannot read the image: byte " + std::to_string(at) + ": " + what);
  };
  const auto byte = [&b](std::size_t i) -> unsigned { return i < b.size() ? b[i] : 0; };
  bool defined[2][4] = {};  // [DC, AC][table id], once a DHT segment has defined it
  auto require_table = [&](unsigned kind, unsigned id, std::size_t where) {
    if (id > 3 || defined[kind][id]) return;  // stb refuses ids above 3 itself
    fail(where, std::string("a scan uses ") + (kind == 0 ? "DC" : "AC") + " Huffman table " + std::to_string(id) +
                 ", which no DHT segment before it defines");
  };
  bool progressive = false;
  while (at + 4 <= b.size()) {
    if (b[at] != 0xFF) {  // entropy-coded data of a scan: skip to the next marker that is not RSTn
      ++at;
      continue;
    }
    const unsigned marker = b[at + 1];
    if (marker == 0x00 || marker == 0xFF || (marker >= 0xD0 && marker <= 0xD7)) {
      ++at;
      continue;
    }
    if (marker == 0xD9) return;  // end of image
    const std::size_t end = at + 2 + (byte(at + 2) << 8 | byte(at + 3));
    if (marker == 0xC4) {  // DHT: tables of 1 byte class and id, 16 code counts, the codes' values
      for (std::size_t table = at + 4; table < end;) {
        std::size_t codes = 0;
        for (std::size_t i = table + 1; i <= table + 16; ++i) codes += byte(i);
        if (codes > 256) fail(table, "a Huffman table declares " + std::to_string(codes) + " codes, at most 256 exist");
        const unsigned kind = byte(table) >> 4, id = byte(table) & 15;
        if (kind <= 1 && id <= 3) defined[kind][id] = true;
        table += 17 + codes;
      }
    } else if (marker >= 0xC0 && marker <= 0xC2) {  // the frames stb decodes: baseline, extended, progressive
      progressive = marker == 0xC2;
    } else if (marker == 0xDA) {  // SOS: component count, (component, DC << 4 | AC table) each, Ss, Se, Ah << 4 | Al
      const unsigned components = byte(at + 4);
      const std::size_t selection = at + 5 + 2 * std::size_t{components};
      // A progressive scan of DC coefficients (Ss = 0) decodes with the DC table in its first pass (Ah = 0)
      // only; one of AC coefficients with the AC table. A sequential scan uses both.
      const bool dc_scan = byte(selection) == 0;
      const bool uses_dc = !progressive || (dc_scan && byte(selection + 2) >> 4 == 0);
      const bool uses_ac = !progressive || !dc_scan;
      for (unsigned c = 0; c < components; ++c) {
        const std::size_t tables = at + 6 + 2 * std::size_t{c};
        if (uses_dc) require_table(0, byte(tables) >> 4, tables);
        if (uses_ac) require_table(1, byte(tables) & 15, tables);
      }
    }
    at = end;
  }
}

inline constexpr unsigned char png_signature[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};

// stb_image grows its buffer to a PNG chunk's declared length before reading the chunk, so a few bytes
// announcing a 2 GB chunk cost a 2 GB allocation (found by fuzz_image). Every chunk must fit in the file.
// Returns whether the chunks reach the end chunk, IEND; a PNG cut short does not.
inline bool check_png_chunks(const std::string& path, const std::vector<unsigned char>& b) {
  for (std::size_t at = sizeof png_signature; at + 8 <= b.size();) {
    const std::size_t length = std::size_t{b[at]} << 24 | std::size_t{b[at + 1]} << 16 | std::size_t{b[at + 2]} << 8 |
                               b[at + 3];
    const std::string type(reinterpret_cast<const char*>(b.data() + at + 4), 4);
    if (length + 12 > b.size() - at) {
      throw IoError(path + ": cannot read the image: a PNG, truncated or damaged: byte " + std::to_string(at) +
                    ": a chunk of " + std::to_string(length) + " data bytes takes " + std::to_string(length + 12) +
                    ", the file has " + std::to_string(b.size() - at) + " left");
    }
    if (type == "IEND") return true;
    at += length + 12;
  }
  return false;
}

enum class ImageFormat { png, jpeg };

// What the header says of an image file: its format and the most bytes a file of its dimensions takes.
struct ImageHeader {
  ImageFormat format;
  std::string description;  // "a 28 x 28 PNG"
  std::uint64_t most_bytes;
  std::size_t end;    // the offset after the header: the image data follow
  std::string fault;  // why no header was found, if none was
};

inline constexpr std::uint32_t image_max_side = 8192;  // STBI_MAX_DIMENSIONS in src/extras/stb_codec.cpp
// Room for what an image file carries besides its pixels (colour profiles, EXIF, comments).
inline constexpr std::uint64_t image_metadata_bytes = std::uint64_t{16} << 20;
// A JPEG's entropy-coded data take well under 16 bytes per sample (pixel and colour component), however
// badly they compress.
inline constexpr std::uint64_t jpeg_most_bytes_per_sample = 16;

inline std::uint32_t big_endian(const std::vector<unsigned char>& b, std::size_t at, int bytes) {
  std::uint32_t v = 0;
  for (int i = 0; i < bytes; ++i) v = v << 8 | b[at + static_cast<std::size_t>(i)];
  return v;
}

// "a 28 x 28 PNG"; an image larger than stb decodes here is refused.
inline std::string image_description(InputFile& file, std::uint32_t width, std::uint32_t height, const char* format) {
  const std::string description = "a " + std::to_string(width) + " x " + std::to_string(height) + " " + format;
  if (width > image_max_side || height > image_max_side) {
    file.fail(description + "; fnn reads images up to " + std::to_string(image_max_side) + " pixels a side");
  }
  return description;
}

// A PNG's header chunk, IHDR, comes first, right after the signature: width, height, bit depth, colour type.
inline ImageHeader png_header(InputFile& file, std::vector<unsigned char>& b) {
  if (b.size() < 33) file.fail("a PNG, truncated: the file ends at byte " + std::to_string(b.size()) + ", in its header");
  if (big_endian(b, 8, 4) != 13 || std::string(reinterpret_cast<const char*>(b.data() + 12), 4) != "IHDR") {
    file.fail("a PNG, damaged: its first chunk is not the header chunk IHDR");
  }
  const std::uint32_t width = big_endian(b, 16, 4), height = big_endian(b, 20, 4), depth = b[24];
  const std::uint32_t colour_type = b[25];
  const std::uint32_t channels = colour_type == 2 ? 3 : colour_type == 4 ? 2 : colour_type == 6 ? 4 : 1;
  // Each row is a filter byte and the row's samples; compressed data can be a little larger than that.
  const std::uint64_t raw = std::uint64_t{height} * (1 + (std::uint64_t{width} * channels * depth + 7) / 8);
  return {ImageFormat::png, image_description(file, width, height, "PNG"), 2 * raw + image_metadata_bytes, 33, ""};
}

// A JPEG's frame header (SOFn) gives its size; the segments before it are walked, reading the file as
// far as they go. A JPEG in which the walk finds no frame header is read no further: its header comes
// back with the fault, to be reported after the checks of the segments read.
inline ImageHeader jpeg_header(InputFile& file, std::vector<unsigned char>& b) {
  const auto have = [&](std::size_t n) {
    if (b.size() < n) file.append(b, n - b.size());
    return b.size() >= n;
  };
  std::size_t at = 0;
  const auto faulty = [&](const std::string& fault) { return ImageHeader{ImageFormat::jpeg, "a JPEG", b.size(), at, fault}; };
  const auto truncated = [&] {
    return faulty("truncated: the file ends at byte " + std::to_string(b.size()) +
                  ", before the frame header that gives its size");
  };
  while (b[at] == 0xFF) ++at;  // fill bytes, then the start-of-image marker that identified the JPEG
  ++at;
  for (;;) {
    if (at > image_metadata_bytes) return faulty("damaged: no frame header in its first 16 MiB");
    if (!have(at + 2)) return truncated();
    if (b[at] != 0xFF) return faulty("damaged: byte " + std::to_string(at) + " is not a marker");
    const unsigned marker = b[at + 1];
    if (marker == 0xFF) {  // a fill byte
      ++at;
      continue;
    }
    if (marker == 0xD9 || marker == 0xDA) return faulty("damaged: it has no frame header before its image data");
    if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {  // markers without a segment
      at += 2;
      continue;
    }
    const bool frame = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
    if (!have(at + (frame ? 10 : 4))) return truncated();
    if (frame) {  // length, precision, height, width, components
      const std::uint32_t height = big_endian(b, at + 5, 2), width = big_endian(b, at + 7, 2);
      const std::uint64_t samples = std::uint64_t{width} * height * std::max<std::uint32_t>(b[at + 9], 1);
      return {ImageFormat::jpeg, image_description(file, width, height, "JPEG"),
              at + image_metadata_bytes + jpeg_most_bytes_per_sample * samples, at + 10, ""};
    }
    at += 2 + big_endian(b, at + 2, 2);
  }
}

// The format from the first bytes (PNG's signature; JPEG's start-of-image marker, after any fill bytes)
// and what the header says. Anything else is refused from those bytes alone.
inline ImageHeader image_header(InputFile& file, std::vector<unsigned char>& b) {
  const std::size_t signature_part = std::min(b.size(), sizeof png_signature);
  if (signature_part > 0 && std::equal(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(signature_part), png_signature)) {
    return png_header(file, b);
  }
  const auto marker = std::find_if(b.begin(), b.end(), [](unsigned char c) { return c != 0xFF; });
  if (marker != b.begin() && marker != b.end() && *marker == 0xD8) return jpeg_header(file, b);
  if (b.empty()) file.fail("the file is empty");
  std::string first;
  for (std::size_t i = 0; i < std::min<std::size_t>(b.size(), 8); ++i) {
    const char* digits = "0123456789abcdef";
    first += std::string(i > 0 ? " " : "") + digits[b[i] >> 4] + digits[b[i] & 15];
  }
  file.fail("not a PNG or JPEG file (it begins with the bytes " + first + ")");
}

// Reads the rest of the file, refusing it once it is larger than its header allows (or than the 2 GB stb
// takes).
inline void read_image_rest(InputFile& file, std::vector<unsigned char>& b, const ImageHeader& header) {
  const std::uint64_t most = std::min<std::uint64_t>(header.most_bytes, std::numeric_limits<int>::max());
  const auto too_large = [&](const std::string& size) {
    file.fail(header.description + " takes at most " + std::to_string(most) + " bytes; the file has " + size);
  };
  if (file.size() && *file.size() > most) too_large(std::to_string(*file.size()));
  if (b.size() <= most) file.append(b, most + 1 - b.size());
  if (b.size() > most) too_large("more");
}

// Why stb refused a file whose format its header showed. stb tries the PNG decoder before the JPEG one,
// and its JPEG decoder can fail without giving a reason, leaving the PNG decoder's "bad png sig".
inline std::string decoding_failure(const ImageHeader& header, bool complete, const std::string& reason) {
  const char* format = header.format == ImageFormat::png ? "PNG" : "JPEG";
  const bool stale = header.format == ImageFormat::jpeg && reason == "bad png sig";
  return std::string("a ") + format + ", " +
         (complete ? "damaged" : header.format == ImageFormat::png ? "truncated (it has no end chunk, IEND)"
                                                                   : "truncated (it has no end-of-image marker)") +
         (reason.empty() || stale ? std::string() : ": the decoder says \"" + reason + "\"");
}

}  // namespace detail

// Loads a PNG or JPEG as 8-bit grayscale. The header is checked before the rest is read, and the file
// is read no further than the header's dimensions allow.
inline GrayImage read_gray_image(const std::string& path) {
  InputFile file(path, path + ": cannot read the image: ");
  std::vector<unsigned char> bytes;
  file.append(bytes, 33);  // a PNG's signature and header chunk
  const detail::ImageHeader header = detail::image_header(file, bytes);
  if (header.fault.empty()) detail::read_image_rest(file, bytes, header);
  bool complete = true;
  if (header.format == detail::ImageFormat::png) {
    complete = detail::check_png_chunks(path, bytes);
  } else {
    detail::check_jpeg_huffman_tables(path, bytes);
    const unsigned char end_of_image[2] = {0xFF, 0xD9};
    const auto data = bytes.begin() + static_cast<std::ptrdiff_t>(header.end);
    complete = std::search(data, bytes.end(), end_of_image, end_of_image + 2) != bytes.end();
  }
  if (!header.fault.empty()) file.fail(header.description + ", " + header.fault);
  GrayImage image;
  std::string reason;
  if (!stb_codec::decode_gray(bytes.data(), static_cast<int>(bytes.size()), image, reason)) {
    file.fail(detail::decoding_failure(header, complete, reason));
  }
  return image;
}

// 8-bit grayscale pixels [height, width] encoded as a PNG file's bytes.
inline std::vector<unsigned char> encode_gray_png(const std::uint8_t* pixels, int width, int height) {
  if (width < 1 || height < 1) throw ValueError("fnn::encode_gray_png: cannot encode an empty image");
  std::vector<unsigned char> png;
  if (!stb_codec::encode_gray_png(pixels, width, height, png)) {
    throw IoError("fnn::encode_gray_png: PNG encoding failed");
  }
  return png;
}

// Writes 8-bit grayscale pixels [height, width] as a PNG, atomically.
inline void write_gray_png(const std::string& path, const std::uint8_t* pixels, int width, int height) {
  if (width < 1 || height < 1) throw ValueError(path + ": cannot write an empty image");
  const std::vector<unsigned char> png = encode_gray_png(pixels, width, height);
  write_file_atomically(path, png.data(), png.size());
}

// A PNG's bytes as a data URI, for embedding in SVG or HTML without a separate file.
inline std::string png_data_uri(const std::vector<unsigned char>& png) {
  return data_uri("image/png", png.data(), png.size());
}

}  // namespace fnn
