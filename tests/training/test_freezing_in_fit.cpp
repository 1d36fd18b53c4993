// fit with a frozen layer: its parameters end as they started, the others' train.
#include <catch2/catch.hpp>

#include "data/data_support.hpp"

using namespace fnn;

TEST_CASE("fit leaves a frozen layer's weights as they were while it trains the others") {
  const data::Dataset set = test::make_dataset(40, 4, 4);
  Rng rng(4);
  data::DataLoader<float> loader(set, {10});
  Sequential<float> model;
  model.add(Flatten<float>());
  model.add(Linear<float>(16, 8, rng));
  model.add(ReLU<float>());
  model.add(Linear<float>(8, 10, rng));
  model[1].freeze();
  const Tensor<float> frozen = model.parameters()[0].parameter->value;
  const Tensor<float> trained = model.parameters()[2].parameter->value;
  SGD<float> sgd(model.parameters(), SGDOptions().lr(0.1).momentum(0.9).weight_decay(1e-3));
  CrossEntropyLoss<float> loss;
  train::FitOptions<float> options;
  options.epochs = 2;
  train::fit(model, loss, sgd, loader, options);
  CHECK(max_abs_diff(model.parameters()[0].parameter->value, frozen) == 0.0f);
  CHECK(max_abs_diff(model.parameters()[2].parameter->value, trained) > 0.0f);
}
