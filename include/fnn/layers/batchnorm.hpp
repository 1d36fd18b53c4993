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
//
// Synchronised, as torch.nn.SyncBatchNorm (synchronise(&communicator), or distributed::synchronise_batchnorm
// for every BatchNorm of a model): in data-parallel training, where process p holds M_p of the batch's
// values of a channel, the statistics are those of all M = sum_p M_p values, so that every process
// normalises as one process would with the whole batch. Two exchanges: the sums and counts, then the
// squared deviations from the global mean (summed as one process sums them, which a sum of squares
// minus the squared mean is not: it cancels when the mean is large against the spread).
//   mean_c = sum_p sum x / M      var_c = sum_p sum (x - mean_c)^2 / M      running statistics with M
// In backward, process p's dy is the gradient of its own loss, the mean over its samples, and fit's
// GradientAverager weights the gradients of process p by its share w_p = M_p / M: the gradient of the
// global loss is w_p dy there. So the sums are exchanged weighted, S = sum_p w_p sum dy and
// S' = sum_p w_p sum dy xhat, and process p returns the global loss's gradient divided by w_p, the weight
// the averaging puts back on everything before this layer:
//   dx = gamma_c / sqrt(var_c + eps) * (dy - S / M_p - xhat * S' / M_p)
// dgamma and dbeta are this process's sums, averaged as every parameter's gradient is. A process with no
// values (its part of a short last batch is empty) still takes part in both exchanges. Evaluation does
// not exchange: the running statistics are alike on every process.
#include <algorithm>
#include <cmath>
#include <memory>
#include <string>

#include "fnn/core/parallel.hpp"
#include "fnn/distributed/communicator.hpp"
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
    s_ = x.shape().inner() / channels_;
    const Index m = x.size(0) * s_;
    const bool synchronised = this->training() && communicator_ != nullptr;
    if (!synchronised && m < (this->training() ? 2 : 1)) {
      throw ValueError(name() + ": " + (this->training() ? "training needs more than 1 value" : "needs a value") +
                       " per channel, got input " + x.shape().str());
    }
    output_.resize(x.shape());
    xhat_.resize(x.shape());
    if (synchronised) {
      exchange_statistics(x, m);
      for_channel_ranges(x.numel(), [&](Index first, Index last) { normalise(x, first, last); });
    } else {
      for_channel_ranges(x.numel(), [&](Index first, Index last) {
        if (this->training()) {
          sum_values(x, first, last);
          sum_squared_deviations(x, first, last, static_cast<double>(m));
          use_batch_statistics(first, last, m);
        } else {
          for (Index c = first; c < last; ++c) normalise_with(c, running_mean_[c], running_var_[c]);
        }
        normalise(x, first, last);
      });
    }
    batch_statistics_ = this->training();
    synchronised_ = synchronised;
    return output_;
  }

  const Tensor<Scalar>& backward(const Tensor<Scalar>& dy) override {
    this->check_backward(dy, output_);
    grad_input_.resize(dy.shape());
    const double m = static_cast<double>(dy.size(0) * s_);
    if (!synchronised_) {
      for_channel_ranges(dy.numel(), [&](Index first, Index last) {
        sum_gradients(dy, first, last);
        input_gradient(dy, first, last, m);
      });
      return grad_input_;
    }
    for_channel_ranges(dy.numel(), [&](Index first, Index last) { sum_gradients(dy, first, last); });
    gradient_sums_ *= share_;
    communicator_->all_reduce_sum(gradient_sums_.data(), static_cast<std::size_t>(gradient_sums_.size()));
    if (m > 0) {  // a process without values has no dx to compute
      for_channel_ranges(dy.numel(), [&](Index first, Index last) { input_gradient(dy, first, last, m); });
    }
    return grad_input_;
  }

  // Synchronised BatchNorm (see the top): training takes its statistics over the processes of `comm`,
  // which every process's layer must be given alike; null (the default) takes this process's values alone.
  // The communicator must outlive the layer's training.
  void synchronise(distributed::Communicator* comm) { communicator_ = comm; }
  distributed::Communicator* communicator() const { return communicator_; }

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
        inv_std_({channels}), value_sums_(channels + 1), squared_deviations_(channels), gradient_sums_(channels, 2) {
    if (channels < 1) throw ValueError("BatchNorm: the number of channels must be positive");
    weight_.value.fill(Scalar(1));
  }

 private:
  // Calls body(first, last) for ranges of channels, shared out between the threads. Input [N, C] (s = 1):
  // a channel is a column, so the loops run along the rows, over blocks of up to features_block columns
  // whose per-channel figures stay in cache; otherwise one channel at a time.
  static constexpr Index features_block = 16;
  using BlockSums = Eigen::Array<double, 1, Eigen::Dynamic, Eigen::RowMajor, 1, features_block>;
  using BlockFactors = Eigen::Array<Scalar, 1, Eigen::Dynamic, Eigen::RowMajor, 1, features_block>;

  template <class Body>
  void for_channel_ranges(Index numel, Body&& body) {
    const Index block = s_ == 1 ? features_block : 1;
    parallel_ranges(channels_, elementwise_work(numel), block, [&](Index first, Index last) {
      for (Index c = first; c < last; c += block) body(c, std::min(c + block, last));
    });
  }

  // The statistics over every process's values, in two exchanges (see the top); they also move the
  // running statistics, alike on every process.
  void exchange_statistics(const Tensor<Scalar>& x, Index m) {
    for_channel_ranges(x.numel(), [&](Index first, Index last) { sum_values(x, first, last); });
    value_sums_[channels_] = static_cast<double>(m);
    communicator_->all_reduce_sum(value_sums_.data(), static_cast<std::size_t>(value_sums_.size()));
    const double count = value_sums_[channels_];
    if (count < 2) {
      throw ValueError(name() + ": training needs more than 1 value per channel, got " +
                       std::to_string(static_cast<long long>(count)) + " over the processes (input " + x.shape().str() +
                       " here)");
    }
    for_channel_ranges(x.numel(), [&](Index first, Index last) { sum_squared_deviations(x, first, last, count); });
    communicator_->all_reduce_sum(squared_deviations_.data(), static_cast<std::size_t>(squared_deviations_.size()));
    use_batch_statistics(0, channels_, static_cast<Index>(count));
    share_ = static_cast<double>(m) / count;
  }

  // Sums over this process's values of channels [first, last), in double: sum x into value_sums_; sum
  // (x - mean)^2, with mean = sum x / count, into squared_deviations_.
  void sum_values(const Tensor<Scalar>& x, Index first, Index last) {
    if (s_ == 1) {
      value_sums_.segment(first, last - first) =
          columns(x, first, last).template cast<double>().colwise().sum().transpose();
      return;
    }
    for (Index c = first; c < last; ++c) {
      double sum = 0;
      for (Index n = 0; n < x.size(0); ++n) sum += slice(x, n, c, s_).sum();
      value_sums_[c] = sum;
    }
  }
  void sum_squared_deviations(const Tensor<Scalar>& x, Index first, Index last, double count) {
    if (s_ == 1) {
      const BlockSums mean = value_sums_.segment(first, last - first).transpose() / count;
      squared_deviations_.segment(first, last - first) =
          (columns(x, first, last).template cast<double>().rowwise() - mean).square().colwise().sum().transpose();
      return;
    }
    for (Index c = first; c < last; ++c) {
      const auto mean = static_cast<Scalar>(value_sums_[c] / count);
      double sum = 0;
      for (Index n = 0; n < x.size(0); ++n) sum += (slice(x, n, c, s_) - mean).square().sum();
      squared_deviations_[c] = sum;
    }
  }

  // Channels [first, last) normalise with the mean and biased variance of the count values summed in
  // value_sums_ and squared_deviations_, which also move the running statistics.
  void use_batch_statistics(Index first, Index last, Index count) {
    for (Index c = first; c < last; ++c) {
      const auto mean = static_cast<Scalar>(value_sums_[c] / static_cast<double>(count));
      const auto var = static_cast<Scalar>(squared_deviations_[c] / static_cast<double>(count));
      running_mean_[c] = (1 - momentum_) * running_mean_[c] + momentum_ * mean;
      running_var_[c] = (1 - momentum_) * running_var_[c] + momentum_ * var * Scalar(count) / Scalar(count - 1);
      normalise_with(c, mean, var);
    }
  }
  void normalise_with(Index c, Scalar mean, Scalar var) {
    mean_[c] = mean;
    inv_std_[c] = Scalar(1) / std::sqrt(var + eps_);
  }

  // xhat and y of channels [first, last), with the statistics in mean_ and inv_std_.
  void normalise(const Tensor<Scalar>& x, Index first, Index last) {
    if (s_ == 1) {
      auto xhat = columns(xhat_, first, last);
      xhat = (columns(x, first, last).rowwise() - row(mean_, first, last)).rowwise() * row(inv_std_, first, last);
      columns(output_, first, last) =
          (xhat.rowwise() * row(weight_.value, first, last)).rowwise() + row(bias_.value, first, last);
      return;
    }
    for (Index c = first; c < last; ++c) {
      const Scalar mean = mean_[c], inv_std = inv_std_[c], gamma = weight_.value[c], beta = bias_.value[c];
      for (Index n = 0; n < x.size(0); ++n) {
        slice(xhat_, n, c, s_) = (slice(x, n, c, s_) - mean) * inv_std;
        slice(output_, n, c, s_) = gamma * slice(xhat_, n, c, s_) + beta;
      }
    }
  }

  // Sums over this process's values of channels [first, last), in double as the statistics in forward:
  // sum dy and sum dy xhat into gradient_sums_'s columns, and into the parameters' gradients.
  void sum_gradients(const Tensor<Scalar>& dy, Index first, Index last) {
    if (s_ == 1) {
      const auto d = columns(dy, first, last).template cast<double>();
      gradient_sums_.col(0).segment(first, last - first) = d.colwise().sum().transpose();
      gradient_sums_.col(1).segment(first, last - first) =
          (d * columns(xhat_, first, last).template cast<double>()).colwise().sum().transpose();
    } else {
      for (Index c = first; c < last; ++c) {
        double sum_dy = 0, sum_dy_xhat = 0;
        for (Index n = 0; n < dy.size(0); ++n) {
          sum_dy += slice(dy, n, c, s_).sum();
          sum_dy_xhat += (slice(dy, n, c, s_) * slice(xhat_, n, c, s_)).sum();
        }
        gradient_sums_(c, 0) = sum_dy;
        gradient_sums_(c, 1) = sum_dy_xhat;
      }
    }
    if (!affine_) return;
    for (Index c = first; c < last; ++c) {
      weight_.grad[c] += static_cast<Scalar>(gradient_sums_(c, 1));
      bias_.grad[c] += static_cast<Scalar>(gradient_sums_(c, 0));
    }
  }

  // dx of channels [first, last), with mean(dy) and mean(dy xhat) = gradient_sums_ / count.
  void input_gradient(const Tensor<Scalar>& dy, Index first, Index last, double count) {
    if (s_ == 1) {
      const BlockFactors scale = row(weight_.value, first, last) * row(inv_std_, first, last);
      auto dx = columns(grad_input_, first, last);
      const auto d = columns(dy, first, last);
      if (batch_statistics_) {
        const BlockFactors mean_dy =
            (gradient_sums_.col(0).segment(first, last - first).transpose() / count).template cast<Scalar>();
        const BlockFactors mean_dy_xhat =
            (gradient_sums_.col(1).segment(first, last - first).transpose() / count).template cast<Scalar>();
        dx = ((d.rowwise() - mean_dy) - columns(xhat_, first, last).rowwise() * mean_dy_xhat).rowwise() * scale;
      } else {
        dx = d.rowwise() * scale;
      }
      return;
    }
    for (Index c = first; c < last; ++c) {
      const auto mean_dy = static_cast<Scalar>(gradient_sums_(c, 0) / count);
      const auto mean_dy_xhat = static_cast<Scalar>(gradient_sums_(c, 1) / count);
      const Scalar scale = weight_.value[c] * inv_std_[c];
      for (Index n = 0; n < dy.size(0); ++n) {
        if (batch_statistics_) {
          slice(grad_input_, n, c, s_) =
              scale * (slice(dy, n, c, s_) - mean_dy - slice(xhat_, n, c, s_) * mean_dy_xhat);
        } else {
          slice(grad_input_, n, c, s_) = scale * slice(dy, n, c, s_);
        }
      }
    }
  }

  // Input [N, C]: columns [first, last) as an Eigen array, and entries [first, last) of a per-channel
  // tensor as a row to broadcast over them.
  static auto columns(Tensor<Scalar>& t, Index first, Index last) {
    return t.matrix().middleCols(first, last - first).array();
  }
  static auto columns(const Tensor<Scalar>& t, Index first, Index last) {
    return t.matrix().middleCols(first, last - first).array();
  }
  static auto row(const Tensor<Scalar>& t, Index first, Index last) {
    return t.row_vector().segment(first, last - first).array();
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
  bool affine_;  // gamma and beta learnt; else fixed at 1 and 0
  Scalar eps_, momentum_;
  Parameter<Scalar> weight_, bias_;  // gamma and beta
  Tensor<Scalar> running_mean_, running_var_;
  Tensor<Scalar> mean_, inv_std_;  // per channel, the statistics the last forward normalised with
  Index s_ = 1;                    // values per sample and channel in the last forward
  bool batch_statistics_ = true;   // whether the last forward normalised with the batch's statistics
  distributed::Communicator* communicator_ = nullptr;      // synchronised: the processes training together
  bool synchronised_ = false;                              // whether the last forward exchanged its statistics
  double share_ = 1;                                       // then this process's share of the values, M_p / M
  Eigen::ArrayXd value_sums_;                              // per channel sum x, then the count of values
  Eigen::ArrayXd squared_deviations_;                      // per channel sum (x - mean)^2
  Eigen::Array<double, Eigen::Dynamic, 2> gradient_sums_;  // per channel sum dy, sum dy xhat
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
