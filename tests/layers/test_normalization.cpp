// LayerNorm, GroupNorm, and BatchNorm without affine parameters: statistics worked out by hand, the
// layers' relations to one another, gradients by finite differences.
#include <catch2/catch.hpp>
#include <cmath>
#include <tuple>

#include "support/gradcheck_helpers.hpp"
#include "support/random_tensor.hpp"

using Catch::Matchers::Contains;
using namespace fnn;

namespace normalization_test {

// Gamma and beta away from 1 and 0, so that a swapped or ignored parameter shows.
template <class L>
void randomise_affine(L& layer, Rng& rng) {
  for (double& g : layer.weight().value) g = 0.5 + rng.uniform();
  for (double& b : layer.bias().value) b = rng.normal();
}

}  // namespace normalization_test

using namespace normalization_test;

TEST_CASE("LayerNorm normalises each sample over its last axes, then scales and shifts element by element") {
  LayerNorm<double> norm(4);
  CHECK(norm.name() == "LayerNorm([4])");
  norm.weight().value = Tensor<double>({4}, {1, 2, 1, 1});
  norm.bias().value = Tensor<double>({4}, {0, 0, 0, 10});
  const auto& y = norm.forward(Tensor<double>({2, 4}, {1, 2, 3, 4, -1, -1, -1, 3}));
  // Row 0: mean 2.5, variance 1.25;  row 1: mean 0, variance 3.
  const double s0 = 1 / std::sqrt(1.25 + 1e-5), s1 = 1 / std::sqrt(3 + 1e-5);
  CHECK(y(0, 0) == Approx(-1.5 * s0));
  CHECK(y(0, 1) == Approx(2 * -0.5 * s0));
  CHECK(y(0, 3) == Approx(1.5 * s0 + 10));
  CHECK(y(1, 0) == Approx(-s1));
  CHECK(y(1, 3) == Approx(3 * s1 + 10));

  LayerNorm<float> image_norm({3, 4, 5});
  CHECK(image_norm.weight().value.shape() == Shape{3, 4, 5});
  CHECK(image_norm.output_shape({2, 3, 4, 5}) == Shape{2, 3, 4, 5});
  CHECK_THROWS_WITH(image_norm.output_shape({2, 3, 5, 4}), Contains("[N, ..., 3, 4, 5]") && Contains("[2, 3, 5, 4]"));
  CHECK_THROWS_AS(image_norm.output_shape({3, 4, 5}), ShapeError);  // no batch axis
  LayerNorm<float> plain(6, 1e-5, false);
  CHECK(plain.parameters().empty());
  CHECK(plain.name() == "LayerNorm([6], elementwise_affine=False)");
}

TEST_CASE("LayerNorm gradients match finite differences on several shapes") {
  Rng rng(1);
  for (const auto& [input, normalized] : {std::tuple{Shape{1, 5}, Shape{5}}, std::tuple{Shape{4, 6}, Shape{6}},
                                          std::tuple{Shape{2, 3, 4, 5}, Shape{4, 5}},
                                          std::tuple{Shape{3, 2, 3, 3}, Shape{2, 3, 3}}}) {
    LayerNorm<double> norm(normalized);
    randomise_affine(norm, rng);
    const auto result = test::require_gradients_match(norm, test::random_normal(input, rng));
    test::require_dense_parameter_gradients(result);
    CHECK(result["input"].nonzero == input.numel());
    LayerNorm<double> plain(normalized, 1e-5, false);
    CHECK(test::require_gradients_match(plain, test::random_normal(input, rng))["input"].nonzero == input.numel());
  }
}

TEST_CASE("GroupNorm normalises groups of channels per sample: one group is LayerNorm, one channel a group is per channel") {
  Rng rng(2);
  const Tensor<double> x = test::random_normal({3, 4, 2, 3}, rng);
  GroupNorm<double> one_group(1, 4);
  LayerNorm<double> layer_norm({4, 2, 3});
  CHECK(max_abs_diff(one_group.forward(x), layer_norm.forward(x)) < 1e-12);

  GroupNorm<double> pairs(2, 4);
  CHECK(pairs.name() == "GroupNorm(2, 4)");
  randomise_affine(pairs, rng);
  const auto& y = pairs.forward(x);
  // Channels 0-1 and 2-3 of each sample, un-scaled, have mean 0 and biased variance 1 (up to eps).
  for (Index n = 0; n < 3; ++n) {
    for (Index g = 0; g < 2; ++g) {
      double sum = 0, squares = 0;
      for (Index c = 2 * g; c < 2 * g + 2; ++c)
        for (Index i = 0; i < 2; ++i)
          for (Index j = 0; j < 3; ++j) {
            const double xhat = (y(n, c, i, j) - pairs.bias().value[c]) / pairs.weight().value[c];
            sum += xhat;
            squares += xhat * xhat;
          }
      CHECK(sum / 12 == Approx(0).margin(1e-12));
      CHECK(squares / 12 == Approx(1).epsilon(1e-4));
    }
  }
  CHECK_THROWS_AS(GroupNorm<float>(3, 8), ValueError);
  CHECK_THROWS_WITH(pairs.output_shape({3, 5, 2, 3}), Contains("[N, 4, ...]"));
  GroupNorm<double> plain(2, 4, 1e-5, false);
  CHECK(plain.parameters().empty());
  CHECK(plain.name() == "GroupNorm(2, 4, affine=False)");
}

TEST_CASE("GroupNorm gradients match finite differences on several shapes") {
  Rng rng(3);
  for (const auto& [groups, shape] : {std::tuple{Index(2), Shape{1, 4, 3, 3}}, std::tuple{Index(3), Shape{2, 6, 2, 4}},
                                      std::tuple{Index(4), Shape{3, 4, 5}}, std::tuple{Index(1), Shape{4, 6}}}) {
    GroupNorm<double> norm(groups, shape[1]);
    randomise_affine(norm, rng);
    const auto result = test::require_gradients_match(norm, test::random_normal(shape, rng));
    test::require_dense_parameter_gradients(result);
    CHECK(result["input"].nonzero == shape.numel());
    GroupNorm<double> plain(groups, shape[1], 1e-5, false);
    CHECK(test::require_gradients_match(plain, test::random_normal(shape, rng))["input"].nonzero == shape.numel());
  }
}

TEST_CASE("BatchNorm without affine parameters: the affine layer's output at gamma 1 and beta 0, no parameters, its buffers kept") {
  Rng rng(4);
  BatchNorm2d<double> plain(3, 1e-5, 0.1, false);
  BatchNorm2d<double> affine(3);
  CHECK(plain.name() == "BatchNorm2d(3, affine=False)");
  CHECK(plain.parameters().empty());
  CHECK(plain.buffers().size() == 2);
  const Tensor<double> x = test::random_normal({4, 3, 3, 3}, rng);
  CHECK(max_abs_diff(plain.forward(x), affine.forward(x)) == 0.0);
  CHECK(max_abs_diff(plain.running_mean(), affine.running_mean()) == 0.0);
  CHECK(test::require_gradients_match(plain, x)["input"].nonzero == x.numel());

  BatchNorm1d<double> features(5, 1e-5, 0.1, false);
  CHECK(features.parameters().empty());
  for (const Shape& shape : {Shape{6, 5}, Shape{3, 5, 4}}) {
    CHECK(test::require_gradients_match(features, test::random_normal(shape, rng))["input"].nonzero == shape.numel());
  }
  features.eval();
  CHECK(test::require_gradients_match(features, test::random_normal({2, 5}, rng))["input"].nonzero == 10);
}
