#pragma once
// ExponentialMovingAverage: a running average of a model's weights, as TensorFlow's
// tf.train.ExponentialMovingAverage (with num_updates) and timm's ModelEmaV2. After every optimizer step,
//   d = min(decay, (1 + n) / (warmup + n))    n = updates so far (the average forgets its start quickly)
//   average = d * average + (1 - d) * value   for every parameter and buffer (BatchNorm's statistics)
// TensorFlow's warmup is 10. While the warm-up term is the smaller one, step i's weights count in proportion
// to about i^(warmup - 2): warmup 10 averages roughly the last tenth of the steps so far, 5 the last fifth,
// 2 all of them equally; 1 turns the warm-up off. The averaged weights smooth out the noise of the last
// steps, which can make them classify better than the last ones (docs/results.md has this project's
// trials). swap() exchanges them with the model's own, so evaluating with them and going on training is
// swap(), evaluate, swap().
//
//   fnn::ExponentialMovingAverage<float> average(model, 0.999);
//   ... optimizer.step(); average.update(); ...
//   average.swap();  // the model now holds the averages
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "fnn/core/parallel.hpp"
#include "fnn/io/model_io.hpp"
#include "fnn/io/state_dict.hpp"
#include "fnn/layers/layer.hpp"

namespace fnn {

template <class Scalar>
class ExponentialMovingAverage {
 public:
  // Averages every parameter and buffer of `model`, which must outlive the average, starting from their
  // current values.
  ExponentialMovingAverage(Layer<Scalar>& model, double decay, double warmup = 10)
      : tracked_(state_tensors(model)), decay_(decay), warmup_(warmup) {
    if (!(decay >= 0.0 && decay < 1.0)) {
      throw ValueError("ExponentialMovingAverage: the decay must be in [0, 1), not " + std::to_string(decay));
    }
    if (!(warmup >= 1.0 && std::isfinite(warmup))) {
      throw ValueError("ExponentialMovingAverage: the warm-up must be a number >= 1, not " + std::to_string(warmup));
    }
    averages_.reserve(tracked_.size());
    for (const auto& entry : tracked_) averages_.push_back(*entry.second);
  }

  void update() {
    const double n = static_cast<double>(updates_++);
    const auto d = static_cast<Scalar>(std::min(decay_, (1 + n) / (warmup_ + n)));
    for (std::size_t i = 0; i < tracked_.size(); ++i) {
      const Index size = averages_[i].numel();
      parallel_ranges(size, elementwise_work(size), 64, [&](Index first, Index last) {
        segment(averages_[i], first, last) = d * segment(averages_[i], first, last) +
                                             (1 - d) * segment(*tracked_[i].second, first, last);
      });
    }
  }

  // Exchanges the model's weights with the averages; a second swap() restores both.
  void swap() {
    for (std::size_t i = 0; i < tracked_.size(); ++i) {
      Tensor<Scalar>& value = *tracked_[i].second;
      std::swap_ranges(value.data(), value.data() + value.numel(), averages_[i].data());
    }
  }

  // Sets the model's weights to the averages (for good: the end of training).
  void copy_to_model() {
    for (std::size_t i = 0; i < tracked_.size(); ++i) *tracked_[i].second = averages_[i];
  }

  double decay() const { return decay_; }
  double warmup() const { return warmup_; }
  long long updates() const { return updates_; }

  // Checkpoints: the averages under `prefix` + the tensor's name, and the update count.
  void save_state(StateDict& state, const std::string& prefix) const {
    state.put_number(prefix + "updates", static_cast<double>(updates_));
    for (std::size_t i = 0; i < tracked_.size(); ++i) state.put_tensor(prefix + tracked_[i].first, averages_[i]);
  }
  void load_state(const StateDict& state, const std::string& prefix) {
    updates_ = state.get_integer(prefix + "updates");
    for (std::size_t i = 0; i < tracked_.size(); ++i) state.get_tensor(prefix + tracked_[i].first, averages_[i]);
  }

 private:
  std::vector<std::pair<std::string, Tensor<Scalar>*>> tracked_;
  std::vector<Tensor<Scalar>> averages_;  // indexed like tracked_
  double decay_;
  double warmup_;
  long long updates_ = 0;
};

// Swaps the averaged weights into the model for the scope (nothing when `average` is null), also when
// an evaluation throws.
template <class Scalar>
class AveragedWeightsGuard {
 public:
  explicit AveragedWeightsGuard(ExponentialMovingAverage<Scalar>* average) : average_(average) {
    if (average_) average_->swap();
  }
  ~AveragedWeightsGuard() {
    if (average_) average_->swap();
  }
  AveragedWeightsGuard(const AveragedWeightsGuard&) = delete;
  AveragedWeightsGuard& operator=(const AveragedWeightsGuard&) = delete;

 private:
  ExponentialMovingAverage<Scalar>* average_;
};

}  // namespace fnn
