#pragma once
// Parameter initialisation, drawn from the caller's Rng.
#include <cmath>

#include "fnn/core/random.hpp"
#include "fnn/core/tensor.hpp"

namespace fnn::init {

template <class Scalar>
void uniform(Tensor<Scalar>& t, double low, double high, Rng& rng) {
  for (Scalar& x : t) x = static_cast<Scalar>(rng.uniform(low, high));
}

template <class Scalar>
void normal(Tensor<Scalar>& t, double mean, double stddev, Rng& rng) {
  for (Scalar& x : t) x = static_cast<Scalar>(rng.normal(mean, stddev));
}

// PyTorch's default for Linear and Conv2d weights and biases: kaiming_uniform_ with a = sqrt(5) on the
// weight, which reduces to U(-1/sqrt(fan_in), 1/sqrt(fan_in)), and the same bound for the bias.
template <class Scalar>
void fan_in_uniform(Tensor<Scalar>& t, Index fan_in, Rng& rng) {
  const double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
  uniform(t, -bound, bound, rng);
}

// Keras's default for Dense and Conv2D kernels, glorot_uniform (torch.nn.init.xavier_uniform_):
// U(-b, b) with b = sqrt(6 / (fan_in + fan_out)); a convolution's fans count its kernel's pixels too.
template <class Scalar>
void glorot_uniform(Tensor<Scalar>& t, Index fan_in, Index fan_out, Rng& rng) {
  const double bound = std::sqrt(6.0 / static_cast<double>(fan_in + fan_out));
  uniform(t, -bound, bound, rng);
}

}  // namespace fnn::init
