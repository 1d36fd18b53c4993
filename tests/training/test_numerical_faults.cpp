// A NaN or infinity in the loss, an activation or a gradient stops training with an error that names
// the epoch, the step and the layer.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "data/data_support.hpp"

using namespace fnn;

namespace {

// The identity forward; backward turns the gradient into NaN from a given call on.
class PoisonedBackward final : public Layer<float> {
 public:
  explicit PoisonedBackward(int healthy_calls) : healthy_calls_(healthy_calls) {}
  std::string name() const override { return "PoisonedBackward"; }
  Shape output_shape(const Shape& in) const override { return in; }
  const Tensor<float>& forward(const Tensor<float>& x) override { return out_ = x; }
  const Tensor<float>& backward(const Tensor<float>& dy) override {
    grad_ = dy;
    if (calls_++ >= healthy_calls_) grad_[0] = std::numeric_limits<float>::quiet_NaN();
    return grad_;
  }

 private:
  int healthy_calls_, calls_ = 0;
  Tensor<float> out_, grad_;
};

struct Setup {
  data::Dataset set = test::make_dataset(40, 4, 4);
  Rng rng{1};
  data::DataLoader<float> loader{set, {10}};
  Sequential<float> model;
  CrossEntropyLoss<float> loss;
  train::FitOptions<float> options;

  Setup() {
    model.add(Flatten<float>());
    model.add(Linear<float>(16, 8, rng));
    model.add(ReLU<float>());
    model.add(Linear<float>(8, 10, rng));
    options.epochs = 3;
  }
  void poison_second_linear() {
    Tensor<float>& weight = static_cast<Linear<float>&>(model[3]).parameters()[0].parameter->value;
    weight[5] = std::numeric_limits<float>::quiet_NaN();
  }
  train::History fit(double lr) {
    SGD<float> sgd(model.parameters(), SGDOptions().lr(lr));
    return train::fit(model, loss, sgd, loader, options);
  }
};

}  // namespace

TEST_CASE("a NaN in a layer's output names the epoch, the step and the layer", "[numerical]") {
  Setup s;
  s.poison_second_linear();
  CHECK_THROWS_MATCHES(s.fit(0.1), NumericalError,
                       Catch::Message("epoch 1, step 1 of 4: layer 3 Linear(in_features=8, out_features=10): its "
                                      "output contains NaN or infinity; training stopped"));
}

TEST_CASE("a NaN in a gradient names the layer whose input gradient it is", "[numerical]") {
  Setup s;
  s.model.add(PoisonedBackward(5));  // steps 1-4 of epoch 1 and step 1 of epoch 2 are healthy
  CHECK_THROWS_MATCHES(s.fit(0.1), NumericalError,
                       Catch::Message("epoch 2, step 2 of 4: layer 4 PoisonedBackward: its gradient with respect to "
                                      "its input contains NaN or infinity; training stopped"));
}

TEST_CASE("a diverging run stops at the first infinite activation or loss", "[numerical]") {
  Setup s;
  CHECK_THROWS_AS(s.fit(1e30), NumericalError);
  for (auto& p : s.model.parameters()) CHECK(p.parameter->value.all_finite());
}

TEST_CASE("with the checks off a NaN activation is not looked for, but a NaN loss still stops training",
          "[numerical]") {
  Setup s;
  s.poison_second_linear();
  s.options.check_finite = false;
  CHECK_THROWS_MATCHES(s.fit(0.1), NumericalError,
                       Catch::Message("epoch 1, step 1 of 4: the loss is NaN; training stopped"));
}

TEST_CASE("Tensor::all_finite finds a NaN or an infinity anywhere", "[numerical]") {
  Tensor<double> t({3, 5}, 1.0);
  CHECK(t.all_finite());
  for (double bad : {std::nan(""), HUGE_VAL, -HUGE_VAL}) {
    for (Index i : {0, 7, 14}) {
      Tensor<double> u = t;
      u[i] = bad;
      CHECK_FALSE(u.all_finite());
    }
  }
  CHECK(Tensor<double>(Shape{0}).all_finite());
}
