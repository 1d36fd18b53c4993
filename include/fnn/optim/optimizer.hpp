#pragma once
// Optimizer<Scalar>: what every optimizer shares: the parameters it updates, in a fixed order, and a
// learning rate a schedule may change. Per-parameter state lives in vectors indexed like the
// parameters, never in a map keyed by address.
#include <optional>
#include <string>
#include <vector>

#include "fnn/core/parallel.hpp"
#include "fnn/io/state_dict.hpp"
#include "fnn/layers/layer.hpp"

namespace fnn {

template <class Scalar>
class Optimizer {
 public:
  virtual ~Optimizer() = default;

  virtual void step() = 0;

  void zero_grad() {
    for_each_piece([&](std::size_t i, Index first, Index last) {
      segment(params_[i].parameter->grad, first, last).setZero();
    });
  }

  double lr() const { return lr_; }
  void set_lr(double lr) { lr_ = lr; }
  long long steps() const { return steps_; }

  // The rate schedules start from, as torch's initial_lr: the rate when the first schedule was made on
  // this optimizer. Schedules chained by SequentialLR all start from it, not from the rate the schedule
  // made before them set.
  double schedule_base_lr() {
    if (!schedule_base_lr_) schedule_base_lr_ = lr_;
    return *schedule_base_lr_;
  }
  const std::vector<ParameterRef<Scalar>>& parameters() const { return params_; }

  // The optimizer's part of a checkpoint, every entry named `prefix` + ...: the learning rate and the
  // step count here, per-parameter buffers in the subclasses.
  virtual void save_state(StateDict& state, const std::string& prefix) const {
    state.put_number(prefix + "lr", lr_);
    state.put_number(prefix + "steps", static_cast<double>(steps_));
  }
  virtual void load_state(const StateDict& state, const std::string& prefix) {
    lr_ = state.get_number(prefix + "lr");
    steps_ = state.get_integer(prefix + "steps");
  }

 protected:
  Optimizer(std::vector<ParameterRef<Scalar>> params, double lr) : params_(std::move(params)), lr_(lr) {
    if (!(lr >= 0.0)) throw ValueError("optimizer: the learning rate must be a non-negative number");
  }

  // Calls update(i, first, last) on pieces [first, last) of every parameter i, split between the threads
  // when the parameter is large enough. An update reads and writes each element of its state once per
  // step, so the pieces are small enough for that state to stay in the L1 cache between the statements
  // of one update.
  template <class Update>
  void for_each_piece(Update&& update) {
    constexpr Index piece = 2048;
    for (std::size_t i = 0; i < params_.size(); ++i) {
      const Index n = params_[i].parameter->value.numel();
      parallel_ranges(n, elementwise_work(n), 64, [&](Index first, Index last) {
        for (Index begin = first; begin < last; begin += piece) update(i, begin, std::min(begin + piece, last));
      });
    }
  }

  // One zero-initialised state tensor per parameter, of the parameter's shape.
  std::vector<Tensor<Scalar>> zero_state() const {
    std::vector<Tensor<Scalar>> state;
    state.reserve(params_.size());
    for (const auto& p : params_) state.emplace_back(p.parameter->value.shape());
    return state;
  }

  // Per-parameter buffers (momentum, moments) are stored under the parameter's name.
  void save_buffers(StateDict& state, const std::string& prefix, const std::vector<Tensor<Scalar>>& buffers) const {
    for (std::size_t i = 0; i < params_.size(); ++i) state.put_tensor(prefix + params_[i].name, buffers[i]);
  }
  void load_buffers(const StateDict& state, const std::string& prefix, std::vector<Tensor<Scalar>>& buffers) const {
    for (std::size_t i = 0; i < params_.size(); ++i) state.get_tensor(prefix + params_[i].name, buffers[i]);
  }

  std::vector<ParameterRef<Scalar>> params_;
  double lr_;
  long long steps_ = 0;  // steps taken; each subclass's step() counts its own
  std::optional<double> schedule_base_lr_;
};

}  // namespace fnn
