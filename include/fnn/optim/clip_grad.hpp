#pragma once
// Gradient clipping, as torch.nn.utils.clip_grad_norm_ and clip_grad_value_, called between backward and
// the optimizer's step:
//   clip_grad_norm_:   total = || (||g_1||_p, ..., ||g_k||_p) ||_p  over the parameters' gradients, which
//                      is the p-norm of all their elements together (p = inf: the largest |element|);
//                      every gradient is scaled by min(1, max_norm / (total + 1e-6)); returns total.
//                      The 1e-6 keeps the scale finite for a zero gradient and leaves a gradient of norm
//                      max_norm a hair below it, exactly as torch does.
//   clip_grad_value_:  every element clamped to [-clip_value, clip_value].
// A frozen parameter (requires_grad false) is left out, as torch leaves out one without a gradient.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "fnn/core/error.hpp"
#include "fnn/layers/layer.hpp"

namespace fnn {

// The gradients' total p-norm (norm_type = p, or infinity for the largest magnitude) before clipping.
template <class Scalar>
double clip_grad_norm_(const std::vector<ParameterRef<Scalar>>& parameters, double max_norm, double norm_type = 2.0) {
  if (!(norm_type > 0)) throw ValueError("clip_grad_norm_: norm_type must be positive or infinity, not " + std::to_string(norm_type));
  if (!(max_norm >= 0)) throw ValueError("clip_grad_norm_: max_norm must be a non-negative number, not " + std::to_string(max_norm));
  const bool largest = std::isinf(norm_type);
  // Accumulated in double: a float sum of many squares loses the small ones.
  double total = 0;
  for (const auto& ref : parameters) {
    if (!ref.parameter->requires_grad || ref.parameter->grad.numel() == 0) continue;
    const auto g = ref.parameter->grad.array().template cast<double>().abs();
    if (largest) {
      total = std::max(total, g.maxCoeff());
    } else if (norm_type == 2.0) {
      total += g.square().sum();
    } else if (norm_type == 1.0) {
      total += g.sum();
    } else {
      total += g.pow(norm_type).sum();
    }
  }
  if (!largest && norm_type != 1.0) total = norm_type == 2.0 ? std::sqrt(total) : std::pow(total, 1.0 / norm_type);
  const double scale = max_norm / (total + 1e-6);
  if (scale < 1.0) {
    for (const auto& ref : parameters) {
      if (ref.parameter->requires_grad) ref.parameter->grad.array() *= static_cast<Scalar>(scale);
    }
  }
  return total;
}

template <class Scalar>
void clip_grad_value_(const std::vector<ParameterRef<Scalar>>& parameters, double clip_value) {
  if (!(clip_value >= 0)) throw ValueError("clip_grad_value_: clip_value must be a non-negative number, not " + std::to_string(clip_value));
  const auto bound = static_cast<Scalar>(clip_value);
  for (const auto& ref : parameters) {
    if (ref.parameter->requires_grad) ref.parameter->grad.array() = ref.parameter->grad.array().min(bound).max(-bound);
  }
}

}  // namespace fnn
