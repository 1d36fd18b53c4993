#include <catch2/catch.hpp>

#include "support/gradcheck_helpers.hpp"
#include "support/random_tensor.hpp"

using Catch::Matchers::Contains;
using namespace fnn;

TEST_CASE("Dropout zeroes about p of the elements in training and scales the rest") {
  Rng rng(1);
  Dropout<double> drop(0.25, rng);
  const Tensor<double> x({100, 100}, 1.0);
  const auto& y = drop.forward(x);
  const auto zeros = (y.array() == 0).count();
  CHECK(zeros == Approx(2500).epsilon(0.08));
  CHECK(((y.array() == 0) || ((y.array() - 1 / 0.75).abs() < 1e-12)).all());
  CHECK(y.array().mean() == Approx(1.0).epsilon(0.02));
  // Backward applies the same mask.
  const auto& dx = drop.backward(x);
  CHECK(max_abs_diff(dx, y) == 0.0);
}

TEST_CASE("Dropout keeps its rate over masks of many blocks, and p = 1 drops everything") {
  Rng rng(8);
  const Tensor<double> x({64, 1000}, 1.0);
  for (double p : {0.1, 0.5, 0.9}) {
    Dropout<double> drop(p, rng);
    CHECK((drop.forward(x).array() == 0).count() == Approx(p * 64000).epsilon(0.03));
  }
  Dropout<double> all(1.0, rng);
  CHECK((all.forward(x).array() == 0).all());
  CHECK((all.backward(x).array() == 0).all());
}

TEST_CASE("Dropout is the identity in evaluation mode") {
  Rng rng(2);
  Dropout<double> drop(0.5, rng);
  drop.eval();
  const auto x = test::random_normal({4, 6}, rng);
  CHECK(max_abs_diff(drop.forward(x), x) == 0.0);
  CHECK(max_abs_diff(drop.backward(x), x) == 0.0);
}

TEST_CASE("Dropout draws a new mask each step unless frozen, reproducibly from the seed") {
  Rng a(3), b(3);
  Dropout<double> da(0.5, a), db(0.5, b);
  const Tensor<double> x({8, 8}, 1.0);
  const Tensor<double> first = da.forward(x);
  CHECK(max_abs_diff(first, db.forward(x)) == 0.0);
  CHECK(max_abs_diff(first, da.forward(x)) > 0.0);
  da.freeze_mask(true);
  const Tensor<double> frozen = da.forward(x);
  CHECK(max_abs_diff(frozen, da.forward(x)) == 0.0);
  CHECK_THROWS_AS(Dropout<double>(1.5, a), ValueError);
}

TEST_CASE("Dropout gradients match finite differences with the mask frozen") {
  Rng rng(4);
  for (const Shape& shape : {Shape{1, 6}, Shape{4, 5}, Shape{2, 3, 4, 4}}) {
    Dropout<double> drop(0.3, rng);
    drop.freeze_mask(true);
    const auto x = test::random_normal(shape, rng);
    const auto result = test::require_gradients_match(drop, x);
    CHECK(result["input"].nonzero == (drop.forward(x).array() != 0).count());
    CHECK(result["input"].nonzero < shape.numel());
  }
}

TEST_CASE("BatchNorm1d normalises with batch statistics in training and running statistics in evaluation") {
  BatchNorm1d<double> bn(2);
  const Tensor<double> x({4, 2}, {1, 10, 2, 20, 3, 30, 4, 40});
  const auto& y = bn.forward(x);
  // Channel 0: mean 2.5, biased variance 1.25.
  CHECK(y(0, 0) == Approx((1 - 2.5) / std::sqrt(1.25 + 1e-5)));
  CHECK(y(3, 1) == Approx((40 - 25) / std::sqrt(125 + 1e-5)));
  // Running statistics: momentum 0.1, unbiased variance (1.25 * 4/3).
  CHECK(bn.running_mean()[0] == Approx(0.25));
  CHECK(bn.running_var()[0] == Approx(0.9 + 0.1 * 1.25 * 4 / 3));
  bn.eval();
  const auto& z = bn.forward(x);
  CHECK(z(0, 0) == Approx((1 - 0.25) / std::sqrt(bn.running_var()[0] + 1e-5)));
  CHECK(bn.running_mean()[0] == Approx(0.25));  // unchanged in evaluation
}

TEST_CASE("BatchNorm refuses a single value per channel in training") {
  BatchNorm1d<double> bn(3);
  CHECK_THROWS_WITH(bn.forward(Tensor<double>({1, 3})), Contains("more than 1 value per channel"));
  bn.eval();
  CHECK_NOTHROW(bn.forward(Tensor<double>({1, 3})));
  BatchNorm2d<double> bn2(4);
  CHECK_THROWS_WITH(bn2.forward(Tensor<double>({2, 3, 2, 2})), Contains("expected 4 channels"));
}

TEST_CASE("BatchNorm gradients match finite differences in training and evaluation") {
  Rng rng(5);
  for (const Shape& shape : {Shape{2, 3}, Shape{5, 4}, Shape{4, 37}, Shape{3, 2, 5}}) {
    BatchNorm1d<double> bn(shape[1]);
    bn.weight().value = test::random_normal({shape[1]}, rng);
    bn.bias().value = test::random_normal({shape[1]}, rng);
    test::require_dense_parameter_gradients(test::require_gradients_match(bn, test::random_normal(shape, rng)));
    bn.running_var() = test::random_normal({shape[1]}, rng);
    bn.running_var().array() = bn.running_var().array().abs() + 0.5;
    bn.eval();
    test::require_gradients_match(bn, test::random_normal(shape, rng));
  }
  for (const Shape& shape : {Shape{1, 2, 3, 3}, Shape{3, 3, 2, 4}}) {
    BatchNorm2d<double> bn(shape[1]);
    bn.weight().value = test::random_normal({shape[1]}, rng);
    test::require_dense_parameter_gradients(test::require_gradients_match(bn, test::random_normal(shape, rng)));
    bn.running_mean() = test::random_normal({shape[1]}, rng);
    bn.eval();
    test::require_gradients_match(bn, test::random_normal(shape, rng));
  }
}
