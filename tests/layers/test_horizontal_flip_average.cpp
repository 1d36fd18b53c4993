#include <catch2/catch.hpp>

#include "support/gradcheck_helpers.hpp"
#include "support/random_tensor.hpp"

using Catch::Matchers::Contains;
using namespace fnn;

namespace {

Sequential<double> small_cnn(Rng& rng) {
  Sequential<double> m;
  m.add(Conv2d<double>(2, 3, 3, rng, 1, 1));
  m.add(ReLU<double>());
  m.add(Flatten<double>());
  m.add(Linear<double>(3 * 4 * 5, 4, rng));
  return m;
}

}  // namespace

TEST_CASE("HorizontalFlipAverage averages the model over the images and their mirror images") {
  Rng rng(1);
  // One row of two pixels into Linear(2, 1): w0 x0 + w1 x1 + b, mirrored w0 x1 + w1 x0 + b.
  Sequential<double> linear;
  linear.add(Flatten<double>());
  linear.add(Linear<double>(2, 1, rng));
  const double w0 = linear.parameters()[0].parameter->value[0], w1 = linear.parameters()[0].parameter->value[1];
  const double b = linear.parameters()[1].parameter->value[0];
  HorizontalFlipAverage<double> tta(linear);
  tta.eval();
  CHECK_FALSE(linear.training());
  const Tensor<double> x({1, 1, 1, 2}, {3.0, -1.0});
  CHECK(tta.forward(x)[0] == Approx(((w0 + w1) * 3.0 + (w0 + w1) * -1.0) / 2 + b).epsilon(1e-14));

  auto cnn = small_cnn(rng);
  HorizontalFlipAverage<double> wrapped(cnn);
  const auto images = test::random_normal<double>({3, 2, 4, 5}, rng);
  Tensor<double> mirrored(images.shape());
  for (Index i = 0; i < images.numel(); ++i) mirrored[i] = images[i - i % 5 + (4 - i % 5)];
  wrapped.eval();
  const Tensor<double> averaged = wrapped.forward(images);
  Tensor<double> expected = cnn.forward(images);
  expected.array() = 0.5 * (expected.array() + cnn.forward(mirrored).array());
  CHECK(max_abs_diff(averaged, expected) < 1e-14);
  CHECK(max_abs_diff(averaged, cnn.forward(images)) > 1e-3);  // the mirror changes the output
  CHECK_THROWS_WITH(wrapped.backward(averaged), Contains("backward is defined in training mode only"));
}

TEST_CASE("HorizontalFlipAverage in training mode is the model, gradients included") {
  Rng rng(2);
  auto cnn = small_cnn(rng);
  HorizontalFlipAverage<double> wrapped(cnn);
  CHECK(wrapped.parameters().size() == cnn.parameters().size());
  for (Index n : {1, 3}) {
    const auto x = test::random_normal<double>({n, 2, 4, 5}, rng);
    const auto result = test::require_gradients_match(wrapped, x);
    for (const auto& g : result.gradients) CHECK(g.nonzero > 0);
    CHECK(max_abs_diff(wrapped.forward(x), cnn.forward(x)) == 0.0);
  }
}
