#include <catch2/catch.hpp>

#include <cmath>

#include <fnn/fnn.hpp>

using fnn::Shape;
using fnn::Tensor;

TEST_CASE("top_k returns the most likely classes with softmax probabilities", "[metrics][top_k]") {
  // log(1), log(2), log(4), log(3): probabilities 0.1, 0.2, 0.4, 0.3.
  const Tensor<double> logits(Shape{2, 4}, {0.0, std::log(2.0), std::log(4.0), std::log(3.0),  //
                                            9.0, 0.0, 0.0, 0.0});
  const auto top = fnn::metrics::top_k(logits, 0, 3);
  REQUIRE(top.size() == 3);
  CHECK(top[0].label == 2);
  CHECK(top[0].probability == Approx(0.4));
  CHECK(top[1].label == 3);
  CHECK(top[1].probability == Approx(0.3));
  CHECK(top[2].label == 1);
  CHECK(top[2].probability == Approx(0.2));

  // Row 1: the three zeros tie and keep their class order.
  const auto tie = fnn::metrics::top_k(logits, 1, 4);
  CHECK(tie[0].label == 0);
  CHECK(tie[1].label == 1);
  CHECK(tie[2].label == 2);
  CHECK(tie[3].label == 3);
  double sum = 0;
  for (const auto& cp : tie) sum += cp.probability;
  CHECK(sum == Approx(1.0));
}

TEST_CASE("top_k is the same for logits, shifted logits and log-probabilities", "[metrics][top_k]") {
  Tensor<float> logits(Shape{1, 10}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
  Tensor<float> shifted = logits, log_probs;
  shifted.array() += 1000.0f;  // would overflow exp() without subtracting the maximum
  fnn::log_softmax_rows(logits, log_probs);
  const auto a = fnn::metrics::top_k(logits, 0, 3);
  const auto b = fnn::metrics::top_k(shifted, 0, 3);
  const auto c = fnn::metrics::top_k(log_probs, 0, 3);
  for (std::size_t k = 0; k < 3; ++k) {
    CHECK(a[k].label == 9 - static_cast<int>(k));
    CHECK(b[k].label == a[k].label);
    CHECK(c[k].label == a[k].label);
    CHECK(std::isfinite(b[k].probability));
    CHECK(b[k].probability == Approx(a[k].probability).epsilon(1e-5));
    CHECK(c[k].probability == Approx(a[k].probability).epsilon(1e-5));
  }
  // p_9 = e^10 / sum_{i=1}^{10} e^i = (1 - e^-1) / (1 - e^-10).
  CHECK(a[0].probability == Approx((1 - std::exp(-1.0)) / (1 - std::exp(-10.0))).epsilon(1e-5));
}

TEST_CASE("top_k checks k and the row", "[metrics][top_k]") {
  const Tensor<float> logits(Shape{2, 3});
  CHECK_THROWS_AS(fnn::metrics::top_k(logits, 0, 0), fnn::ValueError);
  CHECK_THROWS_AS(fnn::metrics::top_k(logits, 0, 4), fnn::ValueError);
  CHECK_THROWS_AS(fnn::metrics::top_k(logits, 2, 1), fnn::ValueError);
  CHECK_THROWS_AS(fnn::metrics::top_k(Tensor<float>(Shape{3}), 0, 1), fnn::ShapeError);
  CHECK(fnn::metrics::top_k(logits, 1, 3).size() == 3);
}
