#pragma once
// Reading and writing images through stb (Debian's libstb-dev): PNG or JPEG in, PNG out, as 8-bit
// grayscale. stb's implementation is compiled here with internal linkage (STB_*_STATIC), so every
// translation unit that includes fnn gets its own private copy and nothing clashes at link time. That
// copy decodes PNG and JPEG only, up to 8192 pixels a side: less decoder to trust with a damaged file,
// and no image whose header alone can demand gigabytes.
#include <cstdint>
#include <string>
#include <vector>

#include "fnn/core/error.hpp"
#include "fnn/io/atomic_file.hpp"

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
#define STB_IMAGE_IMPLEMENTATION
#include <stb/stb_image.h>
#undef STB_IMAGE_IMPLEMENTATION
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

// Loads any PNG or JPEG (and the other formats stb reads) as 8-bit grayscale.
inline GrayImage read_gray_image(const std::string& path) {
  GrayImage image;
  int channels = 0;
  unsigned char* data = stbi_load(path.c_str(), &image.width, &image.height, &channels, 1);
  if (!data) {
    const char* reason = stbi_failure_reason();
    throw IoError(path + ": cannot read the image: " + (reason ? reason : "unknown reason"));
  }
  image.pixels.assign(data, data + static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height));
  stbi_image_free(data);
  return image;
}

// Writes 8-bit grayscale pixels [height, width] as a PNG, atomically.
inline void write_gray_png(const std::string& path, const std::uint8_t* pixels, int width, int height) {
  if (width < 1 || height < 1) throw ValueError(path + ": cannot write an empty image");
  std::vector<unsigned char> png;
  auto append = [](void* context, void* data, int size) {
    auto* out = static_cast<std::vector<unsigned char>*>(context);
    const auto* bytes = static_cast<const unsigned char*>(data);
    out->insert(out->end(), bytes, bytes + size);
  };
  if (!stbi_write_png_to_func(append, &png, width, height, 1, pixels, width)) {
    throw IoError(path + ": PNG encoding failed");
  }
  write_file_atomically(path, png.data(), png.size());
}

}  // namespace fnn
