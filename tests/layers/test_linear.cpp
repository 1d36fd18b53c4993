#include <catch2/catch.hpp>

#include "support/gradcheck_helpers.hpp"
#include "support/random_tensor.hpp"

using Catch::Matchers::Contains;
using namespace fnn;

TEST_CASE("Linear computes x W^T + b") {
  Rng rng(1);
  Linear<double> layer(3, 2, rng);
  layer.weight().value = Tensor<double>({2, 3}, {1, 2, 3, -1, 0, 1});
  layer.bias().value = Tensor<double>({2}, {0.5, -0.5});
  const Tensor<double> x({2, 3}, {1, 1, 1, 2, 0, -1});
  const auto& y = layer.forward(x);
  CHECK(y.shape() == Shape{2, 2});
  CHECK(y(0, 0) == 6.5);
  CHECK(y(0, 1) == -0.5);
  CHECK(y(1, 0) == -0.5);
  CHECK(y(1, 1) == -3.5);
}

TEST_CASE("Linear gradients match finite differences") {
  Rng rng(2);
  for (auto [n, in, out] : {std::tuple{1, 4, 3}, std::tuple{5, 7, 2}, std::tuple{3, 1, 6}}) {
    Linear<double> layer(in, out, rng);
    const auto result = test::require_gradients_match(layer, test::random_normal({n, in}, rng));
    test::require_dense_parameter_gradients(result);
    CHECK(result["input"].nonzero == n * in);
  }
  Linear<double> no_bias(5, 3, rng, false);
  CHECK(no_bias.parameters().size() == 1);
  test::require_gradients_match(no_bias, test::random_normal({4, 5}, rng));
}

TEST_CASE("Linear initialises like PyTorch: U(-1/sqrt(in), 1/sqrt(in))") {
  Rng rng(3);
  Linear<float> layer(400, 300, rng);
  const float bound = 1.0f / 20.0f;
  CHECK(layer.weight().value.array().abs().maxCoeff() <= bound);
  CHECK(layer.weight().value.array().abs().maxCoeff() > 0.99f * bound);
  CHECK(layer.weight().value.array().mean() == Approx(0.0).margin(1e-3));
  CHECK(layer.bias().value.array().abs().maxCoeff() <= bound);
  CHECK(layer.weight().grad.array().abs().maxCoeff() == 0.0f);
}

TEST_CASE("Linear rejects wrong shapes and backward before forward") {
  Rng rng(4);
  Linear<float> layer(4, 2, rng);
  CHECK_THROWS_WITH(layer.backward(Tensor<float>({1, 2})), Contains("backward called before forward"));
  CHECK_THROWS_WITH(layer.forward(Tensor<float>({3, 5})), Contains("expected shape [3, 4], got [3, 5]"));
  CHECK_THROWS_WITH(layer.forward(Tensor<float>({3, 1, 4})), Contains("rank-2") && Contains("Flatten"));
  // One sample without its batch axis needs reshaping, not a Flatten.
  CHECK_THROWS_WITH(layer.forward(Tensor<float>({4})),
                    Contains("got [4]; one sample needs the batch axis: x.reshape({1, 4})") && !Contains("Flatten"));
  layer.forward(Tensor<float>({3, 4}));
  CHECK_THROWS_WITH(layer.backward(Tensor<float>({3, 3})), Contains("expected shape [3, 2], got [3, 3]"));
}
