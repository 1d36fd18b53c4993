// Sigmoid, Tanh, LeakyReLU, ELU, GELU, SiLU, Softmax and Identity: values worked out by hand, gradients
// against finite differences on several shapes (alone and behind a Linear), and torch's names.
#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <memory>

#include "support/gradcheck_helpers.hpp"
#include "support/random_tensor.hpp"

using Catch::Matchers::Contains;
using namespace fnn;

namespace {

struct Activation {
  std::function<std::unique_ptr<Layer<double>>()> make;
  std::function<void(Sequential<double>&)> append;  // the same layer, added to a model
  std::string name;
  bool kink_at_zero;  // finite differences need inputs away from 0
};

template <class L, class... Args>
Activation activation(std::string name, bool kink_at_zero, Args... args) {
  return {[=] { return std::make_unique<L>(args...); }, [=](Sequential<double>& model) { model.add(L(args...)); },
          std::move(name), kink_at_zero};
}

std::vector<Activation> activations() {
  return {
      activation<Sigmoid<double>>("Sigmoid()", false),
      activation<Tanh<double>>("Tanh()", false),
      activation<LeakyReLU<double>>("LeakyReLU(negative_slope=0.01)", true),
      activation<LeakyReLU<double>>("LeakyReLU(negative_slope=-0.5)", true, -0.5),
      activation<ELU<double>>("ELU(alpha=1)", true),
      activation<ELU<double>>("ELU(alpha=0.3)", true, 0.3),
      activation<GELU<double>>("GELU(approximate='none')", false),
      activation<GELU<double>>("GELU(approximate='tanh')", false, std::string("tanh")),
      activation<SiLU<double>>("SiLU()", false),
      activation<Identity<double>>("Identity()", false),
  };
}

// y = f(x) for each x of `inputs`, against `expected`.
void check_values(Layer<double>& layer, std::initializer_list<double> inputs, std::initializer_list<double> expected) {
  const Tensor<double> x({static_cast<Index>(inputs.size())}, inputs);
  const Tensor<double> want({static_cast<Index>(expected.size())}, expected);
  const Tensor<double>& y = layer.forward(x);
  INFO(layer.name());
  for (Index i = 0; i < x.numel(); ++i) CHECK(y[i] == Approx(want[i]).epsilon(1e-12).margin(1e-15));
}

}  // namespace

TEST_CASE("Element-wise activations give the values worked out by hand") {
  const double e = std::exp(1.0);
  Sigmoid<double> sigmoid;
  check_values(sigmoid, {0, 1, -1, -1000, 1000}, {0.5, e / (e + 1), 1 / (1 + e), 0, 1});
  Tanh<double> tanh_layer;
  check_values(tanh_layer, {0, 1, -2}, {0, std::tanh(1.0), std::tanh(-2.0)});
  LeakyReLU<double> leaky(0.1);
  check_values(leaky, {2, -3, 0}, {2, -0.3, 0});
  ELU<double> elu(2.0);
  check_values(elu, {1.5, -1, 0}, {1.5, 2 * (1 / e - 1), 0});
  // GELU: x * Phi(x); Phi(1) = 0.841344746068543, Phi(-1) = 1 - Phi(1).
  GELU<double> gelu;
  check_values(gelu, {0, 1, -1}, {0, 0.841344746068543, -(1 - 0.841344746068543)});
  GELU<double> gelu_tanh("tanh");
  const double u = std::sqrt(2 / M_PI) * (1 + 0.044715);
  check_values(gelu_tanh, {0, 1}, {0, (1 + std::tanh(u)) / 2});
  SiLU<double> silu;
  check_values(silu, {0, 1, -1}, {0, e / (e + 1), -1 / (1 + e)});
  Identity<double> identity;
  check_values(identity, {3, -4}, {3, -4});
}

TEST_CASE("Element-wise activations stay finite far from zero, in float") {
  const Tensor<float> x({4}, {-1e4f, -100.0f, 100.0f, 1e4f});
  Sigmoid<float> sigmoid;
  Tanh<float> tanh_layer;
  ELU<float> elu;
  GELU<float> gelu, gelu_tanh("tanh");
  SiLU<float> silu;
  for (Layer<float>* layer : std::initializer_list<Layer<float>*>{&sigmoid, &tanh_layer, &elu, &gelu, &gelu_tanh, &silu}) {
    INFO(layer->name());
    CHECK(layer->forward(x).all_finite());
    CHECK(layer->backward(Tensor<float>({4}, 1.0f)).all_finite());
  }
  CHECK(sigmoid.forward(x)[0] == 0.0f);
  CHECK(sigmoid.forward(x)[3] == 1.0f);
  CHECK(silu.forward(x)[3] == 1e4f);
  CHECK(gelu.forward(x)[2] == 100.0f);
}

TEST_CASE("Element-wise activations' gradients match finite differences, alone and behind a Linear") {
  Rng rng(11);
  for (const Activation& a : activations()) {
    for (const Shape& shape : {Shape{1, 5}, Shape{4, 7}, Shape{2, 3, 4, 5}}) {
      auto layer = a.make();
      CHECK(layer->name() == a.name);
      CHECK(layer->samples_independent());
      const auto x = a.kink_at_zero ? test::away_from_zero(shape, rng) : test::random_normal(shape, rng);
      const auto result = test::require_gradients_match(*layer, x);
      CHECK(result["input"].nonzero == shape.numel());
    }
    Sequential<double> model;
    model.add(Linear<double>(6, 5, rng));
    a.append(model);
    model.add(Linear<double>(5, 3, rng));
    const auto result = test::require_gradients_match(model, test::random_normal({4, 6}, rng));
    test::require_dense_parameter_gradients(result);
  }
}

TEST_CASE("LeakyReLU and ELU take the slope on the negative side only") {
  LeakyReLU<double> leaky(0.2);
  leaky.forward(Tensor<double>({2}, {-1.0, 1.0}));
  const auto& dx = leaky.backward(Tensor<double>({2}, {10.0, 10.0}));
  CHECK(dx[0] == Approx(2.0));
  CHECK(dx[1] == 10.0);
  ELU<double> elu(0.5);
  elu.forward(Tensor<double>({2}, {-2.0, 2.0}));
  const auto& de = elu.backward(Tensor<double>({2}, {1.0, 1.0}));
  CHECK(de[0] == Approx(0.5 * std::exp(-2.0)));
  CHECK(de[1] == 1.0);
}

TEST_CASE("GELU refuses an approximation torch does not have") {
  CHECK_THROWS_AS(GELU<float>("erf"), ValueError);
  CHECK_THROWS_WITH(GELU<float>("erf"), Contains("'none' or 'tanh', got 'erf'"));
  CHECK(GELU<float>().approximate() == "none");
}

TEST_CASE("Softmax gives rows that sum to one, stays finite for large inputs and matches LogSoftmax") {
  Softmax<double> softmax;
  CHECK(softmax.name() == "Softmax(dim=1)");
  const auto& y = softmax.forward(Tensor<double>({2, 3}, {0, 0, 0, 1000, 0, -1000}));
  CHECK(y(0, 0) == Approx(1.0 / 3));
  CHECK(y(1, 0) == Approx(1.0));
  CHECK(y(1, 2) == 0.0);
  Rng rng(5);
  const auto x = test::random_normal({4, 6}, rng);
  LogSoftmax<double> log_softmax;
  const auto& p = softmax.forward(x);
  const auto& logp = log_softmax.forward(x);
  for (Index n = 0; n < 4; ++n) CHECK(p.matrix().row(n).sum() == Approx(1.0).epsilon(1e-14));
  CHECK(max_abs_diff(p, [&] {
          Tensor<double> e = logp;
          e.array() = e.array().exp();
          return e;
        }()) < 1e-15);
  CHECK_THROWS_AS(Softmax<double>(0), ValueError);
  CHECK(Softmax<double>(-1).name() == "Softmax(dim=1)");
  CHECK_THROWS_AS(softmax.forward(Tensor<double>({2, 3, 1, 1})), ShapeError);
}

TEST_CASE("Softmax gradients match finite differences, alone and behind a Linear") {
  Rng rng(12);
  Softmax<double> softmax;
  for (const Shape& shape : {Shape{1, 4}, Shape{5, 10}, Shape{3, 2}}) {
    const auto result = test::require_gradients_match(softmax, test::random_normal(shape, rng));
    CHECK(result["input"].nonzero == shape.numel());
  }
  Sequential<double> model;
  model.add(Linear<double>(5, 4, rng));
  model.add(Softmax<double>());
  const auto result = test::require_gradients_match(model, test::random_normal({3, 5}, rng));
  test::require_dense_parameter_gradients(result);
}
