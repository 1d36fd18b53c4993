// AvgPool2d, AdaptiveAvgPool2d and MaxPool2d's padding: forward cases worked out by hand, PyTorch's
// window formulas, gradients by finite differences.
#include <catch2/catch.hpp>
#include <tuple>
#include <vector>

#include "support/gradcheck_helpers.hpp"
#include "support/random_tensor.hpp"

using Catch::Matchers::Contains;
using namespace fnn;

namespace pooling_test {

// [1, 1, h, w] holding 1, 2, 3, ... row by row.
Tensor<double> counting(Index h, Index w) {
  Tensor<double> x({1, 1, h, w});
  for (Index i = 0; i < x.numel(); ++i) x[i] = static_cast<double>(i + 1);
  return x;
}

std::vector<double> values(const Tensor<double>& t) { return {t.begin(), t.end()}; }

}  // namespace pooling_test

using namespace pooling_test;

TEST_CASE("AvgPool2d averages each window, the padding counted or not") {
  AvgPool2d<double> pool(2);
  CHECK(pool.name() == "AvgPool2d(kernel_size=2, stride=2, padding=0)");
  // 1 2 3 4 / 5 6 7 8 / 9 10 11 12 / 13 14 15 16
  CHECK(values(pool.forward(counting(4, 4))) == std::vector<double>{3.5, 5.5, 11.5, 13.5});
  const auto& dx = pool.backward(Tensor<double>({1, 1, 2, 2}, {4, 8, 12, 16}));
  CHECK(dx(0, 0, 0, 0) == 1);
  CHECK(dx(0, 0, 1, 3) == 2);
  CHECK(dx(0, 0, 3, 0) == 3);

  // 3 x 3 windows, stride 2, padding 1 on 1 2 3 / 4 5 6 / 7 8 9: output (0, 0) covers 1 2 / 4 5 and
  // five padding zeros, (1, 1) covers 5 6 / 8 9.
  AvgPool2d<double> with_zeros(3, 2, 1);
  CHECK(values(with_zeros.forward(counting(3, 3))) == std::vector<double>{12.0 / 9, 16.0 / 9, 24.0 / 9, 28.0 / 9});
  AvgPool2d<double> inside_only(3, 2, 1, false);
  CHECK(inside_only.name() == "AvgPool2d(kernel_size=3, stride=2, padding=1, count_include_pad=False)");
  CHECK(values(inside_only.forward(counting(3, 3))) == std::vector<double>{3, 4, 6, 7});
  const auto& d = inside_only.backward(Tensor<double>({1, 1, 2, 2}, {4, 0, 0, 0}));
  CHECK(values(d) == std::vector<double>{1, 1, 0, 1, 1, 0, 0, 0, 0});

  CHECK(AvgPool2d<float>(3, 1, 1).output_shape({2, 5, 7, 6}) == Shape{2, 5, 7, 6});
  CHECK_THROWS_AS(AvgPool2d<float>(2, 2, 2), ValueError);  // padding above half the kernel, as PyTorch
  CHECK_THROWS_WITH(AvgPool2d<float>(3).output_shape({1, 1, 2, 5}), Contains("smaller than the window"));
}

TEST_CASE("AvgPool2d gradients match finite differences") {
  Rng rng(1);
  for (auto [k, s, p, include_pad, shape] : {std::tuple{Index(2), Index(0), Index(0), true, Shape{1, 1, 4, 4}},
                                             std::tuple{Index(3), Index(2), Index(1), true, Shape{2, 3, 7, 6}},
                                             std::tuple{Index(3), Index(2), Index(1), false, Shape{2, 2, 5, 5}},
                                             std::tuple{Index(2), Index(1), Index(1), false, Shape{3, 2, 4, 5}}}) {
    AvgPool2d<double> pool(k, s, p, include_pad);
    const auto result = test::require_gradients_match(pool, test::random_normal(shape, rng));
    CHECK(result["input"].nonzero == shape.numel());  // stride <= kernel: every element is in a window
  }
  AvgPool2d<double> gaps(2, 3);  // stride above the kernel: every third row and column is in no window
  const auto result = test::require_gradients_match(gaps, test::random_normal({2, 1, 8, 8}, rng));
  CHECK(result["input"].nonzero == 2 * 6 * 6);
}

TEST_CASE("AdaptiveAvgPool2d follows PyTorch's windows, global average pooling at (1, 1)") {
  AdaptiveAvgPool2d<double> pool(3, 1);
  CHECK(pool.name() == "AdaptiveAvgPool2d(output_size=(3, 1))");
  // Five rows to three: [0, 2), [1, 4), [3, 5), overlapping; one column: the whole width.
  const auto& y = pool.forward(counting(5, 2));  // row sums 3, 7, 11, 15, 19
  CHECK(values(y) == std::vector<double>{10.0 / 4, 33.0 / 6, 34.0 / 4});
  const auto& dx = pool.backward(Tensor<double>({1, 1, 3, 1}, {4, 6, 4}));
  CHECK(values(dx) == std::vector<double>{1, 1, 2, 2, 1, 1, 2, 2, 1, 1});

  AdaptiveAvgPool2d<double> global(1);
  Rng rng(2);
  const Tensor<double> x = test::random_normal({2, 3, 4, 5}, rng);
  const auto& mean = global.forward(x);
  REQUIRE(mean.shape() == Shape{2, 3, 1, 1});
  for (Index n = 0; n < 2; ++n)
    for (Index c = 0; c < 3; ++c) {
      double sum = 0;
      for (Index i = 0; i < 20; ++i) sum += x.data()[(n * 3 + c) * 20 + i];
      CHECK(mean(n, c, 0, 0) == Approx(sum / 20));
    }
  // Any input size: an output larger than the input repeats its pixels.
  CHECK(AdaptiveAvgPool2d<float>(4, 4).output_shape({1, 2, 3, 9}) == Shape{1, 2, 4, 4});
  CHECK_THROWS_AS(AdaptiveAvgPool2d<float>(0, 2), ValueError);
}

TEST_CASE("AdaptiveAvgPool2d gradients match finite differences") {
  Rng rng(3);
  for (auto [ho, wo, shape] : {std::tuple{Index(1), Index(1), Shape{2, 3, 4, 4}},
                               std::tuple{Index(3), Index(2), Shape{1, 2, 7, 5}},
                               std::tuple{Index(4), Index(4), Shape{2, 1, 3, 6}}}) {
    AdaptiveAvgPool2d<double> pool(ho, wo);
    const auto result = test::require_gradients_match(pool, test::random_normal(shape, rng));
    CHECK(result["input"].nonzero == shape.numel());
  }
}

TEST_CASE("MaxPool2d with padding: the padding never wins, and gradients match finite differences") {
  MaxPool2d<double> pool(3, 2, 1);
  CHECK(pool.name() == "MaxPool2d(kernel_size=3, stride=2, padding=1)");
  CHECK(MaxPool2d<double>(2).name() == "MaxPool2d(kernel_size=2, stride=2)");
  // All values negative: a zero padding would win every window, -infinity none.
  Tensor<double> x = counting(3, 3);
  x.array() = -x.array();  // -1 -2 -3 / -4 -5 -6 / -7 -8 -9
  CHECK(values(pool.forward(x)) == std::vector<double>{-1, -2, -4, -5});
  CHECK(values(pool.backward(Tensor<double>({1, 1, 2, 2}, {1, 2, 3, 4}))) ==
        std::vector<double>{1, 2, 0, 3, 4, 0, 0, 0, 0});
  CHECK(pool.output_shape({2, 4, 28, 28}) == Shape{2, 4, 14, 14});
  CHECK_THROWS_AS(MaxPool2d<float>(3, 1, 2), ValueError);

  Rng rng(4);
  for (auto [k, s, p, shape] : {std::tuple{Index(3), Index(2), Index(1), Shape{2, 2, 7, 6}},
                                std::tuple{Index(2), Index(1), Index(1), Shape{1, 3, 4, 5}},
                                std::tuple{Index(3), Index(1), Index(1), Shape{2, 1, 5, 5}}}) {
    MaxPool2d<double> padded(k, s, p);
    const auto result = test::require_gradients_match(padded, test::distinct_values(shape, rng));
    CHECK(result["input"].nonzero >= 1);
  }
}
