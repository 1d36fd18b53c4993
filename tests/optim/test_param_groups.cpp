// Parameter freezing and parameter groups: a frozen parameter is left as it is by every optimizer and
// by gradient clipping; groups carry their own learning rate and weight decay, which schedules and
// checkpoints follow.
#include <catch2/catch.hpp>

#include "support/random_tensor.hpp"

using namespace fnn;

namespace {

// Linear(3, 4), BatchNorm1d(4), ReLU, Linear(4, 2): weights of rank 2, biases and BatchNorm's of rank 1.
Sequential<double> small_model(Rng& rng) {
  Sequential<double> model;
  model.add(Linear<double>(3, 4, rng));
  model.add(BatchNorm1d<double>(4));
  model.add(ReLU<double>());
  model.add(Linear<double>(4, 2, rng));
  return model;
}

// Every parameter gets the gradient 1 in every element, so that every optimizer moves every one it updates.
void unit_gradients(const std::vector<ParameterRef<double>>& params) {
  for (const auto& p : params) p.parameter->grad.fill(1.0);
}

}  // namespace

TEST_CASE("Every optimizer leaves a frozen layer's parameters as they are and updates the others") {
  Rng rng(5);
  Sequential<double> model = small_model(rng);
  model[0].freeze();
  const Tensor<double> frozen_weight = model.parameters()[0].parameter->value;
  const Tensor<double> trained_weight = model.parameters()[4].parameter->value;
  CHECK_FALSE(model.parameters()[0].parameter->requires_grad);
  CHECK_FALSE(model.parameters()[1].parameter->requires_grad);
  CHECK(model.parameters()[2].parameter->requires_grad);

  std::vector<std::unique_ptr<Optimizer<double>>> optimizers;
  optimizers.push_back(std::make_unique<SGD<double>>(model.parameters(), SGDOptions().lr(0.1).momentum(0.9).weight_decay(0.1)));
  optimizers.push_back(std::make_unique<Adam<double>>(model.parameters(), AdamOptions().weight_decay(0.1)));
  optimizers.push_back(std::make_unique<RMSprop<double>>(model.parameters(), RMSpropOptions().weight_decay(0.1)));
  optimizers.push_back(std::make_unique<Adagrad<double>>(model.parameters(), AdagradOptions().weight_decay(0.1)));
  for (auto& optimizer : optimizers) {
    for (int step = 0; step < 2; ++step) {
      unit_gradients(model.parameters());
      optimizer->step();
    }
  }
  CHECK(max_abs_diff(model.parameters()[0].parameter->value, frozen_weight) == 0.0);
  CHECK(max_abs_diff(model.parameters()[4].parameter->value, trained_weight) > 0.1);

  // zero_grad clears a frozen parameter's gradient too: it does not pile up while frozen.
  optimizers[0]->zero_grad();
  CHECK((model.parameters()[0].parameter->grad.array() == 0).all());

  model[0].unfreeze();
  unit_gradients(model.parameters());
  optimizers[0]->step();
  CHECK(max_abs_diff(model.parameters()[0].parameter->value, frozen_weight) > 0.0);
}

TEST_CASE("Gradient clipping leaves a frozen parameter's gradient out of the norm and as it is") {
  Parameter<double> a({1}), b({1});
  a.grad[0] = 3;
  b.grad[0] = 4;
  b.requires_grad = false;
  CHECK(clip_grad_norm_<double>({{"a", &a}, {"b", &b}}, 1.5) == Approx(3.0));
  CHECK(a.grad[0] == Approx(1.5 * 3 / (3 + 1e-6)));
  CHECK(b.grad[0] == 4.0);
  clip_grad_value_<double>({{"a", &a}, {"b", &b}}, 1.0);
  CHECK(b.grad[0] == 4.0);
}

TEST_CASE("weight_decay_groups puts weights in a decayed group and biases and norm parameters in another") {
  Rng rng(5);
  Sequential<double> model = small_model(rng);
  const auto groups = weight_decay_groups(model.parameters(), 5e-4);
  REQUIRE(groups.size() == 2);
  std::vector<std::string> decayed, not_decayed;
  for (const auto& p : groups[0].params) decayed.push_back(p.name);
  for (const auto& p : groups[1].params) not_decayed.push_back(p.name);
  CHECK(decayed == std::vector<std::string>{"0.weight", "3.weight"});
  CHECK(not_decayed == std::vector<std::string>{"0.bias", "1.weight", "1.bias", "3.bias"});
  CHECK(groups[0].weight_decay == 5e-4);
  CHECK(groups[1].weight_decay == 0.0);
  CHECK_FALSE(groups[0].lr.has_value());

  SGD<double> sgd(groups, SGDOptions().lr(0.1).weight_decay(0.01));
  CHECK(sgd.group_count() == 2);
  CHECK(sgd.parameters().size() == 6);
  CHECK(sgd.group_weight_decay(0) == 5e-4);
  CHECK(sgd.group_weight_decay(1) == 0.0);
  CHECK(sgd.group_lr(1) == 0.1);
}

TEST_CASE("Each parameter group steps with its own learning rate and weight decay") {
  Parameter<double> w({1}), b({1});
  w.value[0] = b.value[0] = 2.0;
  // Group 0 keeps the optimizer's rate and sets its weight decay; group 1 sets its rate and keeps the
  // optimizer's weight decay.
  SGD<double> sgd({ParamGroup<double>{{{"w", &w}}, {}, 0.5}, ParamGroup<double>{{{"b", &b}}, 0.01, {}}},
                  SGDOptions().lr(0.1).weight_decay(0.25));
  w.grad[0] = b.grad[0] = 1.0;
  sgd.step();
  CHECK(w.value[0] == Approx(2.0 - 0.1 * (1.0 + 0.5 * 2.0)));
  CHECK(b.value[0] == Approx(2.0 - 0.01 * (1.0 + 0.25 * 2.0)));
  CHECK(sgd.lr() == 0.1);  // the first group's

  // Groups written as braced lists, as the docs show them: a backbone at a tenth of the head's rate.
  const std::vector<ParameterRef<double>> backbone{{"w", &w}}, head{{"b", &b}};
  SGD<double> fine_tuning({{backbone, 0.01}, {head}}, SGDOptions().lr(0.1));
  CHECK(fine_tuning.group_lr(0) == 0.01);
  CHECK(fine_tuning.group_lr(1) == 0.1);

  Parameter<double> p({1});
  CHECK_THROWS_WITH(SGD<double>({ParamGroup<double>{{{"p", &p}}}, ParamGroup<double>{{{"again", &p}}}}, SGDOptions()),
                    Catch::Contains("'again' appears more than once"));
  CHECK_THROWS_AS(SGD<double>({ParamGroup<double>{{{"p", &p}}, -1.0, {}}}, SGDOptions()), ValueError);
}

TEST_CASE("Schedules set each group's rate from the group's own base, and checkpoints keep every group's") {
  Parameter<double> w({1}), b({1});
  SGD<double> sgd({ParamGroup<double>{{{"w", &w}}}, ParamGroup<double>{{{"b", &b}}, 0.01, {}}}, SGDOptions().lr(0.1));
  StepLR<double> step(sgd, 1, 0.5);
  step.step();
  CHECK(sgd.group_lr(0) == Approx(0.05));
  CHECK(sgd.group_lr(1) == Approx(0.005));

  ReduceLROnPlateau<double> plateau(sgd, ReduceLROnPlateauOptions().patience(0).factor(0.1).min_lr(0.001));
  plateau.step(1.0);
  plateau.step(1.0);  // no improvement, patience 0: each group's rate falls, down to min_lr
  CHECK(sgd.group_lr(0) == Approx(0.005));
  CHECK(sgd.group_lr(1) == Approx(0.001));

  StateDict state;
  sgd.save_state(state, "optimizer.");
  CHECK(state.contains("optimizer.lr"));
  CHECK(state.contains("optimizer.lr.1"));
  SGD<double> resumed({ParamGroup<double>{{{"w", &w}}}, ParamGroup<double>{{{"b", &b}}, 0.01, {}}}, SGDOptions().lr(0.1));
  resumed.load_state(state, "optimizer.");
  CHECK(resumed.group_lr(0) == Approx(0.005));
  CHECK(resumed.group_lr(1) == Approx(0.001));
}
