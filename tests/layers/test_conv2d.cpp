#include <algorithm>
#include <limits>

#include <catch2/catch.hpp>

#include "support/gradcheck_helpers.hpp"
#include "support/random_tensor.hpp"

using Catch::Matchers::Contains;
using namespace fnn;

TEST_CASE("Conv2d 3x3 with padding 1 and stride 2 matches a hand computation") {
  Rng rng(1);
  Conv2d<double> conv(1, 1, 3, rng, 2, 1);
  conv.weight().value = Tensor<double>({1, 1, 3, 3}, {1, 0, -1, 2, 0, -2, 1, 0, -1});  // Sobel x
  conv.bias().value = Tensor<double>({1}, {0.5});
  // 4x4 input, values 1..16 row by row.
  Tensor<double> x({1, 1, 4, 4});
  for (Index i = 0; i < 16; ++i) x[i] = static_cast<double>(i + 1);
  const auto& y = conv.forward(x);
  REQUIRE(y.shape() == Shape{1, 1, 2, 2});
  // Output (0,0): window rows -1..1, cols -1..1 over the zero-padded input:
  //   row -1: 0 0 0;  row 0: 0 1 2;  row 1: 0 5 6   ->  0 - 0 + 2*(0 - 2) + (0 - 6) = -10
  CHECK(y(0, 0, 0, 0) == Approx(-10 + 0.5));
  // Output (0,1): centre (0,2): rows -1..1, cols 1..3:  row 0: 2 3 4;  row 1: 6 7 8  ->  2*(2-4) + (6-8) = -6
  CHECK(y(0, 0, 0, 1) == Approx(-6 + 0.5));
  // Output (1,0): centre (2,0): rows 1..3, cols -1..1: row1: 0 5 6; row2: 0 9 10; row3: 0 13 14
  //   (0-6) + 2*(0-10) + (0-14) = -40
  CHECK(y(0, 0, 1, 0) == Approx(-40 + 0.5));
  // Output (1,1): centre (2,2): rows 1..3, cols 1..3: (6-8) + 2*(10-12) + (14-16) = -8
  CHECK(y(0, 0, 1, 1) == Approx(-8 + 0.5));
}

TEST_CASE("Conv2d gradients match finite differences across strides, paddings and shapes") {
  Rng rng(2);
  struct Case {
    Index n, c, o, k, stride, pad, h, w;
  };
  for (const Case& t : {Case{1, 1, 1, 3, 1, 0, 5, 5}, Case{2, 3, 4, 3, 1, 1, 6, 5}, Case{1, 2, 3, 3, 2, 0, 7, 6},
                        Case{3, 2, 2, 2, 2, 1, 5, 8}, Case{2, 1, 3, 5, 1, 2, 6, 7}}) {
    Conv2d<double> conv(t.c, t.o, t.k, rng, t.stride, t.pad);
    const auto result = test::require_gradients_match(conv, test::random_normal({t.n, t.c, t.h, t.w}, rng));
    test::require_dense_parameter_gradients(result);
  }
}

TEST_CASE("Conv2d on maps narrower than the kernel, where some kernel columns see only padding") {
  Rng rng(4);
  struct Case {
    Index n, c, o, k, stride, pad, h, w;
    Index zero_weight_columns;  // kernel columns j whose every tap lands in the padding
  };
  for (const Case& t : {Case{2, 2, 2, 3, 2, 1, 3, 1, 2}, Case{1, 1, 2, 4, 2, 1, 4, 2, 2}}) {
    Conv2d<double> conv(t.c, t.o, t.k, rng, t.stride, t.pad);
    const auto result = test::require_gradients_match(conv, test::random_normal({t.n, t.c, t.h, t.w}, rng));
    CHECK(result["input"].nonzero == t.n * t.c * t.h * t.w);
    CHECK(result["weight"].nonzero == t.o * t.c * t.k * (t.k - t.zero_weight_columns));
  }
}

TEST_CASE("Conv2d output shape follows PyTorch's formula and bad inputs are refused") {
  Rng rng(3);
  Conv2d<float> conv(3, 8, 3, rng, 2, 1);
  CHECK(conv.output_shape({4, 3, 28, 27}) == Shape{4, 8, 14, 14});
  CHECK_THROWS_WITH(conv.forward(Tensor<float>({1, 2, 8, 8})), Contains("[1, 3, 8, 8]") && Contains("[1, 2, 8, 8]"));
  CHECK_THROWS_WITH(conv.forward(Tensor<float>({2, 3, 8})), Contains("[N, C, H, W]"));
  Conv2d<float> big(1, 1, 5, rng);
  CHECK_THROWS_WITH(big.forward(Tensor<float>({1, 1, 3, 3})), Contains("smaller than the kernel"));
  CHECK(conv.weight().value.shape() == Shape{8, 3, 3, 3});
  const float bound = 1.0f / std::sqrt(27.0f);
  CHECK(conv.weight().value.array().abs().maxCoeff() <= bound);
}

TEST_CASE("Conv2d without bias: weight only, the same output as a zero bias, gradients by finite differences") {
  Rng rng(5);
  struct Case {
    Index n, c, o, k, stride, pad, h, w;
  };
  for (const Case& t : {Case{2, 3, 4, 3, 1, 1, 6, 5}, Case{1, 2, 3, 3, 2, 0, 7, 6}}) {
    Conv2d<double> no_bias(t.c, t.o, t.k, rng, t.stride, t.pad, false);
    CHECK(no_bias.parameters().size() == 1);
    CHECK(no_bias.name() == "Conv2d(" + std::to_string(t.c) + ", " + std::to_string(t.o) +
                                ", kernel_size=" + std::to_string(t.k) + ", stride=" + std::to_string(t.stride) +
                                ", padding=" + std::to_string(t.pad) + ", bias=False)");
    const Tensor<double> x = test::random_normal({t.n, t.c, t.h, t.w}, rng);
    Conv2d<double> zero_bias(t.c, t.o, t.k, rng, t.stride, t.pad);
    zero_bias.weight().value = no_bias.weight().value;
    zero_bias.bias().value.zero();
    CHECK((no_bias.forward(x).array() == zero_bias.forward(x).array()).all());
    const auto result = test::require_gradients_match(no_bias, x);
    test::require_dense_parameter_gradients(result);
  }
}

TEST_CASE("Conv2d makes patches too large to keep again in backward, from its own copy of the input") {
  Rng rng(6);
  const Index n = 8, c = 32, o = 4, side = 32;  // 8 samples of 288 x 1,024 patches: more than training keeps
  Conv2d<double> batch_layer(c, o, 3, rng, 1, 1);
  Conv2d<double> sample_layer = batch_layer;  // one sample at a time: its patches are kept
  const Tensor<double> x = test::random_normal({n, c, side, side}, rng);
  const Tensor<double> dy = test::random_normal({n, o, side, side}, rng);
  const Index x_sample = c * side * side, y_sample = o * side * side;
  Tensor<double> expected_dx(x.shape());
  Tensor<double> x_n({1, c, side, side}), dy_n({1, o, side, side});
  for (Index s = 0; s < n; ++s) {
    std::copy(x.data() + s * x_sample, x.data() + (s + 1) * x_sample, x_n.data());
    std::copy(dy.data() + s * y_sample, dy.data() + (s + 1) * y_sample, dy_n.data());
    sample_layer.forward(x_n);
    const auto& dx_n = sample_layer.backward(dy_n);
    std::copy(dx_n.begin(), dx_n.end(), expected_dx.data() + s * x_sample);
  }
  Tensor<double> input = x;
  batch_layer.forward(input);
  input.fill(std::numeric_limits<double>::quiet_NaN());  // backward must not read the caller's tensor
  CHECK(max_abs_diff(batch_layer.backward(dy), expected_dx) < 1e-12);
  CHECK(max_abs_diff(batch_layer.weight().grad, sample_layer.weight().grad) < 1e-9);
  CHECK(max_abs_diff(batch_layer.bias().grad, sample_layer.bias().grad) < 1e-9);
}
