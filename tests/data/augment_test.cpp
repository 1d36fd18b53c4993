#include <catch2/catch.hpp>

#include <set>
#include <utility>

#include "data/data_support.hpp"

using Catch::Matchers::Contains;
using fnn::Index;
using fnn::data::Augmentation;
using fnn::data::Batch;
using fnn::data::DataLoader;
using fnn::data::Dataset;
using fnn::data::LoaderOptions;

namespace {

std::vector<float> ramp(Index n) {
  std::vector<float> v(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = static_cast<float>(i + 1);
  return v;
}

Augmentation all_augmentations() {
  Augmentation a;
  a.crop_padding = 2;
  a.horizontal_flip = true;
  a.erase_probability = 0.5;
  return a;
}

std::vector<Batch<float>> one_epoch(DataLoader<float>& loader) {
  std::vector<Batch<float>> batches;
  loader.start_epoch();
  Batch<float> b;
  while (loader.next(b)) batches.push_back(b);
  return batches;
}

}  // namespace

TEST_CASE("flip_horizontal mirrors each row, and twice is the identity", "[augment]") {
  std::vector<float> image = ramp(6);  // 2 x 3: 1 2 3 / 4 5 6
  fnn::data::flip_horizontal(image.data(), 2, 3);
  CHECK(image == std::vector<float>{3, 2, 1, 6, 5, 4});
  fnn::data::flip_horizontal(image.data(), 2, 3);
  CHECK(image == ramp(6));

  std::vector<float> big = ramp(28 * 28), original = big;
  fnn::data::flip_horizontal(big.data(), 28, 28);
  CHECK(big != original);
  fnn::data::flip_horizontal(big.data(), 28, 28);
  CHECK(big == original);
}

TEST_CASE("random_horizontal_flip flips about half the time", "[augment]") {
  fnn::Rng rng(11);
  int flips = 0;
  for (int i = 0; i < 2000; ++i) {
    std::vector<float> image = ramp(4);
    const bool flipped = fnn::data::random_horizontal_flip(image.data(), 2, 2, rng);
    CHECK(image == (flipped ? std::vector<float>{2, 1, 4, 3} : ramp(4)));
    flips += flipped ? 1 : 0;
  }
  CHECK(flips > 900);
  CHECK(flips < 1100);
}

TEST_CASE("shift_image moves the image and fills what comes in", "[augment]") {
  // 3 x 3: 1 2 3 / 4 5 6 / 7 8 9, out(r, c) = in(r + 1, c - 1).
  std::vector<float> image = ramp(9), scratch(9);
  fnn::data::shift_image(image.data(), 3, 3, 1, -1, -5.0f, scratch.data());
  CHECK(image == std::vector<float>{-5, 4, 5, -5, 7, 8, -5, -5, -5});
}

TEST_CASE("shift_image gives the pixel-by-pixel shift for every offset, past the edges too", "[augment]") {
  // The definition, one pixel at a time, against the row-wise implementation, on a non-square image.
  const Index rows = 4, cols = 6;
  std::vector<float> scratch(rows * cols);
  for (Index dy = -5; dy <= 5; ++dy) {
    for (Index dx = -7; dx <= 7; ++dx) {
      INFO("dy " << dy << ", dx " << dx);
      std::vector<float> image = ramp(rows * cols), expected(rows * cols);
      for (Index r = 0; r < rows; ++r) {
        for (Index c = 0; c < cols; ++c) {
          const Index sr = r + dy, sc = c + dx;
          const bool inside = sr >= 0 && sr < rows && sc >= 0 && sc < cols;
          expected[r * cols + c] = inside ? static_cast<float>(sr * cols + sc + 1) : -1.0f;
        }
      }
      fnn::data::shift_image(image.data(), rows, cols, dy, dx, -1.0f, scratch.data());
      REQUIRE(image == expected);
    }
  }
}

TEST_CASE("random_crop with padding 0 is the identity", "[augment]") {
  fnn::Rng rng(1);
  std::vector<float> image = ramp(28 * 28), scratch(28 * 28);
  fnn::data::random_crop(image.data(), 28, 28, 0, 0.0f, rng, scratch.data());
  CHECK(image == ramp(28 * 28));
}

TEST_CASE("random_crop shifts by each of the (2p + 1)^2 offsets", "[augment]") {
  // A 5 x 5 ramp is distinct everywhere, so the value at the centre gives the shift.
  fnn::Rng rng(7);
  std::set<std::pair<Index, Index>> shifts;
  std::vector<float> scratch(25);
  for (int i = 0; i < 400; ++i) {
    std::vector<float> image = ramp(25);
    fnn::data::random_crop(image.data(), 5, 5, 2, 0.0f, rng, scratch.data());
    const auto centre = static_cast<Index>(image[12]) - 1;  // = (2 + dy) * 5 + (2 + dx)
    const Index dy = centre / 5 - 2, dx = centre % 5 - 2;
    shifts.insert({dy, dx});
    std::vector<float> expected = ramp(25);
    fnn::data::shift_image(expected.data(), 5, 5, dy, dx, 0.0f, scratch.data());
    REQUIRE(image == expected);
  }
  CHECK(shifts.size() == 25);
}

TEST_CASE("random_erase fills one rectangle of the drawn size", "[augment]") {
  Augmentation a;
  a.erase_probability = 1.0;
  a.erase_value = -3.0;
  fnn::Rng rng(99);
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<float> image(28 * 28, 1.0f);
    fnn::Rng copy = rng;
    fnn::data::Box box;
    const bool drawn = fnn::data::draw_erase_box(28, 28, a, copy, box);
    CHECK(fnn::data::random_erase(image.data(), 28, 28, a, rng) == drawn);
    if (!drawn) continue;
    CHECK(box.height < 28);
    CHECK(box.width < 28);
    const double area = static_cast<double>(box.height * box.width) / (28.0 * 28.0);
    CHECK(area > 0.01);   // scale 0.02-0.33, widened by the rounding of height and width
    CHECK(area < 0.40);
    Index erased = 0;
    for (Index r = 0; r < 28; ++r) {
      for (Index c = 0; c < 28; ++c) {
        const bool inside = r >= box.top && r < box.top + box.height && c >= box.left && c < box.left + box.width;
        const float v = image[static_cast<std::size_t>(r * 28 + c)];
        REQUIRE(v == (inside ? -3.0f : 1.0f));
        erased += inside ? 1 : 0;
      }
    }
    CHECK(erased == box.height * box.width);
  }

  SECTION("probability p erases about p of the images") {
    a.erase_probability = 0.3;
    int erased = 0;
    for (int i = 0; i < 2000; ++i) {
      std::vector<float> image(28 * 28, 1.0f);
      erased += fnn::data::random_erase(image.data(), 28, 28, a, rng) ? 1 : 0;
    }
    CHECK(erased > 500);
    CHECK(erased < 700);
  }
  SECTION("probability 0 never erases") {
    a.erase_probability = 0.0;
    std::vector<float> image(28 * 28, 1.0f);
    CHECK_FALSE(fnn::data::random_erase(image.data(), 28, 28, a, rng));
  }
}

TEST_CASE("check_augmentation rejects impossible settings", "[augment]") {
  Augmentation a;
  CHECK_NOTHROW(fnn::data::check_augmentation(a));
  CHECK_NOTHROW(fnn::data::check_augmentation(all_augmentations()));
  a.crop_padding = -1;
  CHECK_THROWS_WITH(fnn::data::check_augmentation(a), Contains("crop_padding must be >= 0"));
  a = Augmentation();
  a.erase_probability = 1.5;
  CHECK_THROWS_WITH(fnn::data::check_augmentation(a), Contains("erase_probability must be in [0, 1]"));
  a = Augmentation();
  a.erase_scale_min = 0.5;
  a.erase_scale_max = 0.2;
  CHECK_THROWS_AS(fnn::data::check_augmentation(a), fnn::ValueError);
  a = Augmentation();
  a.erase_ratio_min = 0.0;
  CHECK_THROWS_AS(fnn::data::check_augmentation(a), fnn::ValueError);
}

TEST_CASE("Augmented batches keep shapes, labels and order, and are reproducible", "[augment][dataloader]") {
  const Dataset d = fnn::test::make_dataset(70);
  LoaderOptions plain;
  plain.batch_size = 32;
  plain.shuffle = true;
  LoaderOptions augmented = plain;
  augmented.augment = all_augmentations();

  fnn::Rng r1(5), r2(5), r3(5), r4(6);
  DataLoader<float> without(d, plain, r1);
  DataLoader<float> with(d, augmented, r2);
  DataLoader<float> twin(d, augmented, r3);
  DataLoader<float> other(d, augmented, r4);

  for (int e = 0; e < 2; ++e) {
    const auto a = one_epoch(without), b = one_epoch(with), c = one_epoch(twin), o = one_epoch(other);
    REQUIRE(a.size() == 3);
    REQUIRE(b.size() == 3);
    bool any_changed = false, any_different_seed = false;
    for (std::size_t k = 0; k < a.size(); ++k) {
      CHECK(b[k].inputs.shape() == a[k].inputs.shape());
      CHECK(b[k].labels == a[k].labels);    // augmentation changes neither labels
      CHECK(b[k].indices == a[k].indices);  // nor the order
      CHECK(fnn::max_abs_diff(b[k].inputs, c[k].inputs) == 0.0f);  // same seed, same augmentation
      any_changed = any_changed || fnn::max_abs_diff(a[k].inputs, b[k].inputs) > 0.0f;
      any_different_seed = any_different_seed || b[k].indices != o[k].indices ||
                           fnn::max_abs_diff(b[k].inputs, o[k].inputs) > 0.0f;
    }
    CHECK(any_changed);
    CHECK(any_different_seed);
  }
}

TEST_CASE("Augmentation does not depend on the number of threads", "[augment][dataloader]") {
  const Dataset d = fnn::test::make_dataset(64);
  LoaderOptions o;
  o.batch_size = 64;  // 64 x 784 pixels: large enough for the parallel loop
  o.shuffle = true;
  o.augment = all_augmentations();
  const int threads = fnn::num_threads();
  fnn::Rng r1(8), r2(8);
  fnn::set_num_threads(1);
  DataLoader<float> serial(d, o, r1);
  const auto a = one_epoch(serial);
  fnn::set_num_threads(4);
  DataLoader<float> parallel(d, o, r2);
  const auto b = one_epoch(parallel);
  fnn::set_num_threads(threads);
  REQUIRE(a.size() == 1);
  CHECK(fnn::max_abs_diff(a[0].inputs, b[0].inputs) == 0.0f);
}

TEST_CASE("The crop pads with black, whatever the normalisation", "[augment][dataloader]") {
  // White images normalised to [-1, 1]: every pixel is 1 (image) or -1 (black padding), never 0.
  const Dataset d(std::vector<std::uint8_t>(40 * 28 * 28, 255), std::vector<std::int32_t>(40, 1), 28, 28);
  LoaderOptions o;
  o.batch_size = 40;
  o.normalize = fnn::data::symmetric_normalization;
  o.augment.crop_padding = 4;
  fnn::Rng rng(12);
  DataLoader<float> loader(d, o, rng);
  const auto batches = one_epoch(loader);
  REQUIRE(batches.size() == 1);
  Index black = 0;
  for (float v : batches[0].inputs) {
    REQUIRE((v == Approx(1.0f) || v == Approx(-1.0f)));
    black += v < 0.0f ? 1 : 0;
  }
  CHECK(black > 0);

  SECTION("padding 0 leaves the images as they are") {
    LoaderOptions none = o;
    none.augment.crop_padding = 0;
    fnn::Rng again(12);
    DataLoader<float> plain(d, none, again);
    const auto unpadded = one_epoch(plain);
    for (float v : unpadded[0].inputs) REQUIRE(v == Approx(1.0f));
  }
}
