// A program that compiles its own copy of stb, as many image-handling programs do, and uses fnn's extras
// beside it: the two must link (fnn's stb is private to the fnn::extras library) and read each other's
// PNGs. Also runs one of the Fashion-MNIST models. Exits 0 when all of it works.
#define STB_IMAGE_IMPLEMENTATION
#include <stb/stb_image.h>
#define STB_IMAGE_WRITE_IMPLEMENTATION
#include <stb/stb_image_write.h>

#include <fnn/extras.hpp>

#include <cstdint>
#include <iostream>
#include <vector>

int main() {
  const std::vector<std::uint8_t> pixels = {0, 50, 100, 150, 200, 250};  // 3 wide, 2 high
  if (!stbi_write_png("written_by_stb.png", 3, 2, 1, pixels.data(), 3)) return 1;
  const fnn::GrayImage read_by_fnn = fnn::read_gray_image("written_by_stb.png");

  fnn::write_gray_png("written_by_fnn.png", pixels.data(), 3, 2);
  int width = 0, height = 0, channels = 0;
  unsigned char* read_by_stb = stbi_load("written_by_fnn.png", &width, &height, &channels, 1);
  if (!read_by_stb) return 1;
  const bool same = read_by_fnn.pixels == pixels && width == 3 && height == 2 &&
                    std::vector<std::uint8_t>(read_by_stb, read_by_stb + 6) == pixels;
  stbi_image_free(read_by_stb);

  fnn::Rng rng(1);
  auto model = fnn::models::mlp<float>(rng);
  const fnn::Tensor<float>& logits = model.forward(fnn::Tensor<float>({1, 1, 28, 28}, 0.5f));
  std::cout << "consumer_extras: PNGs " << (same ? "agree" : "differ") << ", " << logits.numel() << " logits\n";
  return same && logits.numel() == 10 ? 0 : 1;
}
