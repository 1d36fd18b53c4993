// Dropout2d: whole channels dropped in training at the rate p, the mask applied alike in backward, the
// identity in evaluation, gradients against finite differences with the mask frozen.
#include <catch2/catch.hpp>
#include <cmath>

#include "support/gradcheck_helpers.hpp"
#include "support/random_tensor.hpp"

using Catch::Matchers::Contains;
using namespace fnn;

namespace {

// The number of feature maps [n, c] of `y` that are zero throughout; CHECKs that every other map is
// `x`'s times 1 / (1 - p).
Index dropped_maps(const Tensor<double>& x, const Tensor<double>& y, double p) {
  const Index maps = x.size(0) * x.size(1), plane = x.numel() / maps;
  Index dropped = 0;
  for (Index m = 0; m < maps; ++m) {
    const auto xs = segment(x, m * plane, (m + 1) * plane), ys = segment(y, m * plane, (m + 1) * plane);
    if ((ys == 0).all()) {
      ++dropped;
    } else {
      CHECK(((ys - xs / (1 - p)).abs() < 1e-12).all());
    }
  }
  return dropped;
}

}  // namespace

TEST_CASE("Dropout2d zeroes whole channels at the rate p and scales the others by 1 / (1 - p)") {
  Rng rng(1);
  const Index maps = 100 * 50;
  const Tensor<double> ones({100, 50, 2, 3}, 1.0);
  for (double p : {0.1, 0.25, 0.5, 0.9}) {
    Dropout2d<double> drop(p, rng);
    const auto& y = drop.forward(ones);
    // The count of dropped maps is binomial: within 4 standard deviations of its mean.
    const double mean = p * maps, deviation = std::sqrt(maps * p * (1 - p));
    const Index dropped = dropped_maps(ones, y, p);
    INFO("p = " << p << ", " << dropped << " of " << maps << " maps dropped");
    CHECK(std::abs(static_cast<double>(dropped) - mean) <= 4 * deviation);
    CHECK(y.array().mean() == Approx(1.0).margin(4 * deviation / maps / (1 - p)));
    REQUIRE(drop.mask().shape() == Shape{100, 50});
  }
  Dropout2d<double> all(1.0, rng);
  CHECK((all.forward(ones).array() == 0).all());
  CHECK((all.backward(ones).array() == 0).all());
}

TEST_CASE("Dropout2d's backward applies the forward's channel mask to the gradient") {
  Rng rng(2);
  Dropout2d<double> drop(0.5, rng);
  const auto x = test::random_normal({4, 6, 2, 3}, rng);
  const auto dy = test::random_normal({4, 6, 2, 3}, rng);
  const Tensor<double> y = drop.forward(x);
  const auto& dx = drop.backward(dy);
  const Tensor<double>& mask = drop.mask();
  Index zeros = 0;
  for (Index n = 0; n < 4; ++n)
    for (Index c = 0; c < 6; ++c) {
      zeros += mask(n, c) == 0;
      for (Index h = 0; h < 2; ++h)
        for (Index w = 0; w < 3; ++w) {
          CHECK(dx(n, c, h, w) == dy(n, c, h, w) * mask(n, c));
          CHECK(y(n, c, h, w) == x(n, c, h, w) * mask(n, c));
        }
    }
  CHECK(zeros > 0);
  CHECK(zeros < 24);
}

TEST_CASE("Dropout2d is the identity in evaluation mode and with p = 0") {
  Rng rng(3);
  const auto x = test::random_normal({2, 3, 4, 4}, rng);
  Dropout2d<double> drop(rng);
  CHECK(drop.p() == 0.5);
  CHECK(drop.name() == "Dropout2d(p=0.5)");
  CHECK_FALSE(drop.samples_independent());
  drop.eval();
  CHECK(drop.samples_independent());
  CHECK(max_abs_diff(drop.forward(x), x) == 0.0);
  CHECK(max_abs_diff(drop.backward(x), x) == 0.0);
  CHECK(drop.mask().rank() == 0);
  Dropout2d<double> none(0.0, rng);
  CHECK(max_abs_diff(none.forward(x), x) == 0.0);
}

TEST_CASE("Dropout2d draws a new mask each step unless frozen, reproducibly from the seed") {
  Rng a(4), b(4);
  Dropout2d<double> da(0.5, a), db(0.5, b);
  const Tensor<double> x({8, 8, 2, 2}, 1.0);
  const Tensor<double> first = da.forward(x);
  CHECK(max_abs_diff(first, db.forward(x)) == 0.0);
  CHECK(max_abs_diff(first, da.forward(x)) > 0.0);
  da.freeze_mask(true);
  const Tensor<double> frozen = da.forward(x);
  CHECK(max_abs_diff(frozen, da.forward(x)) == 0.0);
  REQUIRE(da.generators().size() == 1);
  CHECK(da.generators()[0].name == "generator");
}

TEST_CASE("Dropout2d refuses a p below 0 or above 1, and an input of rank other than 4") {
  Rng rng(5);
  CHECK_THROWS_AS(Dropout2d<double>(1.5, rng), ValueError);
  CHECK_THROWS_WITH(Dropout2d<double>(-0.1, rng), Contains("p must be in [0, 1]"));
  Dropout2d<double> drop(0.5, rng);
  CHECK_THROWS_AS(drop.forward(Tensor<double>({4, 6})), ShapeError);
  CHECK_THROWS_WITH(drop.forward(Tensor<double>({4, 6})), Contains("[N, C, H, W]") && Contains("[4, 6]"));
}

TEST_CASE("Dropout2d gradients match finite differences with the mask frozen, alone and behind a Conv2d") {
  Rng rng(6);
  for (const Shape& shape : {Shape{1, 4, 2, 2}, Shape{3, 4, 3, 3}, Shape{2, 5, 1, 4}}) {
    Dropout2d<double> drop(0.4, rng);
    drop.freeze_mask(true);
    const auto x = test::random_normal(shape, rng);
    const auto result = test::require_gradients_match(drop, x);
    const Index kept = (drop.forward(x).array() != 0).count();
    CHECK(result["input"].nonzero == kept);
    CHECK(kept % (shape[2] * shape[3]) == 0);  // whole maps
    CHECK(kept < shape.numel());
  }
  Sequential<double> model;
  model.add(Conv2d<double>(2, 4, 3, rng, 1, 1));
  model.add(Dropout2d<double>(0.5, rng)).freeze_mask(true);
  const auto result = test::require_gradients_match(model, test::random_normal({2, 2, 4, 4}, rng));
  CHECK(result["0.weight"].nonzero > 0);
}
