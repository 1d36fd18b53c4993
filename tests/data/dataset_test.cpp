#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <set>

#include "data/data_support.hpp"

using Catch::Matchers::Contains;
using fnn::Index;
using fnn::data::Dataset;

TEST_CASE("Dataset gives access to images, pixels and labels", "[dataset]") {
  // Two 2 x 3 images.
  const Dataset d({1, 2, 3, 4, 5, 6, 10, 20, 30, 40, 50, 60}, {4, 7}, 2, 3);
  CHECK(d.size() == 2);
  CHECK(d.rows() == 2);
  CHECK(d.cols() == 3);
  CHECK(d.image_size() == 6);
  CHECK(d.image(1)[0] == 10);
  CHECK(d.image(0)[5] == 6);
  CHECK(d.pixel(1, 1, 0) == 40);
  CHECK(d.label(1) == 7);
  CHECK_THROWS_WITH(d.image(2), Contains("sample 2 is outside a data set of 2"));
  CHECK_THROWS_AS(d.label(-1), fnn::ValueError);
  CHECK_THROWS_AS(d.pixel(0, 2, 0), fnn::ValueError);
  CHECK_THROWS_WITH(Dataset(std::vector<std::uint8_t>(11), {1, 2}, 2, 3), Contains("need 12 pixels, got 11"));
}

TEST_CASE("Dataset::subset copies the chosen samples in the given order", "[dataset]") {
  const Dataset d = fnn::test::make_dataset(10, 4, 4);
  const Dataset s = d.subset({7, 2, 2});
  REQUIRE(s.size() == 3);
  CHECK(s.rows() == 4);
  CHECK(s.labels() == std::vector<std::int32_t>{7, 2, 2});
  CHECK(std::equal(s.image(0), s.image(0) + 16, d.image(7)));
  CHECK(std::equal(s.image(1), s.image(1) + 16, d.image(2)));
  CHECK(std::equal(s.image(2), s.image(2) + 16, d.image(2)));
  CHECK(d.subset({}).size() == 0);
  CHECK_THROWS_AS(d.subset({0, 10}), fnn::ValueError);
}

TEST_CASE("random_permutation is a seeded permutation", "[dataset]") {
  fnn::Rng a(5), b(5), c(6);
  const std::vector<Index> pa = fnn::data::random_permutation(100, a);
  std::vector<Index> sorted = pa;
  std::sort(sorted.begin(), sorted.end());
  for (Index i = 0; i < 100; ++i) CHECK(sorted[static_cast<std::size_t>(i)] == i);
  CHECK(fnn::data::random_permutation(100, b) == pa);
  CHECK(fnn::data::random_permutation(100, c) != pa);
}

TEST_CASE("split makes two disjoint parts of exact sizes that cover the data set", "[dataset][split]") {
  const Dataset d = fnn::test::make_dataset(103, 3, 3);
  fnn::Rng rng(42);
  const auto [first, second] = fnn::data::split(d, 0.8, rng);
  CHECK(first.size() == 82);  // round(0.8 * 103) = round(82.4)
  CHECK(second.size() == 21);

  // Pixel 0 of make_dataset's image i is (31 i) mod 256, which repeats only after 256 samples (31 is
  // odd), so it identifies a sample.
  auto id = [](const Dataset& ds, Index k) { return static_cast<int>(ds.image(k)[0]); };
  std::set<int> seen;
  for (Index k = 0; k < first.size(); ++k) seen.insert(id(first, k));
  for (Index k = 0; k < second.size(); ++k) CHECK(seen.count(id(second, k)) == 0);
  for (Index k = 0; k < second.size(); ++k) seen.insert(id(second, k));
  CHECK(seen.size() == 103);

  SECTION("the same seed gives the same split, another seed another") {
    fnn::Rng same(42), other(43);
    CHECK(fnn::data::split(d, 0.8, same).second.pixels() == second.pixels());
    CHECK(fnn::data::split(d, 0.8, other).second.pixels() != second.pixels());
  }
  SECTION("labels travel with their images") {
    for (Index k = 0; k < second.size(); ++k) {
      const Index original = id(second, k) * 223 % 256;  // 223 = 31^-1 mod 256
      CHECK(second.label(k) == original % 10);
    }
  }
  SECTION("60000 split 0.8 gives 48000 and 12000") {
    const Dataset big(std::vector<std::uint8_t>(60000), std::vector<std::int32_t>(60000), 1, 1);
    const auto parts = fnn::data::split(big, 0.8, rng);
    CHECK(parts.first.size() == 48000);
    CHECK(parts.second.size() == 12000);
  }
  SECTION("edge fractions") {
    CHECK(fnn::data::split(d, 0.0, rng).first.size() == 0);
    CHECK(fnn::data::split(d, 1.0, rng).second.size() == 0);
    CHECK_THROWS_AS(fnn::data::split(d, 1.5, rng), fnn::ValueError);
    CHECK_THROWS_AS(fnn::data::split(d, std::nan(""), rng), fnn::ValueError);
  }
}

TEST_CASE("dataset_statistics gives the mean and population stddev of the scaled pixels", "[dataset][normalize]") {
  SECTION("half black, half white: mean 0.5, stddev 0.5") {
    const Dataset d({0, 0, 255, 255}, {0}, 2, 2);
    const fnn::data::Normalize s = fnn::data::dataset_statistics(d);
    CHECK(s.mean == Approx(0.5));
    CHECK(s.stddev == Approx(0.5));
  }
  SECTION("two images: 0, 51, 102, 153 and 255, 255, 0, 0") {
    // Scaled: 0, 0.2, 0.4, 0.6, 1, 1, 0, 0. Mean 3.2 / 8 = 0.4; squared deviations 0.16, 0.04, 0, 0.04,
    // 0.36, 0.36, 0.16, 0.16 sum to 1.28, so the variance is 0.16 and the stddev 0.4.
    const Dataset d({0, 51, 102, 153, 255, 255, 0, 0}, {1, 2}, 2, 2);
    const fnn::data::Normalize s = fnn::data::dataset_statistics(d);
    CHECK(s.mean == Approx(0.4));
    CHECK(s.stddev == Approx(0.4));
  }
  CHECK_THROWS_AS(fnn::data::dataset_statistics(Dataset()), fnn::ValueError);
}

TEST_CASE("pixel_table scales to [0, 1] then normalises", "[dataset][normalize]") {
  const auto identity = fnn::data::pixel_table<double>({});
  CHECK(identity[0] == 0.0);
  CHECK(identity[51] == Approx(0.2));
  CHECK(identity[255] == 1.0);
  const auto half = fnn::data::pixel_table<float>(fnn::data::symmetric_normalization);
  CHECK(half[0] == Approx(-1.0f));
  CHECK(half[51] == Approx(-0.6f));
  CHECK(half[255] == Approx(1.0f));
  const auto mnist = fnn::data::pixel_table<double>(fnn::data::mnist_normalization);
  CHECK(mnist[0] == Approx(-0.1307 / 0.3081));
  CHECK(mnist[255] == Approx((1.0 - 0.1307) / 0.3081));
  CHECK_THROWS_AS(fnn::data::pixel_table<float>({0.5, 0.0}), fnn::ValueError);
  CHECK_THROWS_AS(fnn::data::pixel_table<float>({0.5, -1.0}), fnn::ValueError);
}
