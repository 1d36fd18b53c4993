#pragma once
// Checkpoints: everything a training run needs to continue exactly where it stopped. A run resumed from
// the checkpoint of epoch k ends with the same parameters, bit for bit, as a run that was never
// interrupted (same seed, same thread count): the checkpoint holds the model's parameters, buffers and
// generators, the optimizer's moments and step count, the schedule's step count, the weight average, the
// time budget's use, the data loaders' generators and the history. It is a StateDict file: written
// atomically, refused when damaged.
#include <filesystem>
#include <string>

#include "fnn/data/loader.hpp"
#include "fnn/io/model_io.hpp"
#include "fnn/io/state_dict.hpp"
#include "fnn/layers/layer.hpp"
#include "fnn/optim/ema.hpp"
#include "fnn/optim/lr_scheduler.hpp"
#include "fnn/optim/optimizer.hpp"
#include "fnn/train/history.hpp"
#include "fnn/train/time_budget.hpp"

namespace fnn::train {

inline constexpr int checkpoint_version = 4;  // 4: the history holds the wall-clock time of every epoch

template <class Scalar>
void save_model_state(Layer<Scalar>& model, StateDict& state, const std::string& prefix) {
  for (auto& [name, t] : state_tensors(model)) state.put_tensor(prefix + name, *t);
  for (auto& g : model.generators()) state.put_rng(prefix + g.name, *g.rng);
}

// Every tensor is checked before any is copied, so a checkpoint of another architecture leaves the
// model as it was.
template <class Scalar>
void load_model_state(Layer<Scalar>& model, const StateDict& state, const std::string& prefix) {
  const auto tensors = state_tensors(model);
  for (const auto& [name, t] : tensors) {
    const Tensor<double>& stored = state.entry(prefix + name);
    if (stored.shape() != t->shape()) {
      state.fail("'" + prefix + name + "' has shape " + stored.shape().str() + " in the checkpoint but " +
                 t->shape().str() + " in the model: another architecture?");
    }
  }
  for (auto& g : model.generators()) state.entry(prefix + g.name);
  for (const auto& [name, t] : tensors) state.get_tensor(prefix + name, *t);
  for (auto& g : model.generators()) state.get_rng(prefix + g.name, *g.rng);
}

// The parts of a training run that a checkpoint captures; absent loaders, schedule and average are skipped.
template <class Scalar>
struct TrainingState {
  Layer<Scalar>& model;
  Optimizer<Scalar>& optimizer;
  data::Loader<Scalar>& train;
  data::Loader<Scalar>* validation = nullptr;
  data::Loader<Scalar>* test = nullptr;
  LrScheduler<Scalar>* schedule = nullptr;
  ExponentialMovingAverage<Scalar>* average = nullptr;
  TimeBudget* budget = nullptr;
};

// Calls visit(prefix, part) for each part of the run beside the model and the history, in one order for
// saving and loading.
template <class Scalar, class Visit>
void for_each_part(const TrainingState<Scalar>& run, Visit visit) {
  visit("optimizer.", run.optimizer);
  visit("train_loader.", run.train);
  if (run.validation) visit("validation_loader.", *run.validation);
  if (run.test) visit("test_loader.", *run.test);
  if (run.schedule) visit("schedule.", *run.schedule);
  if (run.average) visit("average.", *run.average);
  if (run.budget) visit("budget.", *run.budget);
}

template <class Scalar>
void save_checkpoint(const std::string& path, const TrainingState<Scalar>& run, const History& history) {
  StateDict state;
  state.put_number("checkpoint_version", checkpoint_version);
  save_model_state(run.model, state, "model.");
  for_each_part(run, [&state](const char* prefix, const auto& part) { part.save_state(state, prefix); });
  history.save_state(state, "history");
  state.save(path);
}

// The checkpoint saved at `path`, as read from the file.
inline StateDict read_checkpoint(const std::string& path) {
  if (!std::filesystem::exists(path)) throw IoError(path + ": there is no checkpoint to resume from");
  return StateDict::load(path);
}

// Restores the run from a checkpoint's state and returns its history; the next epoch to train is the one
// after the history's last.
template <class Scalar>
History restore_checkpoint(const StateDict& state, const TrainingState<Scalar>& run) {
  const long long version = state.get_integer("checkpoint_version");
  if (version != checkpoint_version) {
    state.fail("checkpoint version " + std::to_string(version) + ", this fnn reads version " +
               std::to_string(checkpoint_version));
  }
  load_model_state(run.model, state, "model.");
  for_each_part(run, [&state](const char* prefix, auto& part) { part.load_state(state, prefix); });
  History history;
  history.load_state(state, "history");
  return history;
}

// Restores the run from `path` (read_checkpoint, restore_checkpoint).
template <class Scalar>
History load_checkpoint(const std::string& path, const TrainingState<Scalar>& run) {
  return restore_checkpoint(read_checkpoint(path), run);
}

}  // namespace fnn::train
