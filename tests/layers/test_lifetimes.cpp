// What a layer keeps between forward and backward is its own (include/fnn/layers/layer.hpp): for every
// layer kind, in training and evaluation mode, a caller that overwrites and frees its input once forward
// returns changes no gradient, and a clone shares no tensor with its original, which may be overwritten
// and destroyed before the clone's backward.
#include <catch2/catch.hpp>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/random_tensor.hpp"

using namespace fnn;

namespace lifetime_test {

// A layer to test, with the model it wraps when it is a wrapper (DataParallel, HorizontalFlipAverage).
struct Subject {
  std::unique_ptr<Layer<double>> model;  // the wrapped model, or null
  std::unique_ptr<Layer<double>> layer;
};

struct Kind {
  std::string name;
  Shape input;
  std::function<Subject(Rng&)> make;  // the same seed makes the same layer
  bool clones = true;                 // wrappers refer to their model and are never copied
  bool backward_in_eval = true;       // HorizontalFlipAverage's backward is defined in training only
};

template <class L, class... Args>
Subject leaf(Args&&... args) {
  return {nullptr, std::make_unique<L>(std::forward<Args>(args)...)};
}

std::unique_ptr<Sequential<double>> small_cnn(Rng& rng) {
  auto m = std::make_unique<Sequential<double>>();
  m->add(Conv2d<double>(2, 3, 3, rng, 1, 1));
  m->add(ReLU<double>());
  m->add(MaxPool2d<double>(2));
  m->add(Flatten<double>());
  m->add(Linear<double>(3 * 2 * 3, 4, rng));
  return m;
}

std::vector<Kind> kinds() {
  return {
      {"Linear", {4, 5}, [](Rng& r) { return leaf<Linear<double>>(5, 3, r); }},
      {"Linear without bias", {4, 5}, [](Rng& r) { return leaf<Linear<double>>(5, 3, r, false); }},
      // Patches kept for backward in training, remade from a copy of the input in evaluation.
      {"Conv2d", {2, 2, 5, 5}, [](Rng& r) { return leaf<Conv2d<double>>(2, 3, 3, r, 1, 1); }},
      // Patches (8 x 72 x 4096 elements) above the 2^21 that Conv2d keeps: remade from a copy of the input.
      {"Conv2d with large patches", {8, 8, 64, 64}, [](Rng& r) { return leaf<Conv2d<double>>(8, 2, 3, r, 1, 1); }},
      {"MaxPool2d", {2, 3, 4, 6}, [](Rng&) { return leaf<MaxPool2d<double>>(2); }},
      {"MaxPool2d with padding", {2, 3, 4, 6}, [](Rng&) { return leaf<MaxPool2d<double>>(3, 2, 1); }},
      {"AvgPool2d", {2, 3, 5, 6}, [](Rng&) { return leaf<AvgPool2d<double>>(3, 2, 1); }},
      {"AdaptiveAvgPool2d", {2, 3, 5, 6}, [](Rng&) { return leaf<AdaptiveAvgPool2d<double>>(2, 3); }},
      {"ReLU", {3, 4}, [](Rng&) { return leaf<ReLU<double>>(); }},
      {"Flatten", {2, 3, 2, 2}, [](Rng&) { return leaf<Flatten<double>>(); }},
      {"LogSoftmax", {3, 5}, [](Rng&) { return leaf<LogSoftmax<double>>(); }},
      {"Softmax", {3, 5}, [](Rng&) { return leaf<Softmax<double>>(); }},
      {"Sigmoid", {3, 4}, [](Rng&) { return leaf<Sigmoid<double>>(); }},
      {"Tanh", {3, 4}, [](Rng&) { return leaf<Tanh<double>>(); }},
      {"LeakyReLU", {3, 4}, [](Rng&) { return leaf<LeakyReLU<double>>(); }},
      {"ELU", {3, 4}, [](Rng&) { return leaf<ELU<double>>(); }},
      {"GELU", {3, 4}, [](Rng&) { return leaf<GELU<double>>(); }},
      {"GELU tanh", {3, 4}, [](Rng&) { return leaf<GELU<double>>("tanh"); }},
      {"SiLU", {3, 4}, [](Rng&) { return leaf<SiLU<double>>(); }},
      {"Identity", {3, 4}, [](Rng&) { return leaf<Identity<double>>(); }},
      {"Dropout", {4, 6}, [](Rng& r) { return leaf<Dropout<double>>(0.5, r); }},
      {"Dropout2d", {4, 6, 2, 3}, [](Rng& r) { return leaf<Dropout2d<double>>(0.5, r); }},
      {"BatchNorm1d", {5, 4}, [](Rng&) { return leaf<BatchNorm1d<double>>(4); }},
      {"BatchNorm2d", {2, 3, 3, 3}, [](Rng&) { return leaf<BatchNorm2d<double>>(3); }},
      {"BatchNorm2d without affine", {2, 3, 3, 3}, [](Rng&) { return leaf<BatchNorm2d<double>>(3, 1e-5, 0.1, false); }},
      {"LayerNorm", {2, 3, 3, 3}, [](Rng&) { return leaf<LayerNorm<double>>(Shape{3, 3, 3}); }},
      {"GroupNorm", {2, 4, 3, 3}, [](Rng&) { return leaf<GroupNorm<double>>(2, 4); }},
      {"Sequential", {3, 2, 4, 6}, [](Rng& r) { return Subject{nullptr, small_cnn(r)}; }},
      {"Residual", {3, 2, 4, 6}, [](Rng& r) { return leaf<Residual<double>>(Conv2d<double>(2, 2, 3, r, 1, 1)); }},
      {"Residual with a shortcut", {3, 2, 4, 6},
       [](Rng& r) {
         Conv2d<double> body(2, 3, 3, r, 1, 1), shortcut(2, 3, 1, r);
         return leaf<Residual<double>>(std::move(body), std::move(shortcut));
       }},
      {"Concat of an identity and an Add", {3, 2, 4, 6},
       [](Rng& r) {
         Add<double> add;
         add.add(Conv2d<double>(2, 2, 3, r, 1, 1));
         add.add_identity();
         auto concat = std::make_unique<Concat<double>>();
         concat->add_identity();
         concat->add(std::move(add));
         return Subject{nullptr, std::move(concat)};
       }},
      {"DataParallel", {3, 2, 4, 6},
       [](Rng& r) {
         auto model = small_cnn(r);
         auto wrapper = std::make_unique<DataParallel<double>>(*model);
         return Subject{std::move(model), std::move(wrapper)};
       },
       false},
      {"HorizontalFlipAverage", {3, 2, 4, 6},
       [](Rng& r) {
         auto model = small_cnn(r);
         auto wrapper = std::make_unique<HorizontalFlipAverage<double>>(*model);
         return Subject{std::move(model), std::move(wrapper)};
       },
       false, false},
  };
}

struct Gradients {
  Tensor<double> input;
  std::vector<Tensor<double>> parameters;
};

Gradients gradients_of(Layer<double>& layer, const Tensor<double>& grad_input) {
  Gradients g{grad_input, {}};
  for (const auto& p : layer.parameters()) g.parameters.push_back(p.parameter->grad);
  return g;
}

// Exact equality: the two runs did the same arithmetic on the same numbers.
void require_same(const Gradients& expected, const Gradients& actual) {
  CHECK(max_abs_diff(expected.input, actual.input) == 0.0);
  REQUIRE(expected.parameters.size() == actual.parameters.size());
  for (std::size_t i = 0; i < expected.parameters.size(); ++i) {
    INFO("parameter " << i);
    CHECK(max_abs_diff(expected.parameters[i], actual.parameters[i]) == 0.0);
  }
}

// forward(x) then backward(dy) on a fresh layer from `seed`, the input left alone.
Gradients reference_run(const Kind& kind, bool training, const Tensor<double>& x, const Tensor<double>& dy) {
  Rng rng(7);
  Subject s = kind.make(rng);
  s.layer->set_training(training);
  s.layer->forward(x);
  return gradients_of(*s.layer, s.layer->backward(dy));
}

// One run's inputs: x and dy drawn from seed 3, the layer made from seed 7 in the given mode, and the
// gradients of a run that leaves x alone.
struct PreparedRun {
  Tensor<double> x, dy;
  Subject subject;
  Gradients expected;
};

PreparedRun make_case(const Kind& kind, bool training) {
  Rng data(3), rng(7);
  PreparedRun c{test::random_normal(kind.input, data), {}, kind.make(rng), {}};
  c.subject.layer->set_training(training);
  c.dy = test::random_normal(c.subject.layer->output_shape(kind.input), data);
  c.expected = reference_run(kind, training, c.x, c.dy);
  return c;
}

Tensor<double> filled(const Shape& shape, double value) {
  Tensor<double> t(shape);
  t.fill(value);
  return t;
}

const double garbage = std::numeric_limits<double>::quiet_NaN();

}  // namespace lifetime_test

using namespace lifetime_test;

TEST_CASE("A caller that overwrites and frees the input after forward changes no gradient") {
  set_num_threads(2);  // DataParallel splits the batch
  for (const Kind& kind : kinds()) {
    for (const bool training : {true, false}) {
      if (!training && !kind.backward_in_eval) continue;
      INFO(kind.name << (training ? ", training" : ", evaluation"));
      PreparedRun c = make_case(kind, training);

      std::optional<Tensor<double>> input(c.x);
      c.subject.layer->forward(*input);
      input->fill(garbage);  // overwritten, then freed
      input.reset();
      require_same(c.expected, gradients_of(*c.subject.layer, c.subject.layer->backward(c.dy)));
    }
  }
}

TEST_CASE("A clone shares no tensor with its original, which may be overwritten and destroyed first") {
  for (const Kind& kind : kinds()) {
    if (!kind.clones) continue;
    for (const bool training : {true, false}) {
      INFO(kind.name << (training ? ", training" : ", evaluation"));
      PreparedRun c = make_case(kind, training);

      c.subject.layer->forward(c.x);
      std::unique_ptr<Layer<double>> copy = c.subject.layer->clone();
      CHECK(copy->training() == training);
      const auto original_parameters = c.subject.layer->parameters(), copy_parameters = copy->parameters();
      REQUIRE(copy_parameters.size() == original_parameters.size());
      for (std::size_t i = 0; i < copy_parameters.size(); ++i) {
        CHECK(copy_parameters[i].name == original_parameters[i].name);
        CHECK(copy_parameters[i].parameter->value.data() != original_parameters[i].parameter->value.data());
        CHECK(copy_parameters[i].parameter->grad.data() != original_parameters[i].parameter->grad.data());
      }
      const auto original_buffers = c.subject.layer->buffers(), copy_buffers = copy->buffers();
      REQUIRE(copy_buffers.size() == original_buffers.size());
      for (std::size_t i = 0; i < copy_buffers.size(); ++i) {
        CHECK(copy_buffers[i].tensor->data() != original_buffers[i].tensor->data());
      }
      const auto original_generators = c.subject.layer->generators(), copy_generators = copy->generators();
      REQUIRE(copy_generators.size() == original_generators.size());
      for (std::size_t i = 0; i < copy_generators.size(); ++i) {
        CHECK(copy_generators[i].rng != original_generators[i].rng);
      }

      // The original runs on another input (every cache it keeps is rewritten), its parameters and
      // buffers are overwritten, and it is destroyed: the clone's backward, of the forward the original
      // ran before the copy, is the reference's.
      c.subject.layer->forward(filled(kind.input, 0.5));
      for (const auto& p : original_parameters) p.parameter->value.fill(garbage);
      for (const auto& b : original_buffers) b.tensor->fill(garbage);
      c.subject = Subject{};  // the original destroyed
      require_same(c.expected, gradients_of(*copy, copy->backward(c.dy)));
    }
  }
}
