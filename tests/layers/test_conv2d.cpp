#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

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

// The geometries beyond a square kernel: rectangular kernels, stride and padding per axis, dilation,
// groups and depthwise convolutions, with and without bias. tests/parity checks the same ones against PyTorch.
namespace {

// Sample s of an [N, C, H, W] tensor from channel c on.
const double* channels(const Tensor<double>& t, Index s, Index c) {
  return t.data() + (s * t.size(1) + c) * t.size(2) * t.size(3);
}

struct Geometry {
  const char* what;
  Conv2dOptions options;
  Shape input;
};

std::vector<Geometry> geometries() {
  return {
      {"rectangular kernel, stride and padding per axis",
       Conv2dOptions(3, 4, {3, 5}).stride({2, 1}).padding({1, 2}),
       {2, 3, 7, 9}},
      {"rectangular kernel without bias",
       Conv2dOptions(2, 3, {2, 3}).stride({1, 2}).padding({0, 1}).bias(false),
       {2, 2, 5, 8}},
      {"dilation 2", Conv2dOptions(2, 3, 3).padding(2).dilation(2), {2, 2, 8, 7}},
      {"dilation per axis without bias",
       Conv2dOptions(2, 2, {3, 2}).stride({2, 1}).padding({1, 0}).dilation({2, 3}).bias(false),
       {1, 2, 9, 8}},
      {"groups 2", Conv2dOptions(4, 6, 3).padding(1).groups(2), {2, 4, 6, 5}},
      {"groups 2 without bias, dilated, rectangular",
       Conv2dOptions(4, 4, {3, 2}).stride({1, 2}).padding({2, 1}).dilation({2, 1}).groups(2).bias(false),
       {2, 4, 7, 7}},
      {"depthwise", Conv2dOptions(3, 3, 3).stride(2).padding(1).groups(3), {2, 3, 7, 6}},
      {"depthwise, two filters a channel, without bias",
       Conv2dOptions(3, 6, {3, 1}).padding({1, 0}).groups(3).bias(false),
       {2, 3, 5, 4}},
  };
}

}  // namespace

TEST_CASE(
    "Conv2d gradients match finite differences for rectangular, strided, dilated, grouped and depthwise kernels") {
  Rng rng(7);
  for (const Geometry& g : geometries()) {
    INFO(g.what);
    Conv2d<double> conv(g.options, rng);
    CHECK(conv.parameters().size() == (g.options.bias() ? 2u : 1u));
    const auto result = test::require_gradients_match(conv, test::random_normal(g.input, rng));
    test::require_dense_parameter_gradients(result);
  }
}

// Each group is a convolution of its own: output channels [q O/g, (q+1) O/g) from input channels
// [q C/g, (q+1) C/g) with weights W[q O/g : (q+1) O/g] and no others.
TEST_CASE("Conv2d with groups is the separate convolutions of each group's channels, stacked") {
  Rng rng(8);
  for (const Geometry& g : geometries()) {
    const Index groups = g.options.groups();
    if (groups == 1) continue;
    INFO(g.what);
    Conv2d<double> grouped(g.options, rng);
    const Index n = g.input[0], c = g.options.in_channels() / groups, o = g.options.out_channels() / groups;
    const Index h = g.input[2], w = g.input[3];
    const Tensor<double> x = test::random_normal(g.input, rng);
    const Tensor<double>& y = grouped.forward(x);
    const Tensor<double> dy = test::random_normal(y.shape(), rng);
    const Tensor<double>& dx = grouped.backward(dy);
    const Index ho = y.size(2), wo = y.size(3), taps = c * g.options.kernel_size().h * g.options.kernel_size().w;
    for (Index q = 0; q < groups; ++q) {
      INFO("group " << q);
      Conv2d<double> alone(Conv2dOptions(c, o, g.options.kernel_size())
                               .stride(g.options.stride())
                               .padding(g.options.padding())
                               .dilation(g.options.dilation())
                               .bias(g.options.bias()),
                           rng);
      std::copy(grouped.weight().value.data() + q * o * taps, grouped.weight().value.data() + (q + 1) * o * taps,
                alone.weight().value.data());
      if (g.options.bias()) {
        std::copy(grouped.bias().value.data() + q * o, grouped.bias().value.data() + (q + 1) * o,
                  alone.bias().value.data());
      }
      Tensor<double> x_q({n, c, h, w}), dy_q({n, o, ho, wo});
      for (Index s = 0; s < n; ++s) {
        std::copy_n(channels(x, s, q * c), c * h * w, x_q.data() + s * c * h * w);
        std::copy_n(channels(dy, s, q * o), o * ho * wo, dy_q.data() + s * o * ho * wo);
      }
      const Tensor<double>& y_q = alone.forward(x_q);
      const Tensor<double>& dx_q = alone.backward(dy_q);
      double y_error = 0, dx_error = 0;
      for (Index s = 0; s < n; ++s) {
        for (Index i = 0; i < o * ho * wo; ++i) {
          y_error = std::max(y_error, std::abs(channels(y, s, q * o)[i] - channels(y_q, s, 0)[i]));
        }
        for (Index i = 0; i < c * h * w; ++i) {
          dx_error = std::max(dx_error, std::abs(channels(dx, s, q * c)[i] - channels(dx_q, s, 0)[i]));
        }
      }
      CHECK(y_error < 1e-12);
      CHECK(dx_error < 1e-12);
      double dw_error = 0;
      for (Index i = 0; i < o * taps; ++i) {
        dw_error = std::max(dw_error, std::abs(grouped.weight().grad[q * o * taps + i] - alone.weight().grad[i]));
      }
      CHECK(dw_error < 1e-12);
    }
  }
}

TEST_CASE("Conv2d's full geometry: output shape, weight layout, PyTorch's initialisation and name") {
  Rng rng(9);
  Conv2d<float> conv(Conv2dOptions(4, 6, {3, 5}).stride({2, 1}).padding({1, 2}).dilation({2, 1}).groups(2), rng);
  // Ho = (28 + 2 - 2*(3 - 1) - 1) / 2 + 1 = 13,  Wo = (27 + 4 - 1*(5 - 1) - 1) / 1 + 1 = 27
  CHECK(conv.output_shape({5, 4, 28, 27}) == Shape{5, 6, 13, 27});
  CHECK(conv.forward(Tensor<float>({5, 4, 28, 27})).shape() == Shape{5, 6, 13, 27});
  CHECK(conv.weight().value.shape() == Shape{6, 2, 3, 5});
  CHECK(conv.name() == "Conv2d(4, 6, kernel_size=(3, 5), stride=(2, 1), padding=(1, 2), dilation=(2, 1), groups=2)");
  CHECK(Conv2d<float>(Conv2dOptions(3, 3, 3).dilation(2).groups(3).bias(false), rng).name() ==
        "Conv2d(3, 3, kernel_size=3, stride=1, padding=0, dilation=2, groups=3, bias=False)");
  CHECK(Conv2d<float>(1, 4, 5, rng).name() == "Conv2d(1, 4, kernel_size=5, stride=1, padding=0)");

  // fan_in = C/g kh kw for weight and bias alike: the draws fill [-bound, bound], beyond the bound that
  // C kh kw would give.
  struct Case {
    Conv2dOptions options;
    Index fan_in;
  };
  for (const Case& t : {Case{Conv2dOptions(16, 32, 3).groups(16), 9}, Case{Conv2dOptions(8, 64, {1, 3}).groups(2), 12},
                        Case{Conv2dOptions(2, 400, {2, 3}), 12}}) {
    Conv2d<double> layer(t.options, rng);
    const double bound = 1.0 / std::sqrt(static_cast<double>(t.fan_in));
    INFO(layer.name());
    CHECK(layer.weight().value.shape() == Shape{t.options.out_channels(), t.options.in_channels() / t.options.groups(),
                                                t.options.kernel_size().h, t.options.kernel_size().w});
    for (const Tensor<double>* p : {&layer.weight().value, &layer.bias().value}) {
      CHECK(p->array().abs().maxCoeff() <= bound);
      CHECK(p->array().abs().maxCoeff() >= 0.8 * bound);
    }
  }
}

TEST_CASE(
    "Conv2d refuses groups that do not divide the channels, non-positive sizes and kernels wider than the input") {
  Rng rng(10);
  CHECK_THROWS_AS(Conv2d<float>(Conv2dOptions(4, 6, 3).groups(4), rng), ValueError);
  CHECK_THROWS_WITH(Conv2d<float>(Conv2dOptions(4, 6, 3).groups(4), rng),
                    Contains("in_channels 4 and out_channels 6 must both be divisible by groups 4"));
  CHECK_THROWS_WITH(Conv2d<float>(Conv2dOptions(3, 6, 3).groups(2), rng), Contains("divisible by groups 2"));
  const std::string positive = "must be positive, padding non-negative";
  for (const Conv2dOptions& bad :
       {Conv2dOptions(0, 4, 3), Conv2dOptions(2, 0, 3), Conv2dOptions(2, 4, 3).groups(0), Conv2dOptions(2, 4, {3, 0}),
        Conv2dOptions(2, 4, {-1, 3}), Conv2dOptions(2, 4, 3).stride({1, 0}), Conv2dOptions(2, 4, 3).stride(-2),
        Conv2dOptions(2, 4, 3).dilation({0, 1}), Conv2dOptions(2, 4, 3).padding({0, -1})}) {
    CHECK_THROWS_AS(Conv2d<float>(bad, rng), ValueError);
    CHECK_THROWS_WITH(Conv2d<float>(bad, rng), Contains(positive));
  }
  CHECK_THROWS_AS(Conv2d<float>(2, 4, 0, rng), ValueError);
  CHECK_THROWS_AS(Conv2d<float>(2, 4, 3, rng, 1, -1), ValueError);

  // The dilated kernel spans d (k - 1) + 1: 5 rows here, one more than the padded input's 4.
  Conv2d<float> dilated(Conv2dOptions(1, 1, {3, 1}).dilation({2, 1}).padding({1, 0}), rng);
  CHECK(dilated.output_shape({1, 1, 3, 3}) == Shape{1, 1, 1, 3});
  CHECK_THROWS_AS(dilated.forward(Tensor<float>({1, 1, 2, 3})), ShapeError);
  CHECK_THROWS_WITH(dilated.forward(Tensor<float>({1, 1, 2, 3})), Contains("smaller than the kernel after padding") &&
                                                                      Contains("spans 5 x 1") &&
                                                                      Contains("padded input 4 x 3"));
  // One short of the kernel with a stride of 2: (4 - 5) / 2 + 1 rounds to 1 output, which must not hide it.
  Conv2d<float> strided(1, 1, 5, rng, 2);
  CHECK_THROWS_AS(strided.forward(Tensor<float>({1, 1, 4, 6})), ShapeError);
  CHECK_THROWS_AS(Conv2d<float>(Conv2dOptions(1, 1, {1, 3}).dilation({1, 3}), rng).output_shape({1, 1, 9, 6}),
                  ShapeError);
}
