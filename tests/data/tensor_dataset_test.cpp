#include <catch2/catch.hpp>
#include <fnn/fnn.hpp>

using Catch::Matchers::Contains;
using fnn::Index;
using fnn::Shape;
using fnn::Tensor;
using fnn::data::Batch;
using fnn::data::BatchOptions;
using fnn::data::Standardizer;
using fnn::data::TensorDataset;
using fnn::data::TensorLoader;

namespace {

// Sample n has features (n, 10 n, 100 n) as a [N, 3] tensor.
template <class Scalar = double>
Tensor<Scalar> numbered_features(Index n) {
  Tensor<Scalar> x(Shape{n, 3});
  for (Index i = 0; i < n; ++i) {
    x(i, 0) = static_cast<Scalar>(i);
    x(i, 1) = static_cast<Scalar>(10 * i);
    x(i, 2) = static_cast<Scalar>(100 * i);
  }
  return x;
}

}  // namespace

TEST_CASE("TensorDataset checks that features and targets agree", "[tensor_dataset]") {
  CHECK_THROWS_WITH((TensorDataset<double>(numbered_features(4), fnn::Targets{0, 1, 2})),
                    Contains("4 samples of features and 3 labels"));
  CHECK_THROWS_WITH((TensorDataset<double>(numbered_features(3), fnn::Targets{0, -1, 2})),
                    Contains("the label of sample 1 is -1"));
  CHECK_THROWS_WITH((TensorDataset<double>(Tensor<double>(Shape{3}), fnn::Targets{0, 1, 2})),
                    Contains("at least one feature axis"));
  CHECK_THROWS_WITH((TensorDataset<double>(numbered_features(3), Tensor<double>(Shape{3}))), Contains("[N, k]"));
  CHECK_THROWS_WITH((TensorDataset<double>(numbered_features(3), Tensor<double>(Shape{2, 1}))),
                    Contains("3 samples of features and 2 rows of targets"));
  const TensorDataset<double> classes(numbered_features(3), fnn::Targets{0, 4, 2});
  CHECK(classes.num_classes() == 5);
  CHECK(classes.sample_shape() == Shape({1, 3}));
}

TEST_CASE("TensorLoader serves every sample once per epoch with its own targets", "[tensor_dataset]") {
  Tensor<double> values(Shape{7, 2});
  for (Index i = 0; i < 7; ++i) {
    values(i, 0) = -static_cast<double>(i);
    values(i, 1) = 0.5 * static_cast<double>(i);
  }
  const TensorDataset<double> set(numbered_features(7), values);
  fnn::Rng rng(3);
  TensorLoader<double> loader(set, BatchOptions{3, true}, rng);
  CHECK(loader.target_kind() == fnn::data::TargetKind::values);
  CHECK_FALSE(loader.serves_images());
  CHECK(loader.batches_per_epoch() == 3);
  for (int epoch = 0; epoch < 2; ++epoch) {
    std::vector<Index> seen;
    Batch<double> b;
    loader.start_epoch();
    while (loader.next(b)) {
      REQUIRE(b.inputs.shape() == Shape({b.size(), 3}));
      REQUIRE(b.values.shape() == Shape({b.size(), 2}));
      CHECK(b.labels.empty());
      for (Index k = 0; k < b.size(); ++k) {
        const auto i = static_cast<double>(b.indices[static_cast<std::size_t>(k)]);
        CHECK(b.inputs(k, 0) == i);
        CHECK(b.inputs(k, 2) == 100 * i);
        CHECK(b.values(k, 0) == -i);
        CHECK(b.values(k, 1) == 0.5 * i);
      }
      seen.insert(seen.end(), b.indices.begin(), b.indices.end());
    }
    std::sort(seen.begin(), seen.end());
    std::vector<Index> all(7);
    std::iota(all.begin(), all.end(), Index{0});
    CHECK(seen == all);
  }
}

TEST_CASE("TensorLoader's class batches, shuffling by seed and refusals", "[tensor_dataset]") {
  const TensorDataset<float> set(numbered_features<float>(10), fnn::Targets{0, 1, 2, 0, 1, 2, 0, 1, 2, 0});
  auto order = [&](std::uint64_t seed) {
    fnn::Rng rng(seed);
    TensorLoader<float> loader(set, BatchOptions{4, true, true}, rng);
    std::vector<Index> seen;
    Batch<float> b;
    loader.start_epoch();
    while (loader.next(b)) {
      for (Index k = 0; k < b.size(); ++k) {
        CHECK(b.labels[static_cast<std::size_t>(k)] == set.labels()[static_cast<std::size_t>(b.indices[k])]);
      }
      seen.insert(seen.end(), b.indices.begin(), b.indices.end());
    }
    return seen;
  };
  CHECK(order(5) == order(5));
  CHECK(order(5) != order(6));
  CHECK(order(5).size() == 8);  // drop_last: two whole batches of 4
  CHECK_THROWS_WITH((TensorLoader<float>(set, BatchOptions{4, true})), Contains("shuffling needs an Rng"));
  CHECK_THROWS_WITH((TensorLoader<float>(set, BatchOptions{0})), Contains("batch_size must be >= 1"));
}

TEST_CASE("split divides a TensorDataset by seed", "[tensor_dataset]") {
  const TensorDataset<double> set(numbered_features(10), fnn::Targets(10, 1));
  fnn::Rng a(1), b(1);
  const auto [train, rest] = fnn::data::split(set, 0.7, a);
  const auto [train_again, rest_again] = fnn::data::split(set, 0.7, b);
  REQUIRE(train.size() == 7);
  REQUIRE(rest.size() == 3);
  CHECK(fnn::max_abs_diff(train.features(), train_again.features()) == 0.0);
  std::vector<double> firsts;
  for (const auto* part : {&train, &rest}) {
    for (Index i = 0; i < part->size(); ++i) firsts.push_back(part->features()(i, 0));
  }
  std::sort(firsts.begin(), firsts.end());
  for (Index i = 0; i < 10; ++i) CHECK(firsts[static_cast<std::size_t>(i)] == static_cast<double>(i));
}

TEST_CASE(
    "Standardizer measures the training split and applies the same "
    "figures to others",
    "[standardize]") {
  Tensor<double> train(Shape{4, 3}, {1, 5, 0, 2, 5, 10, 3, 5, 20, 4, 5, 30});
  Tensor<double> test(Shape{2, 3}, {2.5, 6, 15, 0, 5, 0});
  const auto scaler = Standardizer<double>::fit(train);
  // Column 0: mean 2.5, population deviation sqrt(1.25); column 1 constant: scale 1; column 2: mean 15.
  CHECK(scaler.mean()(0) == Approx(2.5));
  CHECK(scaler.scale()(0) == Approx(std::sqrt(1.25)));
  CHECK(scaler.scale()(1) == 1.0);
  CHECK(scaler.scale()(2) == Approx(std::sqrt((225.0 + 25 + 25 + 225) / 4)));
  const Tensor<double> original = test;
  scaler.apply(train);
  scaler.apply(test);
  for (Index c = 0; c < 3; ++c) {
    double sum = 0, squares = 0;
    for (Index r = 0; r < 4; ++r) {
      sum += train(r, c);
      squares += train(r, c) * train(r, c);
    }
    CHECK(sum / 4 == Approx(0).margin(1e-12));
    CHECK(squares / 4 == Approx(c == 1 ? 0.0 : 1.0).margin(1e-12));
  }
  CHECK(test(0, 0) == Approx(0));  // the training mean, not the test split's
  CHECK(test(0, 1) == Approx(1));  // 6 - 5 over a scale of 1
  CHECK(test(1, 2) == Approx(-15 / scaler.scale()(2)));
  Tensor<double> back = test;
  scaler.invert(back);
  CHECK(fnn::max_abs_diff(back, original) < 1e-12);
  Tensor<double> narrow(Shape{2, 2});
  CHECK_THROWS_WITH(scaler.apply(narrow), Contains("fitted on samples of 3 features"));
  CHECK_THROWS_AS(Standardizer<double>::fit(Tensor<double>(Shape{0, 3})), fnn::ValueError);
}

TEST_CASE("A sharded loader serves each process its consecutive part of every global batch", "[tensor_dataset]") {
  const TensorDataset<double> set(numbered_features(11), fnn::Targets(11, 0));
  // Batches of 4: [0, 4), [4, 8), [8, 11); three processes split each into parts of 1 or 2 samples.
  std::vector<std::vector<Index>> parts(3);
  for (int rank = 0; rank < 3; ++rank) {
    TensorLoader<double> loader(set, BatchOptions{4});
    loader.shard(rank, 3);
    Batch<double> b;
    loader.start_epoch();
    for (int k = 0; loader.next(b); ++k) {
      CHECK(loader.global_batch() == (k < 2 ? 4 : 3));
      CHECK(b.inputs.shape() == Shape({b.size(), 3}));
      parts[static_cast<std::size_t>(rank)].insert(parts[static_cast<std::size_t>(rank)].end(), b.indices.begin(),
                                                   b.indices.end());
      parts[static_cast<std::size_t>(rank)].push_back(-1);  // the end of a batch
    }
  }
  CHECK(parts[0] == std::vector<Index>{0, -1, 4, -1, 8, -1});
  CHECK(parts[1] == std::vector<Index>{1, -1, 5, -1, 9, -1});
  CHECK(parts[2] == std::vector<Index>{2, 3, -1, 6, 7, -1, 10, -1});
  TensorLoader<double> loader(set, BatchOptions{4});
  CHECK_THROWS_AS(loader.shard(3, 3), fnn::UsageError);
  // A last batch shorter than the number of processes leaves some parts empty.
  TensorLoader<double> tail(set, BatchOptions{10});
  tail.shard(0, 2);
  Batch<double> b;
  tail.start_epoch();
  REQUIRE(tail.next(b));
  REQUIRE(tail.next(b));
  CHECK(tail.global_batch() == 1);
  CHECK(b.size() == 0);
}
