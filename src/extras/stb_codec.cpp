// stb's image decoder and PNG encoder, compiled once for the fnn::extras library. Every stb function gets
// internal linkage (STB_IMAGE_STATIC, STB_IMAGE_WRITE_STATIC), so a program that compiles its own copy
// of stb links cleanly beside this one; only the two functions of fnn::stb_codec leave this file.
#include <cstdlib>
#include <string>
#include <vector>

#include "fnn/extras/io/image.hpp"

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
#define STB_IMAGE_STATIC
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_MAX_DIMENSIONS 8192  // fnn::detail::image_max_side
// stb allocates its decoder state without clearing it; cleared, a field a damaged file leaves unset reads
// as 0, the same on every run, not as what an earlier allocation left there (see check_jpeg_huffman_tables).
#define STBI_MALLOC(size) std::calloc(1, size)
#define STBI_REALLOC(pointer, size) std::realloc(pointer, size)
#define STBI_FREE(pointer) std::free(pointer)
#define STB_IMAGE_IMPLEMENTATION
#include <stb/stb_image.h>
#define STB_IMAGE_WRITE_STATIC
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

namespace fnn::stb_codec {

bool decode_gray(const unsigned char* bytes, int size, GrayImage& image, std::string& reason) {
  int channels = 0;
  unsigned char* data = stbi_load_from_memory(bytes, size, &image.width, &image.height, &channels, 1);
  if (!data) {
    reason = stbi_failure_reason() ? stbi_failure_reason() : "";
    return false;
  }
  image.pixels.assign(data, data + static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height));
  stbi_image_free(data);
  return true;
}

bool encode_gray_png(const std::uint8_t* pixels, int width, int height, std::vector<unsigned char>& png) {
  auto append = [](void* context, void* data, int size) {
    auto* out = static_cast<std::vector<unsigned char>*>(context);
    const auto* begin = static_cast<const unsigned char*>(data);
    out->insert(out->end(), begin, begin + size);
  };
  return stbi_write_png_to_func(append, &png, width, height, 1, pixels, width) != 0;
}

}  // namespace fnn::stb_codec
