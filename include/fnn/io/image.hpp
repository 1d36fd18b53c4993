#pragma once
// Reading and writing images through stb (Debian's libstb-dev): PNG or JPEG in, PNG out (as a file, or
// as a data URI to embed in SVG and HTML), as 8-bit grayscale. stb's implementation is compiled here with
// internal linkage (STB_*_STATIC), so every translation unit that includes fnn gets its own private copy
// and nothing clashes at link time. That copy decodes PNG and JPEG only, up to 8192 pixels a side: less
// decoder to trust with a damaged file, and no image whose header alone can demand gigabytes.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "fnn/core/error.hpp"
#include "fnn/io/atomic_file.hpp"
#include "fnn/io/data_uri.hpp"

#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wpedantic"
#pragma GCC diagnostic ignored "-Wdouble-promotion"
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wimplicit-fallthrough"
#endif
#endif
#ifndef STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_MAX_DIMENSIONS 8192
// stb allocates its decoder state without clearing it; cleared, a field a damaged file leaves unset reads
// as 0, the same on every run, not as what an earlier allocation left there (see check_jpeg_huffman_tables).
#define STBI_MALLOC(size) std::calloc(1, size)
#define STBI_REALLOC(pointer, size) std::realloc(pointer, size)
#define STBI_FREE(pointer) std::free(pointer)
#define STB_IMAGE_IMPLEMENTATION
#include <stb/stb_image.h>
#undef STB_IMAGE_IMPLEMENTATION
#undef STBI_MALLOC
#undef STBI_REALLOC
#undef STBI_FREE
#endif
#ifndef STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
#undef STB_IMAGE_WRITE_IMPLEMENTATION
#endif
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

namespace fnn {

struct GrayImage {
  int width = 0, height = 0;
  std::vector<std::uint8_t> pixels;  // [height, width], row-major, 0 = black
};

namespace detail {

// Debian 12's stb_image (git 2022-09-08) mishandles Huffman tables in two ways, both fixed upstream later
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

// stb_image grows its buffer to a PNG chunk's declared length before reading the chunk, so a few bytes
// announcing a 2 GB chunk cost a 2 GB allocation (found by fuzz_image). Every chunk must fit in the file.
inline void check_png_chunks(const std::string& path, const std::vector<unsigned char>& b) {
  static const unsigned char signature[8] = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A};
  if (b.size() < 8 || !std::equal(signature, signature + 8, b.begin())) return;  // not a PNG
  for (std::size_t at = 8; at + 8 <= b.size();) {
    const std::size_t length = std::size_t{b[at]} << 24 | std::size_t{b[at + 1]} << 16 | std::size_t{b[at + 2]} << 8 |
                               b[at + 3];
    const std::string type(reinterpret_cast<const char*>(b.data() + at + 4), 4);
    if (length + 12 > b.size() - at) {
      throw IoError(path + ": cannot read the image: byte " + std::to_string(at) + ": PNG chunk of " +
                    std::to_string(length) + " bytes, the file has " + std::to_string(b.size() - at - 12) + " left");
    }
    if (type == "IEND") return;
    at += length + 12;
  }
}

}  // namespace detail

// Loads a PNG or JPEG as 8-bit grayscale.
inline GrayImage read_gray_image(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw IoError(path + ": cannot read the image: cannot open the file");
  const std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (bytes.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
    throw IoError(path + ": cannot read the image: the file is larger than 2 GB");
  }
  detail::check_jpeg_huffman_tables(path, bytes);
  detail::check_png_chunks(path, bytes);
  GrayImage image;
  int channels = 0;
  unsigned char* data = stbi_load_from_memory(bytes.data(), static_cast<int>(bytes.size()), &image.width,
                                              &image.height, &channels, 1);
  if (!data) {
    const char* reason = stbi_failure_reason();
    throw IoError(path + ": cannot read the image: " + (reason ? reason : "unknown reason"));
  }
  image.pixels.assign(data, data + static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height));
  stbi_image_free(data);
  return image;
}

// 8-bit grayscale pixels [height, width] encoded as a PNG file's bytes.
inline std::vector<unsigned char> encode_gray_png(const std::uint8_t* pixels, int width, int height) {
  if (width < 1 || height < 1) throw ValueError("fnn::encode_gray_png: cannot encode an empty image");
  std::vector<unsigned char> png;
  auto append = [](void* context, void* data, int size) {
    auto* out = static_cast<std::vector<unsigned char>*>(context);
    const auto* bytes = static_cast<const unsigned char*>(data);
    out->insert(out->end(), bytes, bytes + size);
  };
  if (!stbi_write_png_to_func(append, &png, width, height, 1, pixels, width)) {
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
