// MSELoss, L1Loss, SmoothL1Loss, HuberLoss, BCELoss and BCEWithLogitsLoss (targets of the input's shape),
// and CrossEntropyLoss's class weights and sum reduction: values worked out by hand, gradients against
// finite differences on several shapes, and the errors for a bad batch, target or probability.
#include <catch2/catch.hpp>
#include <cmath>
#include <functional>

#include "support/random_tensor.hpp"

using Catch::Matchers::Contains;
using namespace fnn;

namespace {

// A loss of either kind behind one signature, for the tables of cases below.
struct ElementwiseCase {
  std::string name;
  std::function<double(const Tensor<double>&, const Tensor<double>&)> forward;
  std::function<GradcheckResult(const Tensor<double>&, const Tensor<double>&)> gradcheck;
  bool probabilities;  // BCELoss: inputs in (0, 1)
};

template <class Loss>
ElementwiseCase elementwise_case(std::string name, Loss loss, bool probabilities = false) {
  auto shared = std::make_shared<Loss>(std::move(loss));
  return {std::move(name), [shared](const Tensor<double>& x, const Tensor<double>& t) { return shared->forward(x, t); },
          [shared](const Tensor<double>& x, const Tensor<double>& t) { return gradcheck_loss(*shared, x, t); },
          probabilities};
}

std::vector<ElementwiseCase> elementwise_cases() {
  std::vector<ElementwiseCase> cases;
  for (Reduction r : {Reduction::mean, Reduction::sum}) {
    const std::string suffix = " (" + reduction_name(r) + ")";
    cases.push_back(elementwise_case("MSELoss" + suffix, MSELoss<double>(r)));
    cases.push_back(elementwise_case("L1Loss" + suffix, L1Loss<double>(r)));
    cases.push_back(elementwise_case("SmoothL1Loss" + suffix, SmoothL1Loss<double>(r)));
    cases.push_back(elementwise_case("SmoothL1Loss beta 0.5" + suffix, SmoothL1Loss<double>(r, 0.5)));
    cases.push_back(elementwise_case("HuberLoss" + suffix, HuberLoss<double>(r)));
    cases.push_back(elementwise_case("HuberLoss delta 0.3" + suffix, HuberLoss<double>(r, 0.3)));
    cases.push_back(elementwise_case("BCELoss" + suffix, BCELoss<double>(r), true));
    cases.push_back(elementwise_case("BCEWithLogitsLoss" + suffix, BCEWithLogitsLoss<double>(r)));
  }
  return cases;
}

// Inputs x and targets t whose differences are at least 0.05 from 0 (L1Loss's kink), or, for BCELoss,
// probabilities in [0.05, 0.95] and targets in [0, 1].
std::pair<Tensor<double>, Tensor<double>> inputs(const Shape& shape, bool probabilities, Rng& rng) {
  Tensor<double> x(shape), t(shape);
  for (Index i = 0; i < x.numel(); ++i) {
    if (probabilities) {
      x[i] = 0.05 + 0.9 * rng.uniform();
      t[i] = rng.uniform();
    } else {
      t[i] = rng.normal();
      x[i] = t[i] + (rng.bernoulli(0.5) ? 1 : -1) * (0.05 + 2 * rng.uniform());
    }
  }
  return {x, t};
}

}  // namespace

TEST_CASE("Element-wise losses give the values worked out by hand, as means and as sums") {
  // Differences x - t: 0.5, -2, 0.
  const Tensor<double> x({3}, {1.5, -1.0, 3.0}), t({3}, {1.0, 1.0, 3.0});
  MSELoss<double> mse;
  CHECK(mse.forward(x, t) == Approx((0.25 + 4) / 3));
  CHECK(mse.backward()[0] == Approx(2 * 0.5 / 3));
  CHECK(mse.backward()[1] == Approx(2 * -2.0 / 3));
  CHECK(MSELoss<double>(Reduction::sum).forward(x, t) == Approx(4.25));
  L1Loss<double> l1(Reduction::sum);
  CHECK(l1.forward(x, t) == Approx(2.5));
  CHECK(l1.backward()[0] == 1.0);
  CHECK(l1.backward()[1] == -1.0);
  CHECK(l1.backward()[2] == 0.0);  // sign(0) = 0, as torch
  // SmoothL1 (beta 1): 0.5^2 / 2 and 2 - 0.5; Huber (delta 1) the same; Huber delta 0.4: 0.4 (0.5 - 0.2), 0.4 (2 - 0.2).
  SmoothL1Loss<double> smooth(Reduction::sum);
  CHECK(smooth.forward(x, t) == Approx(0.125 + 1.5));
  CHECK(smooth.backward()[0] == Approx(0.5));
  CHECK(smooth.backward()[1] == Approx(-1.0));
  CHECK(HuberLoss<double>(Reduction::sum).forward(x, t) == Approx(0.125 + 1.5));
  HuberLoss<double> huber(Reduction::mean, 0.4);
  CHECK(huber.forward(x, t) == Approx((0.4 * 0.3 + 0.4 * 1.8) / 3));
  CHECK(huber.backward()[1] == Approx(-0.4 / 3));
  // SmoothL1Loss with beta = delta is HuberLoss / delta; beta 0 is L1Loss.
  CHECK(SmoothL1Loss<double>(Reduction::mean, 0.4).forward(x, t) == Approx(huber.forward(x, t) / 0.4));
  CHECK(SmoothL1Loss<double>(Reduction::mean, 0.0).forward(x, t) == Approx(L1Loss<double>().forward(x, t)));
}

TEST_CASE("BCELoss and BCEWithLogitsLoss agree, worked by hand, and BCELoss clamps its logarithms as torch") {
  const Tensor<double> p({2}, {0.8, 0.25}), t({2}, {1.0, 0.0});
  BCELoss<double> bce;
  CHECK(bce.forward(p, t) == Approx(-(std::log(0.8) + std::log(0.75)) / 2));
  CHECK(bce.backward()[0] == Approx((0.8 - 1) / (0.8 * 0.2) / 2));
  const Tensor<double> logits({2}, {std::log(0.8 / 0.2), std::log(0.25 / 0.75)});  // sigmoid gives p
  BCEWithLogitsLoss<double> with_logits;
  CHECK(with_logits.forward(logits, t) == Approx(bce.forward(p, t)).epsilon(1e-12));
  CHECK(with_logits.backward()[0] == Approx((0.8 - 1) / 2));
  CHECK(with_logits.backward()[1] == Approx(0.25 / 2));
  // A certain, wrong prediction costs 100 (log clamped at -100); a certain, right one +0.
  CHECK(BCELoss<double>().forward(Tensor<double>({1}, {0.0}), Tensor<double>({1}, {1.0})) == Approx(100));
  const double right = BCELoss<double>().forward(Tensor<double>({1}, {1.0}), Tensor<double>({1}, {1.0}));
  CHECK(right == 0.0);
  CHECK_FALSE(std::signbit(right));
}

TEST_CASE("BCEWithLogitsLoss weighs each class's positive term by pos_weight and stays finite for large logits") {
  // Two classes, weights 3 and 0.5; sample 0 positive in both, sample 1 negative in both.
  BCEWithLogitsLoss<double> loss(Reduction::sum, {3.0, 0.5});
  CHECK(loss.has_pos_weight());
  const Tensor<double> x({2, 2}, {0.2, -0.7, 1.1, 0.0}), t({2, 2}, {1, 1, 0, 0});
  auto sigmoid = [](double v) { return 1 / (1 + std::exp(-v)); };
  const double expected = -3.0 * std::log(sigmoid(0.2)) - 0.5 * std::log(sigmoid(-0.7)) - std::log(1 - sigmoid(1.1)) -
                          std::log(1 - sigmoid(0.0));
  CHECK(loss.forward(x, t) == Approx(expected).epsilon(1e-12));
  CHECK(loss.backward()(0, 0) == Approx(3.0 * (sigmoid(0.2) - 1)));
  CHECK(loss.backward()(1, 0) == Approx(sigmoid(1.1)));
  CHECK_THROWS_AS(loss.forward(Tensor<double>({2, 3}), Tensor<double>({2, 3})), ShapeError);
  CHECK_THROWS_WITH(loss.forward(Tensor<double>({2, 3}), Tensor<double>({2, 3})),
                    Contains("pos_weight has 2 classes, the input [2, 3] has 3"));

  BCEWithLogitsLoss<float> single;
  const Tensor<float> huge({4}, {1000.0f, -1000.0f, 1000.0f, -1000.0f}), labels({4}, {1, 0, 0, 1});
  CHECK(single.forward(huge, labels) == Approx(500.0f));  // two right (0) and two wrong by 1000 each, over 4
  CHECK(single.backward().all_finite());
}

TEST_CASE("Element-wise losses' gradients match finite differences on several shapes") {
  Rng rng(21);
  for (const ElementwiseCase& c : elementwise_cases()) {
    for (const Shape& shape : {Shape{1, 1}, Shape{4, 3}, Shape{2, 3, 2, 2}}) {
      const auto [x, t] = inputs(shape, c.probabilities, rng);
      const GradcheckResult result = c.gradcheck(x, t);
      INFO(c.name << " on " << shape.str() << "\n" << result.report());
      CHECK(result.ok());
      CHECK(result["input"].nonzero == shape.numel());
    }
  }
  // pos_weight on the classes of [N, C] and of the last axis of [N, C, H, W], as torch broadcasts it.
  for (const Shape& shape : {Shape{5, 3}, Shape{2, 4, 2, 3}}) {
    std::vector<double> weights;
    for (Index c = 0; c < shape[shape.rank() - 1]; ++c) weights.push_back(0.5 + rng.uniform() * 3);
    BCEWithLogitsLoss<double> weighted(Reduction::mean, weights);
    const auto [x, t] = inputs(shape, false, rng);
    const GradcheckResult result = gradcheck_loss(weighted, x, t);
    INFO("BCEWithLogitsLoss with pos_weight on " << shape.str() << "\n" << result.report());
    CHECK(result.ok());
    CHECK(result["input"].nonzero == shape.numel());
  }
}

TEST_CASE("Element-wise losses refuse an empty batch, a target of another shape and bad settings") {
  const Tensor<float> empty({0, 3}), x({2, 3}), other({3, 2});
  MSELoss<float> mse;
  CHECK_THROWS_WITH(mse.backward(), Contains("MSELoss: backward called before forward"));
  CHECK_THROWS_AS(mse.forward(empty, empty), UsageError);
  CHECK_THROWS_WITH(mse.forward(empty, empty), Contains("MSELoss: the batch is empty (input [0, 3])"));
  CHECK_THROWS_AS(mse.forward(x, other), ShapeError);
  CHECK_THROWS_WITH(mse.forward(x, other), Contains("MSELoss") && Contains("[2, 3]") && Contains("[3, 2]"));
  CHECK_THROWS_AS(mse.forward(Tensor<float>(), Tensor<float>()), ShapeError);
  CHECK_THROWS_AS(L1Loss<float>().forward(empty, empty), UsageError);
  CHECK_THROWS_AS(SmoothL1Loss<float>().forward(x, other), ShapeError);
  CHECK_THROWS_AS(HuberLoss<float>(Reduction::sum).forward(empty, empty), UsageError);
  CHECK_THROWS_AS(BCEWithLogitsLoss<float>().forward(x, other), ShapeError);
  CHECK_THROWS_WITH(BCELoss<float>().forward(empty, empty), Contains("BCELoss: the batch is empty"));
  CHECK_THROWS_AS(SmoothL1Loss<float>(Reduction::mean, -1.0), ValueError);
  CHECK_THROWS_WITH(HuberLoss<float>(Reduction::mean, 0.0), Contains("delta must be positive"));
  // After a forward that failed, backward does not hand back the batch before's gradient.
  mse.forward(x, x);
  CHECK(mse.backward().shape() == x.shape());
  CHECK_THROWS(mse.forward(x, other));
  CHECK_THROWS_WITH(mse.backward(), Contains("after a forward that failed"));
}

TEST_CASE("BCELoss refuses a probability below 0 or above 1, naming the element") {
  BCELoss<double> bce;
  const Tensor<double> t({3}, {0, 1, 1});
  CHECK_THROWS_AS(bce.forward(Tensor<double>({3}, {0.5, 1.5, 0.2}), t), ValueError);
  CHECK_THROWS_WITH(bce.forward(Tensor<double>({3}, {0.5, 1.5, 0.2}), t), Contains("element 1 is 1.5"));
  CHECK_THROWS_WITH(bce.forward(Tensor<double>({3}, {0.5, 0.5, -0.01}), t), Contains("element 2 is -0.01"));
  CHECK_THROWS_WITH(bce.forward(Tensor<double>({3}, {std::nan(""), 0.5, 0.5}), t), Contains("element 0 is nan"));
  CHECK_THROWS_WITH(bce.backward(), Contains("after a forward that failed"));
  CHECK_NOTHROW(bce.forward(Tensor<double>({3}, {0.0, 1.0, 0.5}), t));
}

TEST_CASE("CrossEntropyLoss with class weights divides by the targets' weights, and sums with reduction sum") {
  Rng rng(22);
  const auto logits = test::random_normal({4, 3}, rng);
  const Targets t{0, 2, 2, 1};
  LogSoftmax<double> ls;
  const Tensor<double> lp = ls.forward(logits);
  const std::vector<double> w{0.5, 2.0, 1.5};
  double weighted = 0, weights = 0, plain = 0;
  for (Index n = 0; n < 4; ++n) {
    const auto c = static_cast<std::size_t>(t[static_cast<std::size_t>(n)]);
    weighted -= w[c] * lp(n, t[static_cast<std::size_t>(n)]);
    weights += w[c];
    plain -= lp(n, t[static_cast<std::size_t>(n)]);
  }
  CrossEntropyLoss<double> mean(w);
  CHECK(mean.forward(logits, t) == Approx(weighted / weights).epsilon(1e-14));
  CrossEntropyLoss<double> sum(w, Reduction::sum);
  CHECK(sum.forward(logits, t) == Approx(weighted).epsilon(1e-14));
  CHECK(max_abs_diff(sum.backward(), [&] {
          Tensor<double> g = mean.backward();
          g.array() *= weights;
          return g;
        }()) < 1e-14);
  CrossEntropyLoss<double> unweighted_sum({}, Reduction::sum);
  CHECK(unweighted_sum.forward(logits, t) == Approx(plain).epsilon(1e-14));
  CHECK(CrossEntropyLoss<double>({1.0, 1.0, 1.0}).forward(logits, t) == Approx(plain / 4).epsilon(1e-14));

  CHECK_THROWS_AS(CrossEntropyLoss<double>({1.0, -1.0}), ValueError);
  CHECK_THROWS_AS(mean.forward(test::random_normal({2, 4}, rng), {0, 1}), ShapeError);
  CHECK_THROWS_WITH(mean.forward(test::random_normal({2, 4}, rng), {0, 1}), Contains("3 class weights for logits of 4"));
  CHECK_THROWS_WITH(CrossEntropyLoss<double>({0.0, 1.0, 1.0}).forward(logits, {0, 0, 0, 0}), Contains("sum to 0"));
}

TEST_CASE("CrossEntropyLoss's gradients with class weights, label smoothing and either reduction match finite differences") {
  Rng rng(23);
  for (auto [n, c] : {std::pair{1, 3}, std::pair{5, 4}, std::pair{7, 2}}) {
    const auto x = test::random_normal({n, c}, rng);
    Targets t;
    for (int i = 0; i < n; ++i) t.push_back(static_cast<std::int32_t>(rng.below(static_cast<std::uint64_t>(c))));
    std::vector<double> w;
    for (int k = 0; k < c; ++k) w.push_back(0.2 + 2 * rng.uniform());
    for (Reduction r : {Reduction::mean, Reduction::sum}) {
      for (double smoothing : {0.0, 0.2}) {
        CrossEntropyLoss<double> loss(w, r, smoothing);
        const auto result = gradcheck_loss(loss, x, t);
        INFO(n << "x" << c << ", " << reduction_name(r) << ", smoothing " << smoothing << "\n" << result.report());
        CHECK(result.ok());
        CHECK(result["input"].nonzero == n * c);
      }
    }
  }
}
