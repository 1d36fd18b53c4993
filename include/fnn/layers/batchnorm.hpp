#pragma once
// BatchNorm1d and BatchNorm2d, as torch.nn.BatchNorm1d/2d (eps = 1e-5, momentum = 0.1, affine).
// Both normalise each channel c over every other axis; the input is read as x [N, C, S], where S is 1
// for BatchNorm1d on [N, C], L on [N, C, L], and H*W for BatchNorm2d on [N, C, H, W]. M = N*S values
// per channel.
//   training:   mean_c, var_c = the batch's mean and biased variance over those M values
//               running_mean = (1 - momentum) running_mean + momentum mean_c
//               running_var  = (1 - momentum) running_var  + momentum var_c * M / (M - 1)
//   evaluation: mean_c, var_c = running_mean, running_var
//   xhat = (x - mean_c) / sqrt(var_c + eps)       y = gamma_c xhat + beta_c
// Backward (training; the batch statistics depend on x):
//   dgamma_c += sum dy xhat       dbeta_c += sum dy
//   dx = gamma_c / sqrt(var_c + eps) * (dy - mean(dy) - xhat * mean(dy xhat))     (means over the M values)
// In evaluation the statistics are constants and dx = gamma_c / sqrt(var_c + eps) * dy.
#include <cmath>
#include <string>

#include "fnn/core/parallel.hpp"
#include "fnn/layers/layer.hpp"

namespace fnn {

template <class Scalar>
class BatchNorm : public Layer<Scalar> {
 public:
  std::string name() const override {
    return std::string(spatial_ ? "BatchNorm2d(" : "BatchNorm1d(") + std::to_string(channels_) + ")";
  }

  Shape output_shape(const Shape& in) const override {
    if (spatial_) {
      check_rank([this] { return name(); }, in, 4, "[N, C, H, W]");
    } else if (in.rank() != 2 && in.rank() != 3) {
      throw ShapeError(name() + ": expected a rank-2 input [N, C] or rank-3 input [N, C, L], got " + in.str());
    }
    if (in[1] != channels_) {
      throw ShapeError(name() + ": expected " + std::to_string(channels_) + " channels on axis 1, got " + in.str());
    }
    return in;
  }

  const Tensor<Scalar>& forward(const Tensor<Scalar>& x) override {
    output_shape(x.shape());
    const Index n_batch = x.size(0), m = n_batch > 0 ? x.numel() / channels_ : 0, s = n_batch > 0 ? m / n_batch : 0;
    if (m < (this->training() ? 2 : 1)) {
      throw ValueError(name() + ": " + (this->training() ? "training needs more than 1 value" : "needs a value") +
                       " per channel, got input " + x.shape().str());
    }
    output_.resize(x.shape());
    xhat_.resize(x.shape());
    parallel_ranges(channels_, elementwise_work(x.numel()), 1, [&](Index first, Index last) {
      for (Index c = first; c < last; ++c) {
        Scalar mean = running_mean_[c], var = running_var_[c];
        if (this->training()) {
          double sum = 0;
          for (Index n = 0; n < n_batch; ++n) sum += slice(x, n, c, s).sum();
          mean = static_cast<Scalar>(sum / static_cast<double>(m));
          double sq = 0;
          for (Index n = 0; n < n_batch; ++n) sq += (slice(x, n, c, s) - mean).square().sum();
          var = static_cast<Scalar>(sq / static_cast<double>(m));
          running_mean_[c] = (1 - momentum_) * running_mean_[c] + momentum_ * mean;
          running_var_[c] = (1 - momentum_) * running_var_[c] + momentum_ * var * Scalar(m) / Scalar(m - 1);
        }
        const Scalar inv_std = Scalar(1) / std::sqrt(var + eps_);
        inv_std_[c] = inv_std;
        const Scalar gamma = weight_.value[c], beta = bias_.value[c];
        for (Index n = 0; n < n_batch; ++n) {
          slice(xhat_, n, c, s) = (slice(x, n, c, s) - mean) * inv_std;
          slice(output_, n, c, s) = gamma * slice(xhat_, n, c, s) + beta;
        }
      }
    });
    batch_statistics_ = this->training();
    return output_;
  }

  const Tensor<Scalar>& backward(const Tensor<Scalar>& dy) override {
    this->check_backward(dy, output_);
    grad_input_.resize(dy.shape());
    const Index n_batch = dy.size(0), s = dy.numel() / (n_batch * channels_);
    const Scalar m = Scalar(n_batch * s);
    parallel_ranges(channels_, elementwise_work(dy.numel()), 1, [&](Index first, Index last) {
      for (Index c = first; c < last; ++c) {
        double sum_dy = 0, sum_dy_xhat = 0;  // in double, as the statistics in forward
        for (Index n = 0; n < n_batch; ++n) {
          sum_dy += slice(dy, n, c, s).sum();
          sum_dy_xhat += (slice(dy, n, c, s) * slice(xhat_, n, c, s)).sum();
        }
        weight_.grad[c] += static_cast<Scalar>(sum_dy_xhat);
        bias_.grad[c] += static_cast<Scalar>(sum_dy);
        const auto mean_dy = static_cast<Scalar>(sum_dy / m), mean_dy_xhat = static_cast<Scalar>(sum_dy_xhat / m);
        const Scalar scale = weight_.value[c] * inv_std_[c];
        for (Index n = 0; n < n_batch; ++n) {
          if (batch_statistics_) {
            slice(grad_input_, n, c, s) = scale * (slice(dy, n, c, s) - mean_dy - slice(xhat_, n, c, s) * mean_dy_xhat);
          } else {
            slice(grad_input_, n, c, s) = scale * slice(dy, n, c, s);
          }
        }
      }
    });
    return grad_input_;
  }

  std::vector<ParameterRef<Scalar>> parameters() override { return {{"weight", &weight_}, {"bias", &bias_}}; }
  std::vector<BufferRef<Scalar>> buffers() override {
    return {{"running_mean", &running_mean_}, {"running_var", &running_var_}};
  }
  Parameter<Scalar>& weight() { return weight_; }
  Parameter<Scalar>& bias() { return bias_; }
  Tensor<Scalar>& running_mean() { return running_mean_; }
  Tensor<Scalar>& running_var() { return running_var_; }

 protected:
  BatchNorm(Index channels, bool spatial, double eps, double momentum)
      : channels_(channels), spatial_(spatial), eps_(static_cast<Scalar>(eps)),
        momentum_(static_cast<Scalar>(momentum)), weight_({channels}), bias_({channels}),
        running_mean_({channels}, Scalar(0)), running_var_({channels}, Scalar(1)), inv_std_({channels}) {
    if (channels < 1) throw ValueError("BatchNorm: the number of channels must be positive");
    weight_.value.fill(Scalar(1));
  }

 private:
  // The s values of channel c in sample n, as an Eigen array.
  static auto slice(Tensor<Scalar>& t, Index n, Index c, Index s) {
    return Eigen::Map<Eigen::Array<Scalar, Eigen::Dynamic, 1>>(t.data() + (n * t.size(1) + c) * s, s);
  }
  static auto slice(const Tensor<Scalar>& t, Index n, Index c, Index s) {
    return Eigen::Map<const Eigen::Array<Scalar, Eigen::Dynamic, 1>>(t.data() + (n * t.size(1) + c) * s, s);
  }

  Index channels_;
  bool spatial_;
  Scalar eps_, momentum_;
  Parameter<Scalar> weight_, bias_;  // gamma and beta
  Tensor<Scalar> running_mean_, running_var_;
  Tensor<Scalar> inv_std_;            // per channel, for the last forward
  bool batch_statistics_ = true;      // whether the last forward normalised with the batch's statistics
  Tensor<Scalar> xhat_, output_, grad_input_;
};

template <class Scalar>
class BatchNorm1d final : public BatchNorm<Scalar> {
 public:
  explicit BatchNorm1d(Index num_features, double eps = 1e-5, double momentum = 0.1)
      : BatchNorm<Scalar>(num_features, false, eps, momentum) {}
};

template <class Scalar>
class BatchNorm2d final : public BatchNorm<Scalar> {
 public:
  explicit BatchNorm2d(Index num_features, double eps = 1e-5, double momentum = 0.1)
      : BatchNorm<Scalar>(num_features, true, eps, momentum) {}
};

}  // namespace fnn
