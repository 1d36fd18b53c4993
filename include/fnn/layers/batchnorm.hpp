#pragma once
// BatchNorm1d and BatchNorm2d, as torch.nn.BatchNorm1d/2d (eps = 1e-5, momentum = 0.1, affine = true;
// without affine, gamma = 1 and beta = 0 are constants and the layer has no parameters).
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
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include "fnn/core/parallel.hpp"
#include "fnn/layers/layer.hpp"

namespace fnn {

template <class Scalar>
class BatchNorm : public Layer<Scalar> {
 public:
  std::string name() const override {
    return std::string(spatial_ ? "BatchNorm2d(" : "BatchNorm1d(") + std::to_string(channels_) +
           (affine_ ? "" : ", affine=False") + ")";
  }

  bool samples_independent() const override { return !this->training(); }  // else batch statistics

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
    if (s == 1) {
      forward_features(x);
    } else {
      parallel_ranges(channels_, elementwise_work(x.numel()), 1, [&](Index first, Index last) {
        for (Index c = first; c < last; ++c) {
          if (this->training()) {
            double sum = 0;
            for (Index n = 0; n < n_batch; ++n) sum += slice(x, n, c, s).sum();
            const double mean = sum / static_cast<double>(m);
            double sq = 0;
            for (Index n = 0; n < n_batch; ++n) sq += (slice(x, n, c, s) - static_cast<Scalar>(mean)).square().sum();
            use_batch_statistics(c, mean, sq / static_cast<double>(m), m);
          } else {
            normalise_with(c, running_mean_[c], running_var_[c]);
          }
          const Scalar mean = mean_[c], inv_std = inv_std_[c], gamma = weight_.value[c], beta = bias_.value[c];
          for (Index n = 0; n < n_batch; ++n) {
            slice(xhat_, n, c, s) = (slice(x, n, c, s) - mean) * inv_std;
            slice(output_, n, c, s) = gamma * slice(xhat_, n, c, s) + beta;
          }
        }
      });
    }
    batch_statistics_ = this->training();
    return output_;
  }

  const Tensor<Scalar>& backward(const Tensor<Scalar>& dy) override {
    this->check_backward(dy, output_);
    grad_input_.resize(dy.shape());
    const Index n_batch = dy.size(0), s = dy.numel() / (n_batch * channels_);
    if (s == 1) {
      backward_features(dy);
      return grad_input_;
    }
    const Scalar m = Scalar(n_batch * s);
    parallel_ranges(channels_, elementwise_work(dy.numel()), 1, [&](Index first, Index last) {
      for (Index c = first; c < last; ++c) {
        double sum_dy = 0, sum_dy_xhat = 0;  // in double, as the statistics in forward
        for (Index n = 0; n < n_batch; ++n) {
          sum_dy += slice(dy, n, c, s).sum();
          sum_dy_xhat += (slice(dy, n, c, s) * slice(xhat_, n, c, s)).sum();
        }
        if (affine_) {
          weight_.grad[c] += static_cast<Scalar>(sum_dy_xhat);
          bias_.grad[c] += static_cast<Scalar>(sum_dy);
        }
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

  std::vector<ParameterRef<Scalar>> parameters() override {
    if (!affine_) return {};
    return {{"weight", &weight_}, {"bias", &bias_}};
  }
  std::vector<BufferRef<Scalar>> buffers() override {
    return {{"running_mean", &running_mean_}, {"running_var", &running_var_}};
  }
  Parameter<Scalar>& weight() { return weight_; }
  Parameter<Scalar>& bias() { return bias_; }
  Tensor<Scalar>& running_mean() { return running_mean_; }
  Tensor<Scalar>& running_var() { return running_var_; }
  double eps() const { return eps_; }
  double momentum() const { return momentum_; }

 protected:
  BatchNorm(Index channels, bool spatial, double eps, double momentum, bool affine)
      : channels_(channels), spatial_(spatial), affine_(affine), eps_(static_cast<Scalar>(eps)),
        momentum_(static_cast<Scalar>(momentum)), weight_({channels}), bias_({channels}),
        running_mean_({channels}, Scalar(0)), running_var_({channels}, Scalar(1)), mean_({channels}),
        inv_std_({channels}) {
    if (channels < 1) throw ValueError("BatchNorm: the number of channels must be positive");
    weight_.value.fill(Scalar(1));
  }

 private:
  // Channel c normalises with the batch's mean and biased variance over its m values, which also move the
  // running statistics.
  void use_batch_statistics(Index c, double mean, double var, Index m) {
    const auto batch_mean = static_cast<Scalar>(mean), batch_var = static_cast<Scalar>(var);
    running_mean_[c] = (1 - momentum_) * running_mean_[c] + momentum_ * batch_mean;
    running_var_[c] = (1 - momentum_) * running_var_[c] + momentum_ * batch_var * Scalar(m) / Scalar(m - 1);
    normalise_with(c, batch_mean, batch_var);
  }
  void normalise_with(Index c, Scalar mean, Scalar var) {
    mean_[c] = mean;
    inv_std_[c] = Scalar(1) / std::sqrt(var + eps_);
  }

  // Input [N, C] (s = 1): a channel is a column, so the loops run along the rows, over blocks of up to
  // features_block columns whose per-channel sums stay on the stack; the threads share out the blocks.
  static constexpr Index features_block = 16;
  using BlockSums = Eigen::Array<double, 1, Eigen::Dynamic, Eigen::RowMajor, 1, features_block>;
  using BlockFactors = Eigen::Array<Scalar, 1, Eigen::Dynamic, Eigen::RowMajor, 1, features_block>;

  template <class Body>
  void for_feature_blocks(Index numel, Body&& body) {
    parallel_ranges(channels_, elementwise_work(numel), features_block, [&](Index first, Index last) {
      for (Index c = first; c < last; c += features_block) body(c, std::min(features_block, last - c));
    });
  }

  void forward_features(const Tensor<Scalar>& x) {
    const Index m = x.size(0);
    for_feature_blocks(x.numel(), [&](Index first, Index width) {
      const auto in = x.matrix().middleCols(first, width).array();
      if (this->training()) {
        const BlockSums mean = in.template cast<double>().colwise().mean();
        const BlockSums var = (in.template cast<double>().rowwise() - mean).square().colwise().mean();
        for (Index j = 0; j < width; ++j) use_batch_statistics(first + j, mean[j], var[j], m);
      } else {
        for (Index c = first; c < first + width; ++c) normalise_with(c, running_mean_[c], running_var_[c]);
      }
      const auto cols = [&](Tensor<Scalar>& t) { return t.row_vector().segment(first, width).array(); };
      auto xhat = xhat_.matrix().middleCols(first, width).array();
      xhat = (in.rowwise() - cols(mean_)).rowwise() * cols(inv_std_);
      output_.matrix().middleCols(first, width).array() =
          (xhat.rowwise() * cols(weight_.value)).rowwise() + cols(bias_.value);
    });
  }

  void backward_features(const Tensor<Scalar>& dy) {
    const double m = static_cast<double>(dy.size(0));
    for_feature_blocks(dy.numel(), [&](Index first, Index width) {
      const auto d = dy.matrix().middleCols(first, width).array();
      const auto xhat = xhat_.matrix().middleCols(first, width).array();
      const BlockSums sum_dy = d.template cast<double>().colwise().sum();
      const BlockSums sum_dy_xhat = (d.template cast<double>() * xhat.template cast<double>()).colwise().sum();
      const auto cols = [&](Tensor<Scalar>& t) { return t.row_vector().segment(first, width).array(); };
      if (affine_) {
        cols(weight_.grad) += sum_dy_xhat.template cast<Scalar>();
        cols(bias_.grad) += sum_dy.template cast<Scalar>();
      }
      const BlockFactors scale = cols(weight_.value) * cols(inv_std_);
      auto dx = grad_input_.matrix().middleCols(first, width).array();
      if (batch_statistics_) {
        const BlockFactors mean_dy = (sum_dy / m).template cast<Scalar>();
        const BlockFactors mean_dy_xhat = (sum_dy_xhat / m).template cast<Scalar>();
        dx = ((d.rowwise() - mean_dy) - xhat.rowwise() * mean_dy_xhat).rowwise() * scale;
      } else {
        dx = d.rowwise() * scale;
      }
    });
  }

  // The s values of channel c in sample n, as an Eigen array.
  static auto slice(Tensor<Scalar>& t, Index n, Index c, Index s) {
    return Eigen::Map<Eigen::Array<Scalar, Eigen::Dynamic, 1>>(t.data() + (n * t.size(1) + c) * s, s);
  }
  static auto slice(const Tensor<Scalar>& t, Index n, Index c, Index s) {
    return Eigen::Map<const Eigen::Array<Scalar, Eigen::Dynamic, 1>>(t.data() + (n * t.size(1) + c) * s, s);
  }

  Index channels_;
  bool spatial_;
  bool affine_;                      // gamma and beta learnt; else fixed at 1 and 0
  Scalar eps_, momentum_;
  Parameter<Scalar> weight_, bias_;  // gamma and beta
  Tensor<Scalar> running_mean_, running_var_;
  Tensor<Scalar> mean_, inv_std_;    // per channel, the statistics the last forward normalised with
  bool batch_statistics_ = true;      // whether the last forward normalised with the batch's statistics
  Tensor<Scalar> xhat_, output_, grad_input_;
};

template <class Scalar>
class BatchNorm1d final : public BatchNorm<Scalar> {
 public:
  explicit BatchNorm1d(Index num_features, double eps = 1e-5, double momentum = 0.1, bool affine = true)
      : BatchNorm<Scalar>(num_features, false, eps, momentum, affine) {}
  std::unique_ptr<Layer<Scalar>> clone() const override { return std::make_unique<BatchNorm1d>(*this); }
};

template <class Scalar>
class BatchNorm2d final : public BatchNorm<Scalar> {
 public:
  explicit BatchNorm2d(Index num_features, double eps = 1e-5, double momentum = 0.1, bool affine = true)
      : BatchNorm<Scalar>(num_features, true, eps, momentum, affine) {}
  std::unique_ptr<Layer<Scalar>> clone() const override { return std::make_unique<BatchNorm2d>(*this); }
};

}  // namespace fnn
