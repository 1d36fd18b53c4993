#pragma once
// gradcheck: compares a layer's (or loss's) hand-written backward with central finite differences, in
// double precision, element by element. It is public so that users check their own layers the way fnn
// checks its own (docs/gradcheck.md).
//
// For a layer f, the check contracts the output with a fixed random tensor G, L(x) = sum(G * f(x)), so
// that one backward(G) yields dL/dx and dL/dparameter for every element. Then:
//  - every element of the input and of every parameter is perturbed by +-step and the numeric
//    derivative (L(x + h) - L(x - h)) / 2h is compared with the analytic one;
//    error = |analytic - numeric| / max(|analytic|, |numeric|, floor);
//  - parameter gradients are pre-filled with random values before backward, so a backward that
//    overwrites instead of adding is caught, and a second backward must add the same amount again;
//  - the input gradient of a second backward must equal the first (it is overwritten, not accumulated);
//  - a gradient that is zero both analytically and numerically fails: a check that compares zeros
//    proves nothing. Callers may also assert `nonzero` against the count the maths predicts.
// Layers with randomness must be made deterministic first (Dropout::freeze_mask).
#include <algorithm>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

#include "fnn/core/random.hpp"
#include "fnn/layers/layer.hpp"
#include "fnn/losses/targets.hpp"

namespace fnn {

struct GradcheckOptions {
  double step = 1e-5;       // finite-difference step h
  double tolerance = 1e-6;  // largest accepted error per element
  double floor = 1e-3;      // below this magnitude errors are measured absolutely
  std::uint64_t seed = 20261123;
};

struct GradientComparison {
  std::string name;  // "input" or the parameter's name
  Index numel = 0;
  Index nonzero = 0;  // elements whose analytic gradient is not exactly zero
  double max_error = 0;
  Index worst = -1;  // element with the largest error
  double analytic_at_worst = 0, numeric_at_worst = 0;
  bool accumulates = true;  // parameters: backward adds; input: backward overwrites
  bool all_zero = false;    // both gradients identically zero: the comparison proves nothing
};

struct GradcheckResult {
  std::vector<GradientComparison> gradients;
  double tolerance = 0;

  bool ok() const {
    return std::all_of(gradients.begin(), gradients.end(), [&](const GradientComparison& g) {
      return g.max_error <= tolerance && g.accumulates && !g.all_zero;
    });
  }

  const GradientComparison& operator[](const std::string& name) const {
    for (const auto& g : gradients) {
      if (g.name == name) return g;
    }
    throw ValueError("gradcheck: no gradient named '" + name + "'");
  }

  std::string report() const {
    std::ostringstream out;
    for (const auto& g : gradients) {
      out << g.name << ": max error " << g.max_error << " at element " << g.worst << " (analytic "
          << g.analytic_at_worst << ", numeric " << g.numeric_at_worst << "), " << g.nonzero << "/" << g.numel
          << " non-zero" << (g.accumulates ? "" : ", WRONG ACCUMULATION") << (g.all_zero ? ", ALL ZERO" : "")
          << '\n';
    }
    return out.str();
  }
};

namespace detail {

// Numeric derivative of loss() with respect to every element of `t`, by central differences.
template <class LossFn>
Tensor<double> numeric_gradient(Tensor<double>& t, LossFn&& loss, double h) {
  Tensor<double> g(t.shape());
  for (Index i = 0; i < t.numel(); ++i) {
    const double saved = t[i];
    t[i] = saved + h;
    const double plus = loss();
    t[i] = saved - h;
    const double minus = loss();
    t[i] = saved;
    g[i] = (plus - minus) / (2 * h);
  }
  return g;
}

inline GradientComparison compare(const std::string& name, const Tensor<double>& analytic,
                                  const Tensor<double>& numeric, const GradcheckOptions& opt) {
  GradientComparison c;
  c.name = name;
  c.numel = analytic.numel();
  bool any = false;
  for (Index i = 0; i < c.numel; ++i) {
    const double a = analytic[i], n = numeric[i];
    if (a != 0) ++c.nonzero;
    if (a != 0 || std::abs(n) > opt.tolerance) any = true;
    const double err = std::abs(a - n) / std::max({std::abs(a), std::abs(n), opt.floor});
    if (c.worst < 0 || err > c.max_error || std::isnan(err)) {
      c.max_error = std::isnan(err) ? INFINITY : err;
      c.worst = i;
      c.analytic_at_worst = a;
      c.numeric_at_worst = n;
    }
  }
  c.all_zero = !any;
  return c;
}

}  // namespace detail

// Checks layer.backward against finite differences at `input`. The layer's parameter gradients are
// zero afterwards.
inline GradcheckResult gradcheck(Layer<double>& layer, const Tensor<double>& input, const GradcheckOptions& opt = {}) {
  Rng rng(opt.seed);
  Tensor<double> x = input;
  Tensor<double> upstream(layer.forward(x).shape());
  for (double& g : upstream) g = rng.normal();
  auto loss = [&] { return (layer.forward(x).array() * upstream.array()).sum(); };

  auto params = layer.parameters();
  std::vector<Tensor<double>> sentinels;
  for (auto& p : params) {
    Tensor<double> s(p.parameter->grad.shape());
    for (double& v : s) v = rng.normal();
    p.parameter->grad = s;
    sentinels.push_back(std::move(s));
  }
  layer.forward(x);
  const Tensor<double> dx = layer.backward(upstream);
  std::vector<Tensor<double>> analytic;
  for (std::size_t i = 0; i < params.size(); ++i) {
    Tensor<double> a = params[i].parameter->grad;
    a.array() -= sentinels[i].array();
    analytic.push_back(std::move(a));
  }
  const Tensor<double> dx_again = layer.backward(upstream);

  GradcheckResult result;
  result.tolerance = opt.tolerance;
  result.gradients.push_back(detail::compare("input", dx, detail::numeric_gradient(x, loss, opt.step), opt));
  result.gradients.back().accumulates = max_abs_diff(dx, dx_again) == 0.0;
  for (std::size_t i = 0; i < params.size(); ++i) {
    Parameter<double>& p = *params[i].parameter;
    // After two backward passes the gradient must be sentinel + 2 * analytic.
    const double drift = ((p.grad.array() - sentinels[i].array() - 2 * analytic[i].array()).abs() /
                          (1 + analytic[i].array().abs()))
                             .maxCoeff();
    auto c = detail::compare(params[i].name, analytic[i], detail::numeric_gradient(p.value, loss, opt.step), opt);
    c.accumulates = drift < 1e-12;
    result.gradients.push_back(std::move(c));
    p.grad.zero();
  }
  return result;
}

// Checks loss.backward() against finite differences of loss.forward(input, targets) at `input`. The
// targets are class indices (Targets) or, for the element-wise losses, a tensor of the input's shape.
template <class Loss, class Target = Targets>
GradcheckResult gradcheck_loss(Loss& loss, const Tensor<double>& input, const Target& targets,
                               const GradcheckOptions& opt = {}) {
  Tensor<double> x = input;
  loss.forward(x, targets);
  const Tensor<double> analytic = loss.backward();
  auto value = [&] { return static_cast<double>(loss.forward(x, targets)); };
  GradcheckResult result;
  result.tolerance = opt.tolerance;
  result.gradients.push_back(detail::compare("input", analytic, detail::numeric_gradient(x, value, opt.step), opt));
  return result;
}

}  // namespace fnn
