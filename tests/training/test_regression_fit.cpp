// fit, evaluate and predict on a TensorDataset: regression with float targets, classification of feature vectors, and
// the refusal of a loss that takes the other kind of target.
#include <catch2/catch.hpp>
#include <fnn/fnn.hpp>

#include "support/temp_folder.hpp"

using Catch::Matchers::Contains;
using namespace fnn;

namespace {

// y = A x + b + noise for 3 features and 2 targets, with x uniform in [-1, 1).
data::TensorDataset<float> linear_problem(Index n, Rng& rng, double noise) {
  Tensor<float> x(Shape{n, 3}), y(Shape{n, 2});
  for (Index i = 0; i < n; ++i) {
    for (Index f = 0; f < 3; ++f) x(i, f) = static_cast<float>(2 * rng.uniform() - 1);
    y(i, 0) = static_cast<float>(1.5 * x(i, 0) - 2 * x(i, 1) + 0.5 + noise * (2 * rng.uniform() - 1));
    y(i, 1) = static_cast<float>(x(i, 2) - 1 + noise * (2 * rng.uniform() - 1));
  }
  return data::TensorDataset<float>(std::move(x), std::move(y));
}

struct RegressionRun {
  Rng rng{4};
  data::TensorDataset<float> train_set = linear_problem(256, rng, 0.05);
  data::TensorDataset<float> test_set = linear_problem(128, rng, 0.05);
  data::TensorLoader<float> train{train_set, {32, true}, rng};
  data::TensorLoader<float> test{test_set, {64}};
  Linear<float> model{3, 2, rng};
  MSELoss<float> loss;
  SGD<float> optimizer{model.parameters(), SGDOptions().lr(0.1).momentum(0.9)};
  train::FitOptions<float> options;

  RegressionRun() {
    options.epochs = 20;
    options.test = &test;
  }
  train::History fit() { return train::fit(model, loss, optimizer, train, options); }
};

}  // namespace

TEST_CASE("fit trains a regression on float targets and reports MSE, MAE and R^2") {
  RegressionRun run;
  const train::History history = run.fit();
  const train::PassResult& first = history.rows().front().test;
  const train::PassResult& last = history.last().test;
  REQUIRE(last.regression());
  CHECK(std::isnan(last.accuracy));
  CHECK(last.count == 128);
  // The noise is uniform in +-0.05: its variance 0.05^2 / 3 bounds the MSE a perfect fit reaches.
  CHECK(last.mse < 0.002);
  CHECK(last.r2 > 0.995);
  CHECK(first.r2 < last.r2);
  CHECK(last.loss == Approx(last.mse).epsilon(1e-5));  // MSELoss's mean is the MSE over every element

  // The same figures from evaluate, and from the predicted values computed here.
  data::TensorLoader<float> again(run.test_set, {50});
  const train::PassResult evaluated = train::evaluate(run.model, run.loss, again);
  CHECK(evaluated.mse == Approx(last.mse).epsilon(1e-6));
  const Tensor<float> predicted = train::predict_outputs(run.model, again);
  REQUIRE(predicted.shape() == Shape({128, 2}));
  metrics::RegressionMeter meter;
  meter.add(predicted, run.test_set.values());
  CHECK(meter.r2() == Approx(last.r2).epsilon(1e-6));
  CHECK(meter.mae() == Approx(last.mae).epsilon(1e-6));

  const std::string line = train::epoch_line(history.last(), 20);
  CHECK_THAT(line, Contains("R2 0.99") && Contains("samples/s") && !Contains("acc"));
  const std::string csv = history.csv();
  CHECK_THAT(csv, Contains("test_r2") && Contains("samples_per_second"));
}

TEST_CASE(
    "a regression run resumed from its checkpoint ends as the "
    "uninterrupted one") {
  test::TempFolder dir;
  RegressionRun whole, first_part, resumed;
  const train::History uninterrupted = whole.fit();
  first_part.options.epochs = 8;
  first_part.options.checkpoint = dir.file("run.checkpoint");
  first_part.fit();
  resumed.options.checkpoint = dir.file("run.checkpoint");
  resumed.options.resume = true;
  const train::History history = resumed.fit();
  CHECK(max_abs_diff(resumed.model.weight().value, whole.model.weight().value) == 0.0f);
  CHECK(history.rows().size() == 20);
  CHECK(history.rows()[3].test.r2 == uninterrupted.rows()[3].test.r2);  // the earlier epochs, from the checkpoint
  CHECK(history.last().test.r2 == uninterrupted.last().test.r2);
}

TEST_CASE("fit classifies feature vectors of a TensorDataset") {
  // Two classes of points on either side of the plane x0 + x1 = 0.
  Rng rng(9);
  Tensor<float> x(Shape{200, 2});
  Targets labels(200);
  for (Index i = 0; i < 200; ++i) {
    x(i, 0) = static_cast<float>(2 * rng.uniform() - 1);
    x(i, 1) = static_cast<float>(2 * rng.uniform() - 1);
    labels[static_cast<std::size_t>(i)] = x(i, 0) + x(i, 1) > 0 ? 1 : 0;
  }
  const data::TensorDataset<float> set(std::move(x), std::move(labels));
  data::TensorLoader<float> loader(set, {20, true}, rng);
  Sequential<float> model;
  model.add(Linear<float>(2, 8, rng));
  model.add(ReLU<float>());
  model.add(Linear<float>(8, 2, rng));
  CrossEntropyLoss<float> loss;
  Adam<float> optimizer(model.parameters(), AdamOptions().lr(0.05));
  train::FitOptions<float> options;
  options.epochs = 15;
  const train::History history = train::fit(model, loss, optimizer, loader, options);
  CHECK(history.last().train.accuracy > 0.95);
  CHECK_FALSE(history.last().train.regression());
  CHECK_THAT(train::epoch_line(history.last(), 15), Contains("acc") && Contains("samples/s"));
}

TEST_CASE("fit and evaluate refuse a loss that takes the other kind of target") {
  RegressionRun run;
  CrossEntropyLoss<float> classification_loss;
  train::FitOptions<float> options;
  CHECK_THROWS_WITH(train::fit(run.model, classification_loss, run.optimizer, run.train, options),
                    Contains("the training loader serves float targets and the "
                             "loss takes class labels"));
  CHECK_THROWS_WITH(train::evaluate(run.model, classification_loss, run.test),
                    Contains("serves float targets and the loss takes class labels"));
  metrics::ConfusionMatrix confusion(2);
  CHECK_THROWS_WITH(train::evaluate(run.model, run.loss, run.test, &confusion),
                    Contains("a confusion matrix needs class targets"));
  const data::TensorDataset<float> classes(Tensor<float>(Shape{4, 3}), Targets{0, 1, 0, 1});
  data::TensorLoader<float> class_loader(classes, {2});
  CHECK_THROWS_WITH(train::fit(run.model, run.loss, run.optimizer, class_loader, options),
                    Contains("serves class labels and the loss takes float targets"));
}
