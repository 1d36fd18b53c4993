// DataParallel against the model it wraps: the same outputs, input gradients and (accumulated)
// parameter gradients on 1, 2 and 3 threads, shares of unequal size included; the replicas follow the
// model's weights from step to step; models that mix samples run alone; errors in a share reach the
// caller.
#include <catch2/catch.hpp>

#include "support/gradcheck_helpers.hpp"
#include "support/random_tensor.hpp"

using Catch::Matchers::Contains;
using namespace fnn;

namespace {

// LeNet's layer kinds at a small size: every layer that computes each sample by itself.
Sequential<double> lenet_kinds(Rng& rng) {
  Sequential<double> m;
  m.add(Conv2d<double>(2, 3, 3, rng, 1, 1));
  m.add(ReLU<double>());
  m.add(MaxPool2d<double>(2));
  m.add(Flatten<double>());
  m.add(Linear<double>(3 * 3 * 4, 5, rng));
  m.add(LogSoftmax<double>());
  return m;
}

struct StepResults {
  Tensor<double> output, grad_input;
  std::vector<Tensor<double>> grads;
};

// forward, then backward of `dy` into gradients that already hold `start` (backward adds to them).
StepResults step_results(Layer<double>& layer, const Tensor<double>& x, const Tensor<double>& dy,
                          const std::vector<Tensor<double>>& start) {
  const auto params = layer.parameters();
  for (std::size_t i = 0; i < params.size(); ++i) params[i].parameter->grad = start[i];
  StepResults p;
  p.output = layer.forward(x);
  p.grad_input = layer.backward(dy);
  for (const auto& ref : params) p.grads.push_back(ref.parameter->grad);
  return p;
}

// The largest difference relative to the largest magnitude of `expected` (at least 1). A share of the
// batch sums its products in another order than the whole batch (Eigen's product blocks a row by where it
// falls among the rows of the call, and the replicas' parameter gradients are added in another order), so
// the two agree to a few units in the last place of the values' magnitude, not absolutely: after a few
// optimizer steps with large gradients the outputs reach hundreds, where one unit is about 1e-13.
double relative_diff(const Tensor<double>& expected, const Tensor<double>& actual) {
  return max_abs_diff(expected, actual) / std::max(1.0, expected.matrix().cwiseAbs().maxCoeff());
}
constexpr double rounding = 1e-13;  // hundreds of units in the last place; a wrong share is off by O(1)

void require_same_step(const StepResults& a, const StepResults& b) {
  CHECK(relative_diff(a.output, b.output) <= rounding);
  CHECK(relative_diff(a.grad_input, b.grad_input) <= rounding);
  REQUIRE(a.grads.size() == b.grads.size());
  for (std::size_t i = 0; i < a.grads.size(); ++i) CHECK(relative_diff(a.grads[i], b.grads[i]) <= rounding);
}

}  // namespace

TEST_CASE("DataParallel gives the model's own results on 1, 2 and 3 threads, step after step") {
  const int threads = GENERATE(1, 2, 3);
  const Index batch = GENERATE(1, 2, 7);
  INFO(threads << " threads, batch " << batch);
  Rng rng(3);
  const auto x = test::random_normal<double>({batch, 2, 6, 8}, rng);
  const auto dy = test::random_normal<double>({batch, 5}, rng);
  Rng model_rng(11), twin_rng(11);
  Sequential<double> model = lenet_kinds(model_rng), twin = lenet_kinds(twin_rng);
  std::vector<Tensor<double>> start;
  for (const auto& ref : model.parameters()) {
    start.push_back(test::random_normal<double>(ref.parameter->grad.shape(), rng));
  }

  set_num_threads(threads);
  DataParallel<double> parallel(twin);
  CHECK(twin.samples_independent());
  CHECK(parallel.parameters().size() == model.parameters().size());
  for (int step = 0; step < 2; ++step) {
    INFO("step " << step);
    const StepResults alone = step_results(model, x, dy, start);
    const StepResults split = step_results(parallel, x, dy, start);
    require_same_step(alone, split);
    CHECK(max_abs_diff(split.grads[0], start[0]) > 1e-6);  // the gradients moved
    // An optimizer's step between the two: the replicas must take the model's new weights.
    const auto model_params = model.parameters(), twin_params = twin.parameters();
    for (std::size_t i = 0; i < model_params.size(); ++i) {
      model_params[i].parameter->value.array() -= 0.1 * alone.grads[i].array();
      twin_params[i].parameter->value = model_params[i].parameter->value;
    }
  }
  model.eval();
  parallel.eval();
  CHECK_FALSE(twin.training());
  CHECK(relative_diff(model.forward(x), parallel.forward(x)) <= rounding);
  // Wrapped again (as fit() wraps every model), the outer wrapper runs the inner one, which splits.
  DataParallel<double> twice(static_cast<Layer<double>&>(parallel));
  CHECK_FALSE(parallel.samples_independent());
  CHECK(relative_diff(model.forward(x), twice.forward(x)) <= rounding);
  set_num_threads(2);
}

TEST_CASE("DataParallel's gradients pass the finite-difference check on two threads") {
  set_num_threads(2);
  Rng rng(8);
  Sequential<double> model = lenet_kinds(rng);
  DataParallel<double> parallel(model);
  const auto x = test::random_normal<double>({5, 2, 6, 8}, rng);
  test::require_dense_parameter_gradients(test::require_gradients_match(parallel, x));
}

TEST_CASE("DataParallel runs a model that mixes samples alone, and one in evaluation mode split") {
  set_num_threads(2);
  Rng rng(9), twin_rng(9);
  auto with_batchnorm = [](Rng& r) {
    Sequential<double> m;
    m.add(Linear<double>(6, 4, r));
    m.add(BatchNorm1d<double>(4));
    m.add(Dropout<double>(0.5, r));
    return m;
  };
  Sequential<double> model = with_batchnorm(rng), twin = with_batchnorm(twin_rng);
  DataParallel<double> parallel(twin);
  CHECK_FALSE(twin.samples_independent());
  const auto x = test::random_normal<double>({10, 6}, rng), dy = test::random_normal<double>({10, 4}, rng);
  // In training mode the statistics and the dropout mask are the whole batch's: the model runs alone.
  CHECK(max_abs_diff(model.forward(x), parallel.forward(x)) == 0.0);
  CHECK(max_abs_diff(model.backward(dy), parallel.backward(dy)) == 0.0);
  // In evaluation mode every sample stands alone: split between the threads, with the running
  // statistics copied into the replica.
  model.eval();
  parallel.eval();
  CHECK(twin.samples_independent());
  CHECK(relative_diff(model.forward(x), parallel.forward(x)) <= rounding);
}

TEST_CASE("DataParallel reports a wrong shape before splitting and a non-finite value from any share") {
  set_num_threads(2);
  Rng rng(10);
  Sequential<double> model = lenet_kinds(rng);
  DataParallel<double> parallel(model);
  CHECK_THROWS_AS(parallel.forward(Tensor<double>({4, 3, 6, 8})), ShapeError);
  CHECK_THROWS_WITH(parallel.backward(Tensor<double>({4, 5})), Contains("backward called before forward"));
  parallel.set_finite_checks(true);
  Tensor<double> x = test::random_normal<double>({4, 2, 6, 8}, rng);
  x[3 * 2 * 6 * 8 + 5] = std::nan("");  // in the last sample: the replica's share
  CHECK_THROWS_AS(parallel.forward(x), NumericalError);
  x[3 * 2 * 6 * 8 + 5] = 0.0;
  CHECK(parallel.forward(x).all_finite());
}
