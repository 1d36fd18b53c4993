#include <catch2/catch.hpp>

#include "support/gradcheck_helpers.hpp"
#include "support/random_tensor.hpp"

using Catch::Matchers::Contains;
using namespace fnn;

TEST_CASE("MaxPool2d picks each window's maximum") {
  const Tensor<double> x({1, 1, 4, 4}, {1, 3, 2, 0,  //
                                        4, 2, 8, 1,  //
                                        0, 0, 5, 6,  //
                                        9, 1, 7, 2});
  MaxPool2d<double> pool(2);
  const auto& y = pool.forward(x);
  REQUIRE(y.shape() == Shape{1, 1, 2, 2});
  CHECK(y(0, 0, 0, 0) == 4);
  CHECK(y(0, 0, 0, 1) == 8);
  CHECK(y(0, 0, 1, 0) == 9);
  CHECK(y(0, 0, 1, 1) == 7);
  const auto& dx = pool.backward(Tensor<double>({1, 1, 2, 2}, {10, 20, 30, 40}));
  CHECK(dx(0, 0, 1, 0) == 10);
  CHECK(dx(0, 0, 1, 2) == 20);
  CHECK(dx(0, 0, 3, 0) == 30);
  CHECK(dx(0, 0, 3, 2) == 40);
  CHECK(dx.array().sum() == 100);
}

TEST_CASE("MaxPool2d gradients match finite differences, with overlapping windows too") {
  Rng rng(1);
  for (auto [k, s, shape] : {std::tuple{Index(2), Index(0), Shape{1, 1, 4, 4}},
                             std::tuple{Index(2), Index(0), Shape{2, 3, 6, 5}},
                             std::tuple{Index(3), Index(2), Shape{2, 2, 7, 7}},
                             std::tuple{Index(3), Index(1), Shape{1, 2, 5, 6}}}) {
    MaxPool2d<double> pool(k, s);
    const auto result = test::require_gradients_match(pool, test::distinct_values(shape, rng));
    // Each output routes its gradient to exactly one input: at least one non-zero per output element.
    CHECK(result["input"].nonzero >= 1);
  }
  MaxPool2d<double> pool(2);
  const auto result = test::require_gradients_match(pool, test::distinct_values({2, 2, 4, 4}, rng));
  CHECK(result["input"].nonzero == 2 * 2 * 2 * 2);  // non-overlapping: one winner per window
}

TEST_CASE("ReLU passes positives and its gradient masks negatives") {
  Rng rng(2);
  ReLU<double> relu;
  const auto& y = relu.forward(Tensor<double>({4}, {-1, 2, 0.5, -3}));
  CHECK(y[0] == 0);
  CHECK(y[1] == 2);
  for (const Shape& shape : {Shape{1, 5}, Shape{3, 4}, Shape{2, 3, 4, 5}}) {
    const auto x = test::away_from_zero(shape, rng);
    const auto result = test::require_gradients_match(relu, x);
    CHECK(result["input"].nonzero == (x.array() > 0).count());
  }
}

TEST_CASE("Flatten reshapes and its gradient restores the shape") {
  Rng rng(3);
  Flatten<double> flatten;
  CHECK(flatten.forward(test::random_normal({2, 3, 4, 5}, rng)).shape() == Shape{2, 60});
  const auto result = test::require_gradients_match(flatten, test::random_normal({3, 2, 2, 2}, rng));
  CHECK(result["input"].nonzero == 24);
  CHECK_THROWS_WITH(flatten.forward(Tensor<double>({5})), Contains("rank 2 to 4"));
}

TEST_CASE("LogSoftmax matches a hand computation and stays finite for large logits") {
  LogSoftmax<double> ls;
  const auto& y = ls.forward(Tensor<double>({2, 3}, {0, 0, 0, 1000, 0, -1000}));
  CHECK(y(0, 0) == Approx(-std::log(3.0)));
  CHECK(y(1, 0) == Approx(0.0).margin(1e-12));
  CHECK(y(1, 1) == Approx(-1000.0));
  CHECK(y(1, 2) == Approx(-2000.0));
  CHECK(std::isfinite(y.array().sum()));
  const auto& z = ls.forward(Tensor<double>({1, 2}, {1, 2}));
  CHECK(z(0, 1) == Approx(2 - std::log(std::exp(1.0) + std::exp(2.0))));
}

TEST_CASE("LogSoftmax gradients match finite differences") {
  Rng rng(4);
  LogSoftmax<double> ls;
  for (const Shape& shape : {Shape{1, 4}, Shape{5, 10}, Shape{3, 2}}) {
    const auto result = test::require_gradients_match(ls, test::random_normal(shape, rng));
    CHECK(result["input"].nonzero == shape.numel());
  }
}
