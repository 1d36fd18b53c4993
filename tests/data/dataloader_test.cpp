#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "data/data_support.hpp"

using Catch::Matchers::Contains;
using fnn::Index;
using fnn::data::Batch;
using fnn::data::DataLoader;
using fnn::data::Dataset;
using fnn::data::LoaderOptions;

namespace {

LoaderOptions options(Index batch_size, bool shuffle = false, bool drop_last = false) {
  LoaderOptions o;
  o.batch_size = batch_size;
  o.shuffle = shuffle;
  o.drop_last = drop_last;
  return o;
}

// Every batch of one epoch, copied.
template <class Scalar>
std::vector<Batch<Scalar>> epoch(DataLoader<Scalar>& loader) {
  std::vector<Batch<Scalar>> batches;
  loader.start_epoch();
  Batch<Scalar> b;
  while (loader.next(b)) batches.push_back(b);
  return batches;
}

template <class Scalar>
std::vector<Index> indices_of(const std::vector<Batch<Scalar>>& batches) {
  std::vector<Index> all;
  for (const auto& b : batches) all.insert(all.end(), b.indices.begin(), b.indices.end());
  return all;
}

// Checks that each sample of the batch is the data set's sample at its index, converted with `n`.
template <class Scalar>
void check_batch_matches(const Batch<Scalar>& b, const Dataset& d, const fnn::data::Normalize& n = {}) {
  const auto table = fnn::data::pixel_table<double>(n);
  REQUIRE(b.inputs.shape() == fnn::Shape({b.size(), 1, d.rows(), d.cols()}));
  REQUIRE(static_cast<Index>(b.indices.size()) == b.size());
  for (Index k = 0; k < b.size(); ++k) {
    const Index i = b.indices[static_cast<std::size_t>(k)];
    CHECK(b.labels[static_cast<std::size_t>(k)] == d.label(i));
    for (Index p = 0; p < d.image_size(); ++p) {
      REQUIRE(static_cast<double>(b.inputs[k * d.image_size() + p]) == Approx(table[d.image(i)[p]]));
    }
  }
}

}  // namespace

TEST_CASE("DataLoader without shuffling serves the data set in order", "[dataloader]") {
  const Dataset d = fnn::test::make_dataset(10, 2, 3);
  DataLoader<float> loader(d, options(4));
  CHECK(loader.batches_per_epoch() == 3);
  CHECK(loader.samples_per_epoch() == 10);
  const auto batches = epoch(loader);
  REQUIRE(batches.size() == 3);
  CHECK(batches[0].inputs.shape() == fnn::Shape({4, 1, 2, 3}));
  CHECK(batches[2].inputs.shape() == fnn::Shape({2, 1, 2, 3}));
  CHECK(batches[2].labels == fnn::Targets{8, 9});
  std::vector<Index> expected(10);
  std::iota(expected.begin(), expected.end(), Index{0});
  CHECK(indices_of(batches) == expected);
  for (const auto& b : batches) check_batch_matches(b, d);
  // Pixel 1 of image 0 is 7: 7 / 255 after scaling.
  CHECK(batches[0].inputs(0, 0, 0, 1) == Approx(7.0f / 255.0f));
}

TEST_CASE("DataLoader's next() returns false after the epoch and needs start_epoch() first", "[dataloader]") {
  const Dataset d = fnn::test::make_dataset(3, 2, 2);
  DataLoader<double> loader(d, options(2));
  Batch<double> b;
  CHECK_THROWS_AS(loader.next(b), fnn::UsageError);
  loader.start_epoch();
  CHECK(loader.next(b));
  CHECK(loader.next(b));
  CHECK(b.size() == 1);
  CHECK_FALSE(loader.next(b));
  CHECK_FALSE(loader.next(b));
  CHECK(loader.epoch() == 1);
}

TEST_CASE("DataLoader's drop_last skips the short final batch", "[dataloader]") {
  const Dataset d = fnn::test::make_dataset(10, 2, 2);
  fnn::Rng rng(1);
  DataLoader<float> loader(d, options(4, true, true), rng);
  CHECK(loader.batches_per_epoch() == 2);
  CHECK(loader.samples_per_epoch() == 8);
  const auto batches = epoch(loader);
  REQUIRE(batches.size() == 2);
  for (const auto& b : batches) CHECK(b.size() == 4);

  DataLoader<float> exact(d, options(5, false, true));
  CHECK(exact.batches_per_epoch() == 2);
  CHECK(epoch(exact).size() == 2);
  DataLoader<float> too_big(d, options(11, false, true));
  CHECK(too_big.batches_per_epoch() == 0);
  CHECK(epoch(too_big).empty());
}

TEST_CASE("A shuffled epoch is a seeded permutation of the data set", "[dataloader]") {
  const Dataset d = fnn::test::make_dataset(50, 3, 3);
  fnn::Rng rng(2024);
  DataLoader<float> loader(d, options(8, true), rng);
  const auto first = epoch(loader);
  const std::vector<Index> order = indices_of(first);
  CHECK(order == loader.order());

  std::vector<Index> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  std::vector<Index> all(50);
  std::iota(all.begin(), all.end(), Index{0});
  CHECK(sorted == all);
  CHECK(order != all);
  for (const auto& b : first) check_batch_matches(b, d);

  SECTION("each epoch has a new order") {
    const std::vector<Index> second = indices_of(epoch(loader));
    CHECK(second != order);
    std::vector<Index> s2 = second;
    std::sort(s2.begin(), s2.end());
    CHECK(s2 == all);
  }
  SECTION("the same seed gives the same epochs") {
    fnn::Rng again(2024);
    DataLoader<float> twin(d, options(8, true), again);
    CHECK(indices_of(epoch(twin)) == order);
  }
  SECTION("another seed gives another order") {
    fnn::Rng other(2025);
    DataLoader<float> different(d, options(8, true), other);
    CHECK(indices_of(epoch(different)) != order);
  }
}

TEST_CASE("DataLoader normalises after scaling to [0, 1]", "[dataloader][normalize]") {
  const Dataset d({0, 51, 255, 102}, {3}, 2, 2);
  LoaderOptions o = options(1);
  o.normalize = fnn::data::symmetric_normalization;
  DataLoader<double> loader(d, o);
  const auto batches = epoch(loader);
  REQUIRE(batches.size() == 1);
  const auto& x = batches[0].inputs;
  CHECK(x(0, 0, 0, 0) == Approx(-1.0));
  CHECK(x(0, 0, 0, 1) == Approx(-0.6));
  CHECK(x(0, 0, 1, 0) == Approx(1.0));
  CHECK(x(0, 0, 1, 1) == Approx(-0.2));

  const fnn::data::Normalize own = fnn::data::dataset_statistics(d);
  o.normalize = own;
  DataLoader<double> standardised(d, o);
  const auto s = epoch(standardised)[0].inputs;
  CHECK(s.array().mean() == Approx(0.0).margin(1e-12));
  CHECK(std::sqrt(s.array().square().mean()) == Approx(1.0));
}

TEST_CASE("DataLoader reuses the batch's memory", "[dataloader]") {
  const Dataset d = fnn::test::make_dataset(10, 4, 4);
  fnn::Rng rng(3);
  DataLoader<float> loader(d, options(4, true), rng);
  Batch<float> b;
  loader.start_epoch();
  REQUIRE(loader.next(b));
  const float* images = b.inputs.data();
  const std::int32_t* labels = b.labels.data();
  for (int e = 0; e < 3; ++e) {
    while (loader.next(b)) {
      CHECK(b.inputs.data() == images);
      CHECK(b.labels.data() == labels);
    }
    loader.start_epoch();
  }
}

TEST_CASE("DataLoader rejects unusable options", "[dataloader]") {
  const Dataset d = fnn::test::make_dataset(4, 2, 2);
  CHECK_THROWS_WITH(DataLoader<float>(d, options(4, true)), Contains("shuffling needs an Rng"));
  LoaderOptions aug = options(4);
  aug.augment.horizontal_flip = true;
  CHECK_THROWS_WITH(DataLoader<float>(d, aug), Contains("augmentation needs an Rng"));
  CHECK_THROWS_WITH(DataLoader<float>(d, options(0)), Contains("batch_size must be >= 1, got 0"));
  LoaderOptions bad = options(2);
  bad.normalize.stddev = 0.0;
  CHECK_THROWS_AS(DataLoader<float>(d, bad), fnn::ValueError);
}

TEST_CASE("DataLoader on an empty data set yields no batches", "[dataloader]") {
  const Dataset d(std::vector<std::uint8_t>{}, std::vector<std::int32_t>{}, 28, 28);
  DataLoader<float> loader(d, options(4));
  CHECK(loader.batches_per_epoch() == 0);
  CHECK(epoch(loader).empty());
}

TEST_CASE("image_tensor converts one sample as the loader does", "[dataloader]") {
  const Dataset d = fnn::test::make_dataset(3, 28, 28);
  const fnn::Tensor<float> t = fnn::data::image_tensor<float>(d, 2, fnn::data::mnist_normalization);
  CHECK(t.shape() == fnn::Shape({1, 1, 28, 28}));
  LoaderOptions o = options(1);
  o.normalize = fnn::data::mnist_normalization;
  DataLoader<float> loader(d, o);
  const auto batches = epoch(loader);
  CHECK(fnn::max_abs_diff(batches[2].inputs, t) == 0.0f);
}
