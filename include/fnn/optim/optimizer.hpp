#pragma once
// Optimizer<Scalar>: what every optimizer shares: the parameters it updates, in a fixed order and in
// groups with their own learning rate and weight decay (torch.optim's param groups), and the rates a
// schedule may change. Per-parameter state lives in vectors indexed like the parameters, never in a map
// keyed by address. Frozen parameters (Parameter::requires_grad false) are skipped.
#include <algorithm>
#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fnn/core/parallel.hpp"
#include "fnn/io/state_dict.hpp"
#include "fnn/layers/layer.hpp"

namespace fnn {

// Parameters with settings of their own, as a torch.optim param group: an unset lr or weight_decay is
// the optimizer's.
template <class Scalar>
struct ParamGroup {
  std::vector<ParameterRef<Scalar>> params;
  std::optional<double> lr = std::nullopt;
  std::optional<double> weight_decay = std::nullopt;
};

// What an optimizer is given: a list of parameters (model.parameters(), or {{"w", &w}, {"b", &b}}), one
// group with the optimizer's settings; or a list of groups:
//   SGD<float> sgd(weight_decay_groups(model.parameters(), 5e-4), SGDOptions().lr(0.1).momentum(0.9));
//   SGD<float> sgd({{backbone, 0.01}, {head}}, SGDOptions().lr(0.1));  // the backbone at a tenth the rate
template <class Scalar>
class ParamGroups {
 public:
  ParamGroups(std::vector<ParameterRef<Scalar>> params) : groups_{{std::move(params), {}, {}}} {}  // NOLINT: implicit
  ParamGroups(std::initializer_list<ParameterRef<Scalar>> params)  // NOLINT: implicit
      : ParamGroups(std::vector<ParameterRef<Scalar>>(params)) {}
  ParamGroups(std::vector<ParamGroup<Scalar>> groups) : groups_(std::move(groups)) {}  // NOLINT: implicit
  ParamGroups(std::initializer_list<ParamGroup<Scalar>> groups) : groups_(groups) {}  // NOLINT: implicit

  const std::vector<ParamGroup<Scalar>>& groups() const { return groups_; }

 private:
  std::vector<ParamGroup<Scalar>> groups_;
};

// Two groups, as most training recipes use: the parameters of rank 2 or more (weights of Linear and
// Conv2d) with `weight_decay`, and those of rank 1 (biases, BatchNorm's weights and biases) with none,
// since decaying an offset or a scale towards zero only pulls the model away from its best fit.
template <class Scalar>
std::vector<ParamGroup<Scalar>> weight_decay_groups(const std::vector<ParameterRef<Scalar>>& params, double weight_decay) {
  ParamGroup<Scalar> decay{{}, {}, weight_decay}, no_decay{{}, {}, 0.0};
  for (const auto& p : params) (p.parameter->value.rank() >= 2 ? decay : no_decay).params.push_back(p);
  return {std::move(decay), std::move(no_decay)};
}

template <class Scalar>
class Optimizer {
 public:
  virtual ~Optimizer() = default;

  virtual void step() = 0;

  // Clears every gradient, frozen parameters' too.
  void zero_grad() {
    for (std::size_t i = 0; i < params_.size(); ++i) {
      for_pieces_of(i, [&](std::size_t, Index first, Index last) {
        segment(params_[i].parameter->grad, first, last).setZero();
      });
    }
  }

  // The first group's rate (the only one's, without groups); set_lr sets every group's.
  double lr() const { return groups_[0].lr; }
  void set_lr(double lr) {
    for (auto& g : groups_) g.lr = lr;
  }
  std::size_t group_count() const { return groups_.size(); }
  double group_lr(std::size_t group) const { return groups_.at(group).lr; }
  void set_group_lr(std::size_t group, double lr) { groups_.at(group).lr = lr; }
  double group_weight_decay(std::size_t group) const { return groups_.at(group).weight_decay; }
  long long steps() const { return steps_; }

  // The rate schedules start from in each group, as torch's initial_lr: the group's rate when the first
  // schedule was made on this optimizer. Schedules chained by SequentialLR all start from it, not from
  // the rate the schedule made before them set.
  double schedule_base_lr(std::size_t group) {
    auto& g = groups_.at(group);
    if (!g.schedule_base_lr) g.schedule_base_lr = g.lr;
    return *g.schedule_base_lr;
  }
  // Every parameter of every group, in the groups' order.
  const std::vector<ParameterRef<Scalar>>& parameters() const { return params_; }

  // The optimizer's part of a checkpoint, every entry named `prefix` + ...: the groups' rates ("lr", then
  // "lr.1", "lr.2", ...) and the step count here, per-parameter buffers in the subclasses.
  virtual void save_state(StateDict& state, const std::string& prefix) const {
    for (std::size_t g = 0; g < groups_.size(); ++g) state.put_number(prefix + lr_name(g), groups_[g].lr);
    state.put_number(prefix + "steps", static_cast<double>(steps_));
  }
  virtual void load_state(const StateDict& state, const std::string& prefix) {
    for (std::size_t g = 0; g < groups_.size(); ++g) groups_[g].lr = state.get_number(prefix + lr_name(g));
    steps_ = state.get_integer(prefix + "steps");
  }

 protected:
  // `lr` and `weight_decay` are the optimizer's settings, for the groups that set none of their own.
  Optimizer(const ParamGroups<Scalar>& groups, double lr, double weight_decay) {
    std::set<const Parameter<Scalar>*> seen;
    for (const auto& group : groups.groups()) {
      const Settings settings{group.lr.value_or(lr), group.weight_decay.value_or(weight_decay), {}};
      if (!(settings.lr >= 0.0)) throw ValueError("optimizer: the learning rate must be a non-negative number");
      if (!(settings.weight_decay >= 0.0)) throw ValueError("optimizer: the weight decay must be a non-negative number");
      for (const auto& p : group.params) {
        if (!seen.insert(p.parameter).second) {
          throw ValueError("optimizer: the parameter '" + p.name + "' appears more than once");
        }
        params_.push_back(p);
        group_of_.push_back(groups_.size());
      }
      groups_.push_back(settings);
    }
    if (groups_.empty()) throw ValueError("optimizer: no parameter group");
  }

  // The settings of parameter i's group.
  double lr_of(std::size_t i) const { return groups_[group_of_[i]].lr; }
  double weight_decay_of(std::size_t i) const { return groups_[group_of_[i]].weight_decay; }

  // Calls update(i, first, last) on pieces [first, last) of every parameter i, split between the threads
  // when the parameter is large enough. An update reads and writes each element of its state once per
  // step, so the pieces are small enough for that state to stay in the L1 cache between the statements
  // of one update. Frozen parameters are left out.
  template <class Update>
  void for_each_piece(Update&& update) {
    for (std::size_t i = 0; i < params_.size(); ++i) {
      if (params_[i].parameter->requires_grad) for_pieces_of(i, update);
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
  long long steps_ = 0;  // steps taken; each subclass's step() counts its own

 private:
  struct Settings {
    double lr;
    double weight_decay;
    std::optional<double> schedule_base_lr;
  };

  template <class Update>
  void for_pieces_of(std::size_t i, Update&& update) {
    constexpr Index piece = 2048;
    const Index n = params_[i].parameter->value.numel();
    parallel_ranges(n, elementwise_work(n), 64, [&](Index first, Index last) {
      for (Index begin = first; begin < last; begin += piece) update(i, begin, std::min(begin + piece, last));
    });
  }
  static std::string lr_name(std::size_t group) { return group == 0 ? "lr" : "lr." + std::to_string(group); }

  std::vector<Settings> groups_;
  std::vector<std::size_t> group_of_;  // each parameter's group
};

}  // namespace fnn
