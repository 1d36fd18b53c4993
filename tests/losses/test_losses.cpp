#include <catch2/catch.hpp>
#include <cmath>

#include "support/random_tensor.hpp"

using Catch::Matchers::Contains;
using namespace fnn;

TEST_CASE("NLLLoss is the mean negative log-probability of the targets") {
  NLLLoss<double> loss;
  const Tensor<double> logp({2, 3}, {-0.5, -1.0, -2.0, -3.0, -0.1, -4.0});
  CHECK(loss.forward(logp, {0, 1}) == Approx((0.5 + 0.1) / 2));
  const auto& g = loss.backward();
  CHECK(g(0, 0) == -0.5);
  CHECK(g(1, 1) == -0.5);
  CHECK(g.array().abs().sum() == 1.0);
}

TEST_CASE("CrossEntropyLoss equals LogSoftmax followed by NLLLoss, and stays finite for large logits") {
  Rng rng(1);
  const auto logits = test::random_normal({4, 5}, rng);
  const Targets t{0, 4, 2, 2};
  CrossEntropyLoss<double> ce;
  LogSoftmax<double> ls;
  NLLLoss<double> nll;
  CHECK(ce.forward(logits, t) == Approx(nll.forward(ls.forward(logits), t)).epsilon(1e-14));
  const Tensor<double> huge({1, 3}, {1e4, -1e4, 0});
  CHECK(ce.forward(huge, {0}) == Approx(0.0).margin(1e-12));
  CHECK(ce.forward(huge, {1}) == Approx(2e4));
  CHECK(std::isfinite(ce.backward().array().sum()));
}

TEST_CASE("CrossEntropyLoss with label smoothing, worked by hand") {
  // softmax(log 1, log 3) = (1/4, 3/4); target 0; smoothing 0.5 puts 0.75 on class 0 and 0.25 on class 1.
  CrossEntropyLoss<double> ce(0.5);
  const Tensor<double> logits({1, 2}, {0.0, std::log(3.0)});
  CHECK(ce.forward(logits, {0}) == Approx(-(0.75 * std::log(0.25) + 0.25 * std::log(0.75))).epsilon(1e-14));
  CHECK(ce.backward()(0, 0) == Approx(0.25 - 0.75));
  CHECK(ce.backward()(0, 1) == Approx(0.75 - 0.25));
  CHECK_THROWS_WITH(CrossEntropyLoss<double>(1.5), Contains("label_smoothing must be in [0, 1]"));
}

TEST_CASE("Loss gradients match finite differences") {
  Rng rng(2);
  for (auto [n, c] : {std::pair{1, 3}, std::pair{4, 10}, std::pair{7, 2}}) {
    const auto x = test::random_normal({n, c}, rng);
    Targets t;
    for (int i = 0; i < n; ++i) t.push_back(static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(c))));
    CrossEntropyLoss<double> ce;
    const auto r1 = gradcheck_loss(ce, x, t);
    INFO(r1.report());
    CHECK(r1.ok());
    CHECK(r1["input"].nonzero == n * c);
    CrossEntropyLoss<double> smoothed(0.1);
    const auto r3 = gradcheck_loss(smoothed, x, t);
    INFO(r3.report());
    CHECK(r3.ok());
    CHECK(r3["input"].nonzero == n * c);
    NLLLoss<double> nll;
    const auto r2 = gradcheck_loss(nll, x, t);
    INFO(r2.report());
    CHECK(r2.ok());
    CHECK(r2["input"].nonzero == n);
  }
}

TEST_CASE("Losses reject bad targets with the sample and the value") {
  CrossEntropyLoss<float> ce;
  const Tensor<float> x({2, 3});
  CHECK_THROWS_WITH(ce.forward(x, {0, 3}), Contains("target 3 of sample 1 is outside [0, 3)"));
  CHECK_THROWS_WITH(ce.forward(x, {0}), Contains("1 targets for an input of shape [2, 3]"));
  NLLLoss<float> nll;
  CHECK_THROWS_WITH(nll.backward(), Contains("before forward"));
  CHECK_THROWS_WITH(nll.forward(x, {-1, 0}), Contains("target -1 of sample 0"));
}

TEST_CASE("Losses refuse an empty batch, and backward after it does not pass off an older gradient") {
  const Tensor<float> empty({0, 3});
  const Tensor<float> one({1, 3}, {0.5f, -1.0f, 2.0f});
  CrossEntropyLoss<float> ce;
  NLLLoss<float> nll;
  CHECK_THROWS_AS(ce.forward(empty, {}), UsageError);
  CHECK_THROWS_WITH(ce.forward(empty, {}), Contains("CrossEntropyLoss: the batch is empty (input [0, 3])"));
  CHECK_THROWS_WITH(ce.backward(), Contains("after a forward that failed") && !Contains("before forward"));
  CHECK_THROWS_AS(nll.forward(empty, {}), UsageError);
  CHECK_THROWS_WITH(nll.forward(empty, {}), Contains("NLLLoss: the batch is empty (input [0, 3])"));
  ce.forward(one, {2});
  CHECK(ce.backward().shape() == one.shape());
  CHECK_THROWS(ce.forward(empty, {}));
  CHECK_THROWS_WITH(ce.backward(), Contains("after a forward that failed"));
  CHECK_THROWS_WITH(ce.forward(one, {7}), Contains("target 7"));
  CHECK_THROWS_WITH(ce.backward(), Contains("after a forward that failed"));
}

TEST_CASE("A loss of exactly zero is +0, not -0") {
  // The logits are so far apart that every log-probability of a target rounds to exactly 0.
  const Tensor<float> certain({2, 2}, {100.0f, 0.0f, 0.0f, 100.0f});
  CrossEntropyLoss<float> ce;
  const float loss = ce.forward(certain, {0, 1});
  CHECK(loss == 0.0f);
  CHECK_FALSE(std::signbit(loss));
  NLLLoss<double> nll;
  const double nll_loss = nll.forward(Tensor<double>({1, 2}, {0.0, -50.0}), {0});
  CHECK(nll_loss == 0.0);
  CHECK_FALSE(std::signbit(nll_loss));
}
