// Misusing a layer (backward before forward, an input of the wrong shape, a gradient of the wrong shape)
// throws an fnn exception that names the layer and both shapes: checked in every build type, not by
// assert.
#include <catch2/catch.hpp>

#include <functional>
#include <memory>

#include <fnn/fnn.hpp>

using namespace fnn;
using Catch::Contains;

namespace {

struct Case {
  std::function<std::unique_ptr<Layer<double>>()> make;
  Shape good_input, bad_input;
};

std::vector<Case> cases() {
  static Rng rng(3);
  auto sequential = [] {
    auto s = std::make_unique<Sequential<double>>();
    s->add(Flatten<double>());
    s->add(Linear<double>(12, 2, rng));
    return s;
  };
  return {
      {[] { return std::make_unique<Linear<double>>(3, 2, rng); }, {4, 3}, {4, 5}},
      {[] { return std::make_unique<Conv2d<double>>(2, 3, 3, rng, 1, 1); }, {1, 2, 5, 5}, {1, 3, 5, 5}},
      {[] { return std::make_unique<MaxPool2d<double>>(2); }, {2, 1, 4, 4}, {2, 4, 4}},
      {[] { return std::make_unique<BatchNorm2d<double>>(2); }, {3, 2, 2, 2}, {3, 4, 2, 2}},
      {[] { return std::make_unique<BatchNorm1d<double>>(3); }, {4, 3}, {4, 2}},
      {[] { return std::make_unique<LogSoftmax<double>>(); }, {2, 5}, {2, 5, 1, 1}},
      {sequential, {2, 1, 3, 4}, {2, 1, 3, 5}},
      {[] { return std::make_unique<ReLU<double>>(); }, {2, 3}, {}},
      {[] { return std::make_unique<Dropout<double>>(0.5, rng); }, {2, 3}, {}},
      {[] { return std::make_unique<Dropout2d<double>>(0.5, rng); }, {2, 3, 2, 2}, {2, 3}},
      {[] { return std::make_unique<Flatten<double>>(); }, {2, 3, 2}, {}},
      {[] { return std::make_unique<Sigmoid<double>>(); }, {2, 3}, {}},
      {[] { return std::make_unique<Tanh<double>>(); }, {2, 3}, {}},
      {[] { return std::make_unique<LeakyReLU<double>>(); }, {2, 3}, {}},
      {[] { return std::make_unique<ELU<double>>(); }, {2, 3}, {}},
      {[] { return std::make_unique<GELU<double>>(); }, {2, 3}, {}},
      {[] { return std::make_unique<SiLU<double>>(); }, {2, 3}, {}},
      {[] { return std::make_unique<Identity<double>>(); }, {2, 3}, {}},
      {[] { return std::make_unique<Softmax<double>>(); }, {2, 5}, {2, 5, 1, 1}},
  };
}

}  // namespace

TEST_CASE("every layer refuses backward before forward, by name", "[misuse]") {
  for (const Case& c : cases()) {
    auto layer = c.make();
    INFO(layer->name());
    CHECK_THROWS_AS(layer->backward(Tensor<double>(layer->output_shape(c.good_input))), UsageError);
    CHECK_THROWS_WITH(layer->backward(Tensor<double>(layer->output_shape(c.good_input))),
                      Contains(layer->name().substr(0, layer->name().find('('))) && Contains("before forward"));
  }
}

TEST_CASE("every layer refuses an input of the wrong shape, naming the shape", "[misuse]") {
  for (const Case& c : cases()) {
    if (c.bad_input.rank() == 0) continue;  // element-wise layers take any shape
    auto layer = c.make();
    INFO(layer->name());
    CHECK_THROWS_AS(layer->forward(Tensor<double>(c.bad_input)), ShapeError);
    CHECK_THROWS_WITH(layer->forward(Tensor<double>(c.bad_input)), Contains(c.bad_input.str()));
  }
}

TEST_CASE("every layer refuses a gradient of another shape than its output, naming both", "[misuse]") {
  for (const Case& c : cases()) {
    auto layer = c.make();
    INFO(layer->name());
    const Shape out = layer->forward(Tensor<double>(c.good_input, 0.5)).shape();
    const Shape wrong = out.rank() == 2 ? Shape{out[0] + 1, out[1]} : Shape{out[0] + 1};
    CHECK_THROWS_AS(layer->backward(Tensor<double>(wrong)), ShapeError);
    CHECK_THROWS_WITH(layer->backward(Tensor<double>(wrong)), Contains(out.str()) && Contains(wrong.str()));
  }
}

// A batch of no samples is a valid batch: backward after it is not "before forward", and gives an empty
// gradient. BatchNorm refuses it with its own message: it needs values for its statistics.
TEST_CASE("every layer takes an empty batch forward and backward", "[misuse]") {
  for (const Case& c : cases()) {
    for (const bool training : {true, false}) {
      auto layer = c.make();
      layer->set_training(training);
      INFO(layer->name() << (training ? " in training mode" : " in evaluation mode"));
      const Tensor<double> empty(c.good_input.with_batch(0));
      if (layer->name().rfind("BatchNorm", 0) == 0) {
        CHECK_THROWS_WITH(layer->forward(empty), Contains("value per channel"));
        continue;
      }
      const Shape out = layer->forward(empty).shape();
      CHECK(out == layer->output_shape(empty.shape()));
      CHECK(layer->backward(Tensor<double>(out)).shape() == empty.shape());
    }
  }
}

TEST_CASE("element-wise layers refuse a tensor of rank 0, which has no shape to keep", "[misuse]") {
  Rng rng(5);
  ReLU<double> relu;
  Dropout<double> dropout(0.5, rng);
  Sigmoid<double> sigmoid;
  GELU<double> gelu;
  Identity<double> identity;
  for (Layer<double>* layer : std::initializer_list<Layer<double>*>{&relu, &dropout, &sigmoid, &gelu, &identity}) {
    INFO(layer->name());
    CHECK_THROWS_AS(layer->forward(Tensor<double>()), ShapeError);
    CHECK_THROWS_WITH(layer->forward(Tensor<double>()), Contains("got one of rank 0"));
  }
}
