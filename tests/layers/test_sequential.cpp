#include <catch2/catch.hpp>
#include <cmath>
#include <map>

#include "support/gradcheck_helpers.hpp"
#include "support/random_tensor.hpp"

using namespace fnn;

// Every layer checked stacked behind another: the gradient must also flow correctly into its input.
TEST_CASE("Stacked layers: gradients of whole models match finite differences") {
  Rng rng(1);
  SECTION("CNN: conv, batchnorm, relu, pool, flatten, linear, dropout, log-softmax") {
    Sequential<double> m;
    m.add(Conv2d<double>(2, 3, 3, rng, 1, 1));
    m.add(BatchNorm2d<double>(3));
    m.add(ReLU<double>());
    m.add(MaxPool2d<double>(2));
    m.add(Conv2d<double>(3, 2, 2, rng, 2, 0));
    m.add(Flatten<double>());
    m.add(Linear<double>(2 * 2 * 2, 6, rng));
    m.add(BatchNorm1d<double>(6));
    m.add(Dropout<double>(0.2, rng)).freeze_mask(true);
    m.add(Linear<double>(6, 4, rng));
    m.add(LogSoftmax<double>());
    const auto result = test::require_gradients_match(m, test::random_normal({3, 2, 8, 8}, rng));
    CHECK(result.gradients.size() == 1 + 12);  // input, then weight and bias of six layers
    CHECK(result["input"].nonzero > 0);
    CHECK(result["9.weight"].nonzero > 0);
  }
  SECTION("MLP behind a flatten, batch of one") {
    Sequential<double> m;
    m.add(Flatten<double>());
    m.add(Linear<double>(12, 5, rng));
    m.add(ReLU<double>());
    m.add(Linear<double>(5, 3, rng));
    test::require_gradients_match(m, test::random_normal({1, 3, 2, 2}, rng));
  }
  SECTION("nested Sequential") {
    Sequential<double> inner;
    inner.add(Linear<double>(4, 4, rng));
    inner.add(ReLU<double>());
    Sequential<double> outer;
    outer.add(std::move(inner));
    outer.add(Linear<double>(4, 2, rng));
    const auto result = test::require_gradients_match(outer, test::random_normal({2, 4}, rng));
    CHECK(result["0.0.weight"].numel == 16);
  }
}
