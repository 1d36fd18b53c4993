// PyTorch parity: every seed architecture of fnn/models/fashion_mnist.hpp, and a small model with
// BatchNorm2d and BatchNorm1d, gives the same output, loss, parameter gradients and BatchNorm running
// statistics as the same network in PyTorch.
//
// make_parity_data.py (run by ctest as a fixture) writes one tensor file per model: the PyTorch state
// before the step, the input batch and targets, and PyTorch's output, loss, gradients ("grad.<name>")
// and updated running statistics ("running.<name>"). PyTorch computed them in float64 from float32
// parameters and input, so they are the exact answer rounded to float32. Here fnn builds the model,
// copies the state in by name, sets Dropout and Dropout2d to eval (PyTorch's masks cannot be reproduced),
// leaves BatchNorm in training mode and runs one forward, loss and backward:
//   - in float, every tensor must agree to 1e-4: ||a - b|| / ||b|| <= 1e-4 and, element-wise,
//     |a - b| <= 1e-4 max|b| + 1e-6;
//   - in double, to 1e-6 (the reference's own float32 rounding is 6e-8), which shows that the float
//     differences are rounding, not a different computation.
// Gradients must also be non-zero, except those that are zero in exact arithmetic: a bias right
// before a BatchNorm (the mean subtraction cancels it). Those must be negligible next to the gradient
// of the same layer's weight, in PyTorch's data and in fnn.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fnn/extras.hpp>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#ifndef FNN_PARITY_DATA_DIR
#define FNN_PARITY_DATA_DIR "parity_data"
#endif

namespace {

using fnn::Index;

// The directory make_parity_data.py wrote to: $FNN_PARITY_DATA_DIR, else the build's fixture directory.
std::string data_file(const std::string& model) {
  const char* dir = std::getenv("FNN_PARITY_DATA_DIR");
  return std::string(dir != nullptr && *dir != '\0' ? dir : FNN_PARITY_DATA_DIR) + "/" + model + ".fnnt";
}

// Not a seed: the "batchnorm" model of make_parity_data.py, BatchNorm2d and BatchNorm1d in training mode.
template <class Scalar>
fnn::Sequential<Scalar> batchnorm_model(fnn::Rng& rng) {
  fnn::Sequential<Scalar> m;
  m.add(fnn::Conv2d<Scalar>(1, 4, 3, rng, 1, 1));
  m.add(fnn::BatchNorm2d<Scalar>(4));
  m.add(fnn::ReLU<Scalar>());
  m.add(fnn::MaxPool2d<Scalar>(2));
  m.add(fnn::Flatten<Scalar>());
  m.add(fnn::Linear<Scalar>(4 * 14 * 14, 16, rng));
  m.add(fnn::BatchNorm1d<Scalar>(16));
  m.add(fnn::ReLU<Scalar>());
  m.add(fnn::Linear<Scalar>(16, 10, rng));
  return m;
}

// Not a seed: the "activations" model of make_parity_data.py, every element-wise activation and Softmax.
template <class Scalar>
fnn::Sequential<Scalar> activations_model(fnn::Rng& rng) {
  const Index width = 24;
  fnn::Sequential<Scalar> m;
  m.add(fnn::Flatten<Scalar>());
  m.add(fnn::Linear<Scalar>(28 * 28, width, rng));
  m.add(fnn::Sigmoid<Scalar>());
  m.add(fnn::Linear<Scalar>(width, width, rng));
  m.add(fnn::Tanh<Scalar>());
  m.add(fnn::Linear<Scalar>(width, width, rng));
  m.add(fnn::LeakyReLU<Scalar>(0.1));
  m.add(fnn::Linear<Scalar>(width, width, rng));
  m.add(fnn::ELU<Scalar>(0.7));
  m.add(fnn::Linear<Scalar>(width, width, rng));
  m.add(fnn::GELU<Scalar>());
  m.add(fnn::Linear<Scalar>(width, width, rng));
  m.add(fnn::GELU<Scalar>("tanh"));
  m.add(fnn::Linear<Scalar>(width, width, rng));
  m.add(fnn::SiLU<Scalar>());
  m.add(fnn::Linear<Scalar>(width, width, rng));
  m.add(fnn::Identity<Scalar>());
  m.add(fnn::Linear<Scalar>(width, 10, rng));
  m.add(fnn::Softmax<Scalar>());
  return m;
}

// Not a seed: the "residual_pooling" model of make_parity_data.py. ResNet basic blocks made of Residual,
// a Concat and an Add of branches, and every pooling layer.
template <class Scalar>
fnn::Residual<Scalar> basic_block(Index inputs, Index outputs, Index stride, fnn::Rng& rng) {
  fnn::Sequential<Scalar> body;
  body.add(fnn::Conv2d<Scalar>(inputs, outputs, 3, rng, stride, 1, false));
  body.add(fnn::BatchNorm2d<Scalar>(outputs));
  body.add(fnn::ReLU<Scalar>());
  body.add(fnn::Conv2d<Scalar>(outputs, outputs, 3, rng, 1, 1, false));
  body.add(fnn::BatchNorm2d<Scalar>(outputs));
  if (stride == 1 && inputs == outputs) return fnn::Residual<Scalar>(std::move(body));
  fnn::Sequential<Scalar> shortcut;
  shortcut.add(fnn::Conv2d<Scalar>(inputs, outputs, 1, rng, stride, 0, false));
  shortcut.add(fnn::BatchNorm2d<Scalar>(outputs));
  return fnn::Residual<Scalar>(std::move(body), std::move(shortcut));
}

template <class Scalar>
fnn::Sequential<Scalar> residual_pooling_model(fnn::Rng& rng) {
  fnn::Sequential<Scalar> m;
  m.add(fnn::Conv2d<Scalar>(1, 6, 3, rng, 1, 1));
  m.add(fnn::ReLU<Scalar>());
  m.add(fnn::MaxPool2d<Scalar>(3, 2, 1));
  m.add(basic_block<Scalar>(6, 6, 1, rng));
  m.add(fnn::ReLU<Scalar>());
  m.add(basic_block<Scalar>(6, 8, 2, rng));
  m.add(fnn::ReLU<Scalar>());
  fnn::Concat<Scalar> pools;
  pools.add(fnn::AvgPool2d<Scalar>(3, 1, 1));
  pools.add(fnn::AvgPool2d<Scalar>(3, 1, 1, false));
  pools.add_identity();
  m.add(std::move(pools));
  fnn::Add<Scalar> convolutions;
  convolutions.add(fnn::Conv2d<Scalar>(24, 8, 1, rng));
  convolutions.add(fnn::Conv2d<Scalar>(24, 8, 3, rng, 1, 1));
  m.add(std::move(convolutions));
  m.add(fnn::AdaptiveAvgPool2d<Scalar>(3, 3));
  m.add(fnn::Flatten<Scalar>());
  m.add(fnn::Linear<Scalar>(8 * 3 * 3, 10, rng));
  return m;
}

// Not a seed: the "dropout2d" model of make_parity_data.py (Dropout2d in eval, as PyTorch's).
template <class Scalar>
fnn::Sequential<Scalar> dropout2d_model(fnn::Rng& rng) {
  fnn::Sequential<Scalar> m;
  m.add(fnn::Conv2d<Scalar>(1, 4, 3, rng, 1, 1));
  m.add(fnn::Dropout2d<Scalar>(0.3, rng));
  m.add(fnn::ReLU<Scalar>());
  m.add(fnn::MaxPool2d<Scalar>(2));
  m.add(fnn::Flatten<Scalar>());
  m.add(fnn::Linear<Scalar>(4 * 14 * 14, 10, rng));
  return m;
}

// Not a seed: the "normalization" model of make_parity_data.py, GroupNorm, LayerNorm and BatchNorm without
// affine parameters.
template <class Scalar>
fnn::Sequential<Scalar> normalization_model(fnn::Rng& rng) {
  fnn::Sequential<Scalar> m;
  m.add(fnn::Conv2d<Scalar>(1, 8, 3, rng, 1, 1));
  m.add(fnn::GroupNorm<Scalar>(2, 8));
  m.add(fnn::ReLU<Scalar>());
  m.add(fnn::MaxPool2d<Scalar>(2));
  m.add(fnn::Conv2d<Scalar>(8, 8, 3, rng, 1, 1));
  m.add(fnn::BatchNorm2d<Scalar>(8, 1e-5, 0.1, false));
  m.add(fnn::ReLU<Scalar>());
  m.add(fnn::MaxPool2d<Scalar>(2));
  m.add(fnn::LayerNorm<Scalar>({8, 7, 7}));
  m.add(fnn::Conv2d<Scalar>(8, 4, 1, rng));
  m.add(fnn::GroupNorm<Scalar>(4, 4, 1e-5, false));
  m.add(fnn::Flatten<Scalar>());
  m.add(fnn::Linear<Scalar>(4 * 7 * 7, 16, rng));
  m.add(fnn::LayerNorm<Scalar>(16));
  m.add(fnn::ReLU<Scalar>());
  m.add(fnn::BatchNorm1d<Scalar>(16, 1e-5, 0.1, false));
  m.add(fnn::Linear<Scalar>(16, 10, rng));
  return m;
}

template <class Scalar>
fnn::Sequential<Scalar> build(const std::string& name, fnn::Rng& rng) {
  if (name == "batchnorm") return batchnorm_model<Scalar>(rng);
  if (name == "activations") return activations_model<Scalar>(rng);
  if (name == "dropout2d") return dropout2d_model<Scalar>(rng);
  if (name == "residual_pooling") return residual_pooling_model<Scalar>(rng);
  if (name == "normalization") return normalization_model<Scalar>(rng);
  return fnn::models::by_name<Scalar>(name, rng);
}

struct Tolerance {
  double relative;  // norm-wise, and element-wise as a fraction of max|reference|
  double absolute;  // element-wise floor
};

// How far fnn's tensor `a` is from PyTorch's `b`.
struct Agreement {
  double norm_relative = 0;  // ||a - b|| / ||b||
  double max_error = 0;      // max |a - b|
  double max_reference = 0;  // max |b|
  Index worst = 0;           // the element with the largest |a - b|
  double a_norm = 0, b_norm = 0;

  // max |a - b| / max |b|: the element-wise error as a fraction of the tensor's scale.
  double elementwise_relative() const { return max_reference > 0 ? max_error / max_reference : max_error; }
  bool norm_ok(const Tolerance& tol) const { return norm_relative <= tol.relative; }
  bool elementwise_ok(const Tolerance& tol) const {
    return max_error <= tol.relative * max_reference + tol.absolute;
  }
};

template <class Scalar>
Agreement compare(const fnn::Tensor<Scalar>& a, const fnn::Tensor<float>& b) {
  Agreement r;
  double diff2 = 0, a2 = 0, b2 = 0;
  for (Index i = 0; i < b.numel(); ++i) {
    const double x = static_cast<double>(a[i]), y = static_cast<double>(b[i]), d = std::abs(x - y);
    diff2 += d * d;
    a2 += x * x;
    b2 += y * y;
    r.max_reference = std::max(r.max_reference, std::abs(y));
    if (d > r.max_error) {
      r.max_error = d;
      r.worst = i;
    }
  }
  r.a_norm = std::sqrt(a2);
  r.b_norm = std::sqrt(b2);
  r.norm_relative = r.b_norm > 0 ? std::sqrt(diff2) / r.b_norm : std::sqrt(diff2);
  return r;
}

double norm(const fnn::Tensor<float>& t) {
  double s = 0;
  for (float v : t) s += static_cast<double>(v) * static_cast<double>(v);
  return std::sqrt(s);
}

template <class Scalar>
fnn::Tensor<Scalar> convert(const fnn::Tensor<float>& t) {
  fnn::Tensor<Scalar> out(t.shape());
  for (Index i = 0; i < t.numel(); ++i) out[i] = static_cast<Scalar>(t[i]);
  return out;
}

const char* precision_name(float) { return "float"; }
const char* precision_name(double) { return "double"; }

// One model, one precision: load PyTorch's state, take one step, compare everything PyTorch wrote.
// `vanishing` names the gradients that are zero in exact arithmetic.
template <class Scalar>
void check_parity(const std::string& model_name, const Tolerance& tol, const std::set<std::string>& vanishing = {}) {
  const std::string path = data_file(model_name);
  INFO("reference data " << path << " (written by tests/parity/make_parity_data.py)");
  std::map<std::string, fnn::Tensor<float>> ref;
  try {
    for (auto& t : fnn::read_tensor_file<float>(path)) {
      const std::string name = t.name;
      REQUIRE(ref.emplace(name, std::move(t.tensor)).second);
    }
  } catch (const std::exception& e) {
    FAIL("cannot read the PyTorch reference data: " << e.what());
  }
  auto reference = [&](const std::string& name) -> const fnn::Tensor<float>& {
    INFO("tensor " << name);
    const auto it = ref.find(name);
    REQUIRE(it != ref.end());
    return it->second;
  };

  fnn::Rng rng(7);  // fnn's own initialisation; every value is overwritten from the file
  auto model = build<Scalar>(model_name, rng);
  for (std::size_t i = 0; i < model.size(); ++i) {
    if (auto* dropout = dynamic_cast<fnn::Dropout<Scalar>*>(&model[i])) dropout->eval();
    if (auto* dropout = dynamic_cast<fnn::Dropout2d<Scalar>*>(&model[i])) dropout->eval();
  }
  const bool log_softmax_output = dynamic_cast<fnn::LogSoftmax<Scalar>*>(&model[model.size() - 1]) != nullptr;

  // The file's state (everything but the step's data and results) must be exactly the model's state.
  std::set<std::string> file_state, file_grads, file_running, model_state, model_params, model_buffers;
  for (const auto& [name, t] : ref) {
    if (name.rfind("grad.", 0) == 0) {
      file_grads.insert(name.substr(5));
    } else if (name.rfind("running.", 0) == 0) {
      file_running.insert(name.substr(8));
    } else if (name != "input" && name != "target" && name != "output" && name != "loss") {
      file_state.insert(name);
    }
  }
  for (auto& p : model.parameters()) {
    model_params.insert(p.name);
    model_state.insert(p.name);
  }
  for (auto& b : model.buffers()) {
    model_buffers.insert(b.name);
    model_state.insert(b.name);
  }
  REQUIRE(file_state == model_state);
  REQUIRE(file_grads == model_params);
  REQUIRE(file_running == model_buffers);

  for (auto& [name, tensor] : fnn::state_tensors(model)) {
    const auto& value = reference(name);
    INFO("state tensor " << name);
    REQUIRE(value.shape() == tensor->shape());
    *tensor = convert<Scalar>(value);
  }
  const auto input = convert<Scalar>(reference("input"));
  const auto& target_values = reference("target");
  fnn::Targets targets;
  for (float t : target_values) {
    REQUIRE(t == std::round(t));
    targets.push_back(static_cast<std::int32_t>(t));
  }

  // One step, as PyTorch took it.
  model.zero_grad();
  const fnn::Tensor<Scalar>& output = model.forward(input);
  fnn::Tensor<Scalar> loss({1});
  fnn::CrossEntropyLoss<Scalar> cross_entropy;
  fnn::NLLLoss<Scalar> nll;
  if (log_softmax_output) {
    loss[0] = nll.forward(output, targets);
    model.backward(nll.backward());
  } else {
    loss[0] = cross_entropy.forward(output, targets);
    model.backward(cross_entropy.backward());
  }

  // Every result of the step, under the name PyTorch's value has in the file.
  std::vector<std::pair<std::string, const fnn::Tensor<Scalar>*>> results = {{"output", &output}, {"loss", &loss}};
  std::map<std::string, const fnn::Tensor<Scalar>*> grads;
  for (auto& p : model.parameters()) {
    results.emplace_back("grad." + p.name, &p.parameter->grad);
    grads.emplace(p.name, &p.parameter->grad);
  }
  for (auto& b : model.buffers()) results.emplace_back("running." + b.name, b.tensor);

  std::printf("%s (%s), loss %.7f (PyTorch %.7f)\n", model_name.c_str(), precision_name(Scalar()),
              static_cast<double>(loss[0]), static_cast<double>(reference("loss")[0]));
  std::printf("  %-26s %14s %14s %12s\n", "tensor", "||a-b||/||b||", "max|a-b|/max|b|", "max|b|");
  double worst_norm = 0, worst_elementwise = 0;
  std::string worst_norm_name, worst_elementwise_name;
  for (const auto& [name, mine] : results) {
    const auto& theirs = reference(name);
    INFO(model_name << " (" << precision_name(Scalar()) << "): " << name);
    REQUIRE(mine->shape() == theirs.shape());
    const Agreement r = compare(*mine, theirs);
    const bool is_grad = name.rfind("grad.", 0) == 0;
    const std::string param = is_grad ? name.substr(5) : "";

    if (is_grad && vanishing.count(param) != 0) {
      // Zero in exact arithmetic: measure both against the gradient of the same layer's weight.
      const std::string weight = param.substr(0, param.rfind('.')) + ".weight";
      const double scale = norm(reference("grad." + weight));
      const double theirs_rel = r.b_norm / scale, mine_rel = r.a_norm / scale;
      std::printf("  %-26s zero in exact arithmetic: ||b||/||grad %s|| = %.1e, ||a||/... = %.1e\n", name.c_str(),
                  weight.c_str(), theirs_rel, mine_rel);
      CAPTURE(weight, scale, theirs_rel, mine_rel);
      CHECK(scale > 0);
      CHECK(theirs_rel <= 1e-6);
      CHECK(mine_rel <= tol.relative);
      continue;
    }

    std::printf("  %-26s %14.2e %14.2e %12.3e\n", name.c_str(), r.norm_relative, r.elementwise_relative(),
                r.max_reference);
    if (r.norm_relative > worst_norm) {
      worst_norm = r.norm_relative;
      worst_norm_name = name;
    }
    if (r.elementwise_relative() > worst_elementwise) {
      worst_elementwise = r.elementwise_relative();
      worst_elementwise_name = name;
    }
    const double norm_relative = r.norm_relative, max_error = r.max_error, max_reference = r.max_reference;
    const double fnn_value = static_cast<double>((*mine)[r.worst]), pytorch_value = static_cast<double>(theirs[r.worst]);
    const Index worst_element = r.worst;
    CAPTURE(norm_relative, max_error, max_reference, worst_element, fnn_value, pytorch_value, tol.relative,
            tol.absolute);
    CHECK(r.norm_ok(tol));
    CHECK(r.elementwise_ok(tol));
    if (is_grad) {
      // A gradient that is zero everywhere would make the comparison vacuous.
      CHECK(r.b_norm > 0);
      CHECK(r.a_norm > 0);
    }
  }
  std::printf("  worst: norm-wise %.2e (%s), element-wise %.2e (%s)\n\n", worst_norm, worst_norm_name.c_str(),
              worst_elementwise, worst_elementwise_name.c_str());

  // Exactly the parameters named in `vanishing` are exempt from the non-zero check.
  for (const auto& name : vanishing) CHECK(grads.count(name) == 1);
}

constexpr Tolerance float_tolerance{1e-4, 1e-6};
constexpr Tolerance double_tolerance{1e-6, 1e-9};

void check_both(const std::string& model, const std::set<std::string>& vanishing = {}) {
  SECTION("float") { check_parity<float>(model, float_tolerance, vanishing); }
  SECTION("double") { check_parity<double>(model, double_tolerance, vanishing); }
}

}  // namespace

TEST_CASE("lenet matches PyTorch", "[parity]") { check_both("lenet"); }
TEST_CASE("mlp_dropout matches PyTorch (Dropout in eval)", "[parity]") { check_both("mlp_dropout"); }
TEST_CASE("deep_mlp_dropout matches PyTorch (Dropout in eval)", "[parity]") { check_both("deep_mlp_dropout"); }
TEST_CASE("cnn_20_50 matches PyTorch", "[parity]") { check_both("cnn_20_50"); }
TEST_CASE("mlp matches PyTorch", "[parity]") { check_both("mlp"); }
TEST_CASE("vgg_like matches PyTorch (Dropout in eval)", "[parity]") { check_both("vgg_like"); }
// The conv bias (0.bias) and the Linear bias (5.bias) feed straight into a BatchNorm in training mode,
// whose mean subtraction cancels them: their gradients are zero in exact arithmetic.
TEST_CASE("BatchNorm2d and BatchNorm1d in training mode match PyTorch", "[parity]") {
  check_both("batchnorm", {"0.bias", "5.bias"});
}
TEST_CASE("Sigmoid, Tanh, LeakyReLU, ELU, GELU (both forms), SiLU, Identity and Softmax match PyTorch", "[parity]") {
  check_both("activations");
}
TEST_CASE("Residual, Concat, Add, MaxPool2d with padding, AvgPool2d and AdaptiveAvgPool2d match PyTorch", "[parity]") {
  check_both("residual_pooling");
}
// The convolution biases 4.bias and 9.bias feed a BatchNorm2d and a GroupNorm of one channel a group,
// whose mean subtraction cancels them: their gradients are zero in exact arithmetic.
TEST_CASE("GroupNorm, LayerNorm and BatchNorm without affine parameters match PyTorch", "[parity]") {
  check_both("normalization", {"4.bias", "9.bias"});
}

// ---------------------------------------------------------------------------------------------------
// Optimizers, apart from the models: make_parity_data.py takes a few steps of each configuration of its
// OPTIMIZER_CONFIGS on fixed parameters ("w" [3, 4], "b" [4]) and fixed gradients, in float64, and
// writes the parameters after every step to optimizers.fnnt. fnn takes the same steps with the same
// settings and must hold the same parameters after every step: to 1e-4 in float and 1e-5 in double,
// norm-wise and element-wise (as a fraction of the largest magnitude), as for the models.
namespace {

std::map<std::string, fnn::Tensor<float>> read_reference_file(const std::string& path) {
  INFO("reference data " << path << " (written by tests/parity/make_parity_data.py)");
  std::map<std::string, fnn::Tensor<float>> tensors;
  try {
    for (auto& t : fnn::read_tensor_file<float>(path)) tensors.emplace(t.name, std::move(t.tensor));
  } catch (const std::exception& e) {
    FAIL("cannot read the PyTorch reference data: " << e.what());
  }
  return tensors;
}

// The reference tensors of one configuration in a file that holds several, named "CONFIG.NAME".
class ConfigReference {
 public:
  ConfigReference(const std::string& file, std::string config)
      : tensors_(read_reference_file(data_file(file))), config_(std::move(config)) {}

  const std::string& config() const { return config_; }
  bool has(const std::string& name) const { return tensors_.count(config_ + "." + name) != 0; }
  const fnn::Tensor<float>& operator()(const std::string& name) const {
    INFO("tensor " << config_ << "." << name);
    const auto it = tensors_.find(config_ + "." + name);
    REQUIRE(it != tensors_.end());
    return it->second;
  }

 private:
  std::map<std::string, fnn::Tensor<float>> tensors_;
  std::string config_;
};

// Checks each of fnn's tensors against PyTorch's of the same name: the same shape, agreement within
// `tol` by norm and element by element, and a reference that is not zero, which would make the
// comparison vacuous.
template <class Scalar>
void check_agreement(const ConfigReference& reference,
                     const std::vector<std::pair<std::string, const fnn::Tensor<Scalar>*>>& results,
                     const Tolerance& tol) {
  for (const auto& [name, mine] : results) {
    const auto& theirs = reference(name);
    INFO(reference.config() << " (" << precision_name(Scalar()) << "): " << name);
    REQUIRE(mine->shape() == theirs.shape());
    const Agreement r = compare(*mine, theirs);
    const double norm_relative = r.norm_relative, max_error = r.max_error, max_reference = r.max_reference;
    CAPTURE(norm_relative, max_error, max_reference);
    CHECK(r.norm_ok(tol));
    CHECK(r.elementwise_ok(tol));
    CHECK(r.b_norm > 0);
  }
}

// fnn's counterpart of each configuration of make_parity_data.py's OPTIMIZER_CONFIGS, by the same name.
template <class Scalar>
std::unique_ptr<fnn::Optimizer<Scalar>> parity_optimizer(const std::string& config,
                                                         std::vector<fnn::ParameterRef<Scalar>> params) {
  using namespace fnn;
  if (config == "sgd_nesterov") {
    return std::make_unique<SGD<Scalar>>(params, SGDOptions().lr(0.1).momentum(0.9).weight_decay(0.01).nesterov(true));
  }
  if (config == "adamw") {
    return std::make_unique<Adam<Scalar>>(params, AdamOptions().lr(0.01).weight_decay(0.1).decoupled_weight_decay(true));
  }
  if (config == "rmsprop") return std::make_unique<RMSprop<Scalar>>(params, RMSpropOptions().lr(0.01));
  if (config == "rmsprop_centered") {
    return std::make_unique<RMSprop<Scalar>>(
        params, RMSpropOptions().lr(0.01).alpha(0.9).eps(1e-6).weight_decay(0.1).momentum(0.9).centered(true));
  }
  if (config == "adagrad") return std::make_unique<Adagrad<Scalar>>(params, AdagradOptions().lr(0.1));
  if (config == "adagrad_decay") {
    return std::make_unique<Adagrad<Scalar>>(
        params, AdagradOptions().lr(0.1).lr_decay(0.05).weight_decay(0.1).initial_accumulator_value(0.5).eps(1e-6));
  }
  // Parameter groups: params[0] is "w", params[1] is "b".
  if (config == "sgd_groups") {
    return std::make_unique<SGD<Scalar>>(
        ParamGroups<Scalar>{ParamGroup<Scalar>{{params[0]}, {}, 0.1}, ParamGroup<Scalar>{{params[1]}, 0.05, {}}},
        SGDOptions().lr(0.1).momentum(0.9));
  }
  if (config == "adam_groups") {
    return std::make_unique<Adam<Scalar>>(
        ParamGroups<Scalar>{ParamGroup<Scalar>{{params[0]}}, ParamGroup<Scalar>{{params[1]}, 0.001, 0.0}},
        AdamOptions().lr(0.01).weight_decay(0.1));
  }
  if (config == "adamw_groups") {
    return std::make_unique<Adam<Scalar>>(
        ParamGroups<Scalar>{ParamGroup<Scalar>{{params[0]}}, ParamGroup<Scalar>{{params[1]}, {}, 0.0}},
        AdamOptions().lr(0.01).weight_decay(0.1).decoupled_weight_decay(true));
  }
  FAIL("no fnn optimizer for the configuration " << config);
  return nullptr;
}

const char* const optimizer_configs[] = {"sgd_nesterov",  "adamw",      "rmsprop",     "rmsprop_centered",
                                         "adagrad",       "adagrad_decay", "sgd_groups", "adam_groups",
                                         "adamw_groups"};

template <class Scalar>
void check_optimizer_parity(const std::string& config, const Tolerance& tol) {
  const auto ref = read_reference_file(data_file("optimizers"));
  auto reference = [&](const std::string& name) -> const fnn::Tensor<float>& {
    INFO("tensor " << name);
    const auto it = ref.find(name);
    REQUIRE(it != ref.end());
    return it->second;
  };
  std::map<std::string, fnn::Parameter<Scalar>> params;
  std::vector<fnn::ParameterRef<Scalar>> refs;
  for (const std::string name : {"w", "b"}) {
    const auto& start = reference("start." + name);
    auto& p = params.emplace(name, fnn::Parameter<Scalar>(start.shape())).first->second;
    p.value = convert<Scalar>(start);
    refs.push_back({name, &p});
  }
  const auto optimizer = parity_optimizer<Scalar>(config, refs);
  int steps = 0;
  for (int step = 1; ref.count("grad." + std::to_string(step) + ".w") != 0; ++step, ++steps) {
    for (auto& [name, p] : params) p.grad = convert<Scalar>(reference("grad." + std::to_string(step) + "." + name));
    optimizer->step();
    for (auto& [name, p] : params) {
      const std::string key = config + "." + std::to_string(step) + "." + name;
      const Agreement r = compare(p.value, reference(key));
      const double norm_relative = r.norm_relative, elementwise_relative = r.elementwise_relative();
      INFO(key << " (" << precision_name(Scalar()) << ")");
      CAPTURE(norm_relative, elementwise_relative, tol.relative);
      CHECK(r.norm_ok(tol));
      CHECK(r.elementwise_ok(tol));
    }
  }
  CHECK(steps >= 3);
}

constexpr Tolerance optimizer_float_tolerance{1e-4, 1e-6};
constexpr Tolerance optimizer_double_tolerance{1e-5, 1e-9};

}  // namespace

TEST_CASE("Optimizers match PyTorch step by step", "[parity][optim]") {
  for (const std::string config : optimizer_configs) {
    INFO("configuration " << config);
    SECTION(config + " in float") { check_optimizer_parity<float>(config, optimizer_float_tolerance); }
    SECTION(config + " in double") { check_optimizer_parity<double>(config, optimizer_double_tolerance); }
  }
}

// Learning-rate schedules: make_parity_data.py writes the rate of SGD(lr=0.1) before the first step and
// after every step of each configuration of its SCHEDULE_CONFIGS (schedules.fnnt); fnn's schedule of the
// same name must give the same rates to float32's precision, the file's.
namespace {

std::shared_ptr<fnn::LrScheduler<double>> parity_schedule(const std::string& config, fnn::Optimizer<double>& o) {
  using namespace fnn;
  if (config == "linear") return std::make_shared<LinearLR<double>>(o);
  if (config == "linear_decay") return std::make_shared<LinearLR<double>>(o, 1.0, 0.25, 4);
  if (config == "warmup_cosine") {
    auto warmup = std::make_shared<LinearLR<double>>(o, 0.1, 1.0, 3);
    auto cosine = std::make_shared<CosineAnnealingLR<double>>(o, 6, 0.001);
    return std::make_shared<SequentialLR<double>>(o, SequentialLR<double>::Schedules{warmup, cosine},
                                                  std::vector<long long>{3});
  }
  if (config == "warmup_step_linear") {
    auto warmup = std::make_shared<LinearLR<double>>(o, 0.5, 1.0, 2);
    auto step = std::make_shared<StepLR<double>>(o, 2, 0.5);
    auto decay = std::make_shared<LinearLR<double>>(o, 1.0, 0.1, 3);
    return std::make_shared<SequentialLR<double>>(o, SequentialLR<double>::Schedules{warmup, step, decay},
                                                  std::vector<long long>{2, 7});
  }
  if (config == "plateau") {
    return std::make_shared<ReduceLROnPlateau<double>>(
        o, ReduceLROnPlateauOptions().factor(0.5).patience(1).threshold(0.01).cooldown(1).min_lr(0.02));
  }
  if (config == "plateau_max_abs") {
    return std::make_shared<ReduceLROnPlateau<double>>(
        o, ReduceLROnPlateauOptions().mode("max").factor(0.3).patience(0).threshold(0.05).threshold_mode("abs").eps(0.004));
  }
  FAIL("no fnn schedule for the configuration " << config);
  return nullptr;
}

}  // namespace

TEST_CASE("Learning-rate schedules match PyTorch step by step", "[parity][optim]") {
  const auto ref = read_reference_file(data_file("schedules"));
  const auto metrics = ref.find("metrics");
  REQUIRE(metrics != ref.end());
  for (const char* config : {"linear", "linear_decay", "warmup_cosine", "warmup_step_linear", "plateau", "plateau_max_abs"}) {
    INFO("configuration " << config);
    const auto rates = ref.find(config);
    REQUIRE(rates != ref.end());
    REQUIRE(rates->second.numel() == metrics->second.numel() + 1);
    fnn::Parameter<double> p(fnn::Shape{1});
    fnn::SGD<double> sgd({{"p", &p}}, fnn::SGDOptions().lr(0.1));
    const auto schedule = parity_schedule(config, sgd);
    for (Index t = 0; t < rates->second.numel(); ++t) {
      INFO("rate after step " << t);
      CHECK(sgd.lr() == Approx(rates->second[t]).epsilon(1e-6));
      if (t == metrics->second.numel()) break;
      if (schedule->takes_metric()) {
        schedule->step(static_cast<double>(metrics->second[t]));
      } else {
        schedule->step();
      }
    }
  }
}
TEST_CASE("Dropout2d in evaluation mode matches PyTorch", "[parity]") { check_both("dropout2d"); }

// ---------------------------------------------------------------------------------------------------
// Losses, apart from the models: make_parity_data.py runs each configuration of its LOSS_CONFIGS on a
// fixed input and target in float64 and writes the input, the target, the weights where the loss has
// them, the loss and its gradient to losses.fnnt. fnn's loss of the same configuration must give the
// same loss and gradient: to 1e-4 in float and 1e-6 in double, as for the models.
namespace {

// fnn's counterpart of each configuration of make_parity_data.py's LOSS_CONFIGS: the loss and its
// gradient at `input`, with `weight` the class weights or pos_weight (empty where the loss has none).
template <class Scalar>
std::pair<Scalar, fnn::Tensor<Scalar>> parity_loss(const std::string& config, const fnn::Tensor<Scalar>& input,
                                                   const fnn::Tensor<float>& target_values,
                                                   const std::vector<double>& weight) {
  using namespace fnn;
  const Tensor<Scalar> target = convert<Scalar>(target_values);
  auto run = [&](auto&& loss, const auto& targets) {
    const Scalar value = loss.forward(input, targets);
    return std::pair<Scalar, Tensor<Scalar>>{value, loss.backward()};
  };
  if (config == "mse") return run(MSELoss<Scalar>(), target);
  if (config == "mse_sum") return run(MSELoss<Scalar>(Reduction::sum), target);
  if (config == "l1") return run(L1Loss<Scalar>(), target);
  if (config == "l1_sum") return run(L1Loss<Scalar>(Reduction::sum), target);
  if (config == "smooth_l1") return run(SmoothL1Loss<Scalar>(), target);
  if (config == "smooth_l1_beta_sum") return run(SmoothL1Loss<Scalar>(Reduction::sum, 0.5), target);
  if (config == "huber") return run(HuberLoss<Scalar>(), target);
  if (config == "huber_delta_sum") return run(HuberLoss<Scalar>(Reduction::sum, 0.3), target);
  if (config == "bce") return run(BCELoss<Scalar>(), target);
  if (config == "bce_sum") return run(BCELoss<Scalar>(Reduction::sum), target);
  if (config == "bce_with_logits") return run(BCEWithLogitsLoss<Scalar>(), target);
  if (config == "bce_with_logits_pos_weight_sum") return run(BCEWithLogitsLoss<Scalar>(Reduction::sum, weight), target);
  Targets classes;
  for (float t : target_values) classes.push_back(static_cast<std::int32_t>(t));
  if (config == "cross_entropy_sum") return run(CrossEntropyLoss<Scalar>({}, Reduction::sum), classes);
  if (config == "cross_entropy_weight") return run(CrossEntropyLoss<Scalar>(weight), classes);
  if (config == "cross_entropy_weight_smoothing_sum") {
    return run(CrossEntropyLoss<Scalar>(weight, Reduction::sum, 0.1), classes);
  }
  FAIL("no fnn loss for the configuration " << config);
  return {};
}

const char* const loss_configs[] = {"mse",   "mse_sum", "l1",  "l1_sum", "smooth_l1", "smooth_l1_beta_sum",
                                    "huber", "huber_delta_sum", "bce", "bce_sum", "bce_with_logits",
                                    "bce_with_logits_pos_weight_sum", "cross_entropy_sum", "cross_entropy_weight",
                                    "cross_entropy_weight_smoothing_sum"};

template <class Scalar>
void check_loss_parity(const std::string& config, const Tolerance& tol) {
  const ConfigReference reference("losses", config);
  std::vector<double> weight;
  if (reference.has("weight")) {
    for (float w : reference("weight")) weight.push_back(static_cast<double>(w));
  }
  const auto [loss, grad] = parity_loss<Scalar>(config, convert<Scalar>(reference("input")), reference("target"), weight);
  const fnn::Tensor<Scalar> loss_tensor({1}, {loss});
  check_agreement<Scalar>(reference, {{"loss", &loss_tensor}, {"grad", &grad}}, tol);
}

}  // namespace

TEST_CASE("Losses match PyTorch: MSE, L1, SmoothL1, Huber, BCE, BCEWithLogits, weighted CrossEntropy", "[parity][loss]") {
  for (const std::string config : loss_configs) {
    SECTION(config + " in float") { check_loss_parity<float>(config, float_tolerance); }
    SECTION(config + " in double") { check_loss_parity<double>(config, double_tolerance); }
  }
}

// ---------------------------------------------------------------------------------------------------
// Conv2d's geometry, apart from the models: make_parity_data.py runs each configuration of its
// CONV2D_CONFIGS (rectangular kernels, stride and padding per axis, dilation, groups, depthwise, with
// and without bias) in float64 on a fixed input, PyTorch's initial parameters and a fixed gradient of the
// output, and writes them, the output and every gradient to conv2d.fnnt. fnn's Conv2d with the same
// options and parameters must give the same output and gradients with respect to the input, the weight
// and the bias: to 1e-4 in float and 1e-6 in double, as for the models.
namespace {

// fnn's counterpart of each configuration of make_parity_data.py's CONV2D_CONFIGS, by the same name.
fnn::Conv2dOptions parity_conv2d(const std::string& config) {
  using fnn::Conv2dOptions;
  if (config == "rect_stride_padding") return Conv2dOptions(3, 4, {3, 5}).stride({2, 1}).padding({1, 2});
  if (config == "rect_no_bias") return Conv2dOptions(2, 3, {2, 3}).stride({1, 2}).padding({0, 1}).bias(false);
  if (config == "dilation2") return Conv2dOptions(2, 3, 3).padding(2).dilation(2);
  if (config == "dilation_per_axis_no_bias") {
    return Conv2dOptions(2, 2, {3, 2}).stride({2, 1}).padding({1, 0}).dilation({2, 3}).bias(false);
  }
  if (config == "groups2") return Conv2dOptions(4, 6, 3).padding(1).groups(2);
  if (config == "groups2_dilated_rect_no_bias") {
    return Conv2dOptions(4, 4, {3, 2}).stride({1, 2}).padding({2, 1}).dilation({2, 1}).groups(2).bias(false);
  }
  if (config == "depthwise") return Conv2dOptions(3, 3, 3).stride(2).padding(1).groups(3);
  if (config == "depthwise_multiplier2_no_bias") {
    return Conv2dOptions(3, 6, {3, 1}).padding({1, 0}).groups(3).bias(false);
  }
  FAIL("no fnn Conv2d for the configuration " << config);
  return Conv2dOptions(1, 1, 1);
}

const char* const conv2d_configs[] = {
    "rect_stride_padding",
    "rect_no_bias",
    "dilation2",
    "dilation_per_axis_no_bias",
    "groups2",
    "groups2_dilated_rect_no_bias",
    "depthwise",
    "depthwise_multiplier2_no_bias",
};

template <class Scalar>
void check_conv2d_parity(const std::string& config, const Tolerance& tol) {
  const ConfigReference reference("conv2d", config);
  fnn::Rng rng(7);  // fnn's own initialisation; every parameter is overwritten from the file
  fnn::Conv2d<Scalar> conv(parity_conv2d(config), rng);
  CHECK(reference.has("bias") == conv.options().bias());
  std::vector<std::pair<std::string, const fnn::Tensor<Scalar>*>> results;
  for (auto& p : conv.parameters()) {
    INFO(config << ": " << p.name);
    REQUIRE(reference(p.name).shape() == p.parameter->value.shape());
    p.parameter->value = convert<Scalar>(reference(p.name));
    results.emplace_back("grad." + p.name, &p.parameter->grad);
  }
  results.emplace_back("output", &conv.forward(convert<Scalar>(reference("input"))));
  results.emplace_back("grad.input", &conv.backward(convert<Scalar>(reference("grad_output"))));
  check_agreement(reference, results, tol);
}

}  // namespace

TEST_CASE("Conv2d's rectangular kernels, per-axis stride and padding, dilation, groups and depthwise match PyTorch",
          "[parity]") {
  for (const std::string config : conv2d_configs) {
    SECTION(config + " in float") { check_conv2d_parity<float>(config, float_tolerance); }
    SECTION(config + " in double") { check_conv2d_parity<double>(config, double_tolerance); }
  }
}
