#pragma once
// The training loop every example shares: epochs of (forward, loss, backward, step) over a Loader,
// with evaluation on validation and test loaders after each epoch.
//
//   fnn::train::FitOptions<float> options;
//   options.epochs = 5;
//   options.test = &test_loader;
//   options.checkpoint = "run.checkpoint";  // saved after every epoch; options.resume = true continues it
//   options.on_epoch = [](const fnn::train::EpochRecord& r) { ... print r ... };
//   fnn::train::History h = fnn::train::fit(model, loss, optimizer, train_loader, options);
//
// Numerical faults: with check_finite on (the default), a NaN or infinity in the loss, in any layer's
// output or in any gradient of a Sequential model stops training with a NumericalError naming the epoch,
// the step and the layer. The check is one pass over each activation per step.
//
// Any Loader serves the batches: DataLoader for byte images, TensorLoader for a TensorDataset.
// `Loss` is any class with `const Tensor& backward()` and a forward for the loader's kind of targets:
// `Scalar forward(const Tensor&, const Targets&)` for class labels (CrossEntropyLoss for models that
// output logits, NLLLoss for models ending in LogSoftmax), `Scalar forward(const Tensor&, const Tensor&)`
// for float targets (MSELoss, L1Loss, HuberLoss, BCEWithLogitsLoss, ...). Classification passes report
// accuracy; regression passes MSE, MAE and R^2.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <functional>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

#include "fnn/data/loader.hpp"
#include "fnn/distributed/batchnorm.hpp"
#include "fnn/distributed/communicator.hpp"
#include "fnn/distributed/replicas.hpp"
#include "fnn/distributed/shared_state.hpp"
#include "fnn/layers/data_parallel.hpp"
#include "fnn/layers/layer.hpp"
#include "fnn/metrics/accuracy.hpp"
#include "fnn/metrics/confusion_matrix.hpp"
#include "fnn/metrics/regression.hpp"
#include "fnn/optim/ema.hpp"
#include "fnn/optim/lr_scheduler.hpp"
#include "fnn/optim/optimizer.hpp"
#include "fnn/train/checkpoint.hpp"
#include "fnn/train/history.hpp"
#include "fnn/train/thread_tuner.hpp"
#include "fnn/train/time_budget.hpp"

namespace fnn::train {

// True when Loss takes class targets (forward(outputs, Targets)), as CrossEntropyLoss and NLLLoss do;
// otherwise it takes float targets of the outputs' shape (forward(outputs, Tensor)), as MSELoss does.
template <class Loss, class Scalar, class = void>
struct takes_class_targets : std::false_type {};
template <class Loss, class Scalar>
struct takes_class_targets<Loss, Scalar,
                           std::void_t<decltype(std::declval<Loss&>().forward(std::declval<const Tensor<Scalar>&>(),
                                                                               std::declval<const Targets&>()))>>
    : std::true_type {};

// The loss of a batch's outputs against the batch's targets of the kind the loss takes.
template <class Loss, class Scalar>
Scalar batch_loss(Loss& loss, const Tensor<Scalar>& outputs, const data::Batch<Scalar>& batch) {
  if constexpr (takes_class_targets<Loss, Scalar>::value) {
    return loss.forward(outputs, batch.labels);
  } else {
    return loss.forward(outputs, batch.values);
  }
}

// Throws UsageError unless `loader` serves the kind of targets `Loss` takes. `role` names the loader.
template <class Loss, class Scalar>
void check_target_kind(const data::Loader<Scalar>& loader, const std::string& role) {
  const bool classes = takes_class_targets<Loss, Scalar>::value;
  if (classes == (loader.target_kind() == data::TargetKind::classes)) return;
  throw UsageError(role + (classes ? " serves float targets and the loss takes class labels"
                                   : " serves class labels and the loss takes float targets"));
}

// Accumulates the loss (weighted by batch size, as the seeds' "epoch loss / dataset size") over one
// pass, with the number of correct predictions for class targets or the regression metrics for float
// targets.
class PassMeter {
 public:
  explicit PassMeter(data::TargetKind kind) : kind_(kind) {}

  template <class Scalar>
  void add(double batch_mean_loss, const Tensor<Scalar>& outputs, const data::Batch<Scalar>& batch) {
    if (!std::isfinite(batch_mean_loss)) {
      throw NumericalError(std::string("the loss is ") +
                           (std::isnan(batch_mean_loss) ? "NaN" : batch_mean_loss > 0 ? "+infinity" : "-infinity"));
    }
    loss_sum_ += batch_mean_loss * static_cast<double>(batch.size());
    count_ += batch.size();
    if (kind_ == data::TargetKind::values) {
      regression_.add(outputs, batch.values);
    } else {
      metrics::predicted_classes(outputs, predicted_);
      correct_ += metrics::count_correct(predicted_, batch.labels);
    }
  }
  const Targets& last_predictions() const { return predicted_; }

  // Sums the pass's figures over the processes of a data-parallel run, each of which saw its part.
  void reduce(distributed::Communicator& comm) {
    if (comm.size() == 1) return;
    if (kind_ == data::TargetKind::values) {
      throw UsageError("fnn::train: data-parallel training reports classification passes only; R^2 is not summed "
                       "across processes");
    }
    double sums[3] = {loss_sum_, static_cast<double>(correct_), static_cast<double>(count_)};
    comm.all_reduce_sum(sums, 3);
    loss_sum_ = sums[0];
    correct_ = static_cast<long long>(sums[1]);
    count_ = static_cast<long long>(sums[2]);
  }

  PassResult result() const {
    PassResult r;
    r.count = count_;
    r.correct = correct_;
    if (count_ == 0) return r;
    r.loss = loss_sum_ / static_cast<double>(count_);
    if (kind_ == data::TargetKind::values) {
      r.mse = regression_.mse();
      r.mae = regression_.mae();
      r.r2 = regression_.r2();
    } else {
      r.accuracy = static_cast<double>(correct_) / static_cast<double>(count_);
    }
    return r;
  }

 private:
  data::TargetKind kind_;
  double loss_sum_ = 0;
  long long correct_ = 0, count_ = 0;
  Targets predicted_;
  metrics::RegressionMeter regression_;
};

// Puts a model in eval mode until the guard goes out of scope, also when a loss or a metric throws.
template <class Scalar>
class EvalModeGuard {
 public:
  explicit EvalModeGuard(Layer<Scalar>& model) : model_(model), training_(model.training()) { model.eval(); }
  ~EvalModeGuard() { model_.set_training(training_); }
  EvalModeGuard(const EvalModeGuard&) = delete;
  EvalModeGuard& operator=(const EvalModeGuard&) = delete;

 private:
  Layer<Scalar>& model_;
  bool training_;
};

// Throws UsageError unless `loader` yields a batch in every epoch: a pass over no samples has no mean
// loss and no accuracy. `role` names the loader in the message ("fnn::train::fit: the training loader").
template <class Scalar>
void check_yields_batches(const data::Loader<Scalar>& loader, const std::string& role) {
  if (loader.batches_per_epoch() > 0) return;
  const Index samples = loader.samples();
  throw UsageError(role + " yields no batch: its data set holds " + std::to_string(samples) +
                   (samples == 0 ? " samples"
                                 : " samples, fewer than one batch of " + std::to_string(loader.batch_size()) +
                                       " with drop_last on"));
}

// One evaluation pass in eval mode (the model's mode is restored afterwards). When `confusion` is given,
// every prediction is added to it (class targets only).
template <class Scalar, class Loss>
PassResult evaluate(Layer<Scalar>& model, Loss& loss, data::Loader<Scalar>& loader,
                    metrics::ConfusionMatrix* confusion = nullptr) {
  check_yields_batches(loader, "fnn::train::evaluate: the loader");
  check_target_kind<Loss>(loader, "fnn::train::evaluate: the loader");
  if (confusion && loader.target_kind() != data::TargetKind::classes) {
    throw UsageError("fnn::train::evaluate: a confusion matrix needs class targets");
  }
  const EvalModeGuard<Scalar> eval_mode(model);
  PassMeter meter(loader.target_kind());
  data::Batch<Scalar> batch;
  loader.start_epoch();
  while (loader.next(batch)) {
    const Tensor<Scalar>& outputs = model.forward(batch.inputs);
    meter.add(static_cast<double>(batch_loss(loss, outputs, batch)), outputs, batch);
    if (confusion) confusion->add(meter.last_predictions(), batch.labels);
  }
  return meter.result();
}

// The model's outputs for every sample, in the loader's order, in eval mode: [N, ...] as the model
// outputs them (a regression's predicted values, a classifier's scores).
template <class Scalar>
Tensor<Scalar> predict_outputs(Layer<Scalar>& model, data::Loader<Scalar>& loader) {
  const EvalModeGuard<Scalar> eval_mode(model);
  Tensor<Scalar> all;
  data::Batch<Scalar> batch;
  loader.start_epoch();
  for (Index done = 0; loader.next(batch); done += batch.size()) {
    const Tensor<Scalar>& outputs = model.forward(batch.inputs);
    if (done == 0) all.resize(outputs.shape().with_batch(loader.samples_per_epoch()));
    std::copy(outputs.begin(), outputs.end(), all.data() + done * outputs.shape().inner());
  }
  return all;
}

// The predicted class of every sample, in the loader's order, in eval mode.
template <class Scalar>
Targets predict(Layer<Scalar>& model, data::Loader<Scalar>& loader) {
  const EvalModeGuard<Scalar> eval_mode(model);
  Targets all, batch_predictions;
  data::Batch<Scalar> batch;
  loader.start_epoch();
  while (loader.next(batch)) {
    metrics::predicted_classes(model.forward(batch.inputs), batch_predictions);
    all.insert(all.end(), batch_predictions.begin(), batch_predictions.end());
  }
  return all;
}

// Called after every training batch: batch number (1-based), batches in the epoch, the pass so far.
using BatchCallback = std::function<void(Index, Index, const PassResult&)>;
// Asked after every training batch's callback: true ends the pass there.
using StopCondition = std::function<bool()>;

// One training pass over `loader`. With a communicator of several processes, `loader` serves this
// process's part of every batch (Loader::shard), the gradients are averaged over the processes before
// every step, and the pass's figures are summed over them; the model must start identical on every
// process (distributed::synchronise_replicas), and then stays so. Each process draws its own random
// numbers (distributed::separate_random_streams). A process whose part of a short last batch is empty
// still runs it forward and backward when the model's synchronised BatchNorm layers exchange statistics,
// since the others wait for it there. `stop` can end the pass early; every process must then give the
// same answer after the same batch.
template <class Scalar, class Loss>
PassResult train_epoch(Layer<Scalar>& model, Loss& loss, Optimizer<Scalar>& optimizer,
                       data::Loader<Scalar>& loader, const BatchCallback& on_batch = {},
                       distributed::Communicator* comm = nullptr, const StopCondition& stop = {}) {
  check_yields_batches(loader, "fnn::train::train_epoch: the loader");
  check_target_kind<Loss>(loader, "fnn::train::train_epoch: the loader");
  model.train();
  PassMeter meter(loader.target_kind());
  distributed::SingleProcess single;
  distributed::Communicator& processes = comm ? *comm : single;
  distributed::GradientAverager<Scalar> averager(model.parameters(), processes);
  distributed::separate_random_streams(model, processes);
  const bool empty_parts_exchange = distributed::exchanges_in_forward(model);
  Tensor<Scalar> no_gradient;
  data::Batch<Scalar> batch;
  loader.start_epoch();
  const Index batches = loader.batches_per_epoch();
  for (Index b = 1; loader.next(batch); ++b) {
    try {
      optimizer.zero_grad();
      if (batch.size() > 0) {  // a process's part of a short last batch may be empty
        const Tensor<Scalar>& outputs = model.forward(batch.inputs);
        meter.add(static_cast<double>(batch_loss(loss, outputs, batch)), outputs, batch);
        model.backward(loss.backward());
      } else if (empty_parts_exchange) {
        no_gradient.resize(model.forward(batch.inputs).shape());
        model.backward(no_gradient);
      }
      averager.average(batch.size(), loader.global_batch());
      optimizer.step();
    } catch (const NumericalError& e) {
      throw NumericalError("step " + std::to_string(b) + " of " + std::to_string(batches) + ": " + e.what());
    }
    if (on_batch) on_batch(b, batches, meter.result());
    if (stop && stop()) break;
  }
  meter.reduce(processes);
  return meter.result();
}

// Where fit() is within an epoch, after each training batch.
struct BatchProgress {
  int epoch = 0, epochs = 0;  // 1-based epoch, and the epoch fit stops after (0 under a time budget)
  Index batch = 0, batches = 0;
  PassResult so_far;  // the training pass up to this batch
  double seconds = 0;  // since the epoch's training pass started
  bool images = true;  // the samples are images: the rate is in img/s, else samples/s
};

template <class Scalar>
struct FitOptions {
  int epochs = 1;                                      // the epoch fit stops after (counting resumed ones)
  data::Loader<Scalar>* validation = nullptr;
  data::Loader<Scalar>* test = nullptr;
  // Stepped after every epoch or batch (its interval); one that takes a metric (ReduceLROnPlateau) after
  // every epoch with the validation loss, so it needs `validation`.
  std::shared_ptr<LrScheduler<Scalar>> schedule;
  // Updated after every step; validation and test use the averaged weights, and the model ends with them.
  ExponentialMovingAverage<Scalar>* average = nullptr;
  // A wall-clock budget: training ends when what is left of it is what the evaluations need, in the
  // middle of an epoch if need be, and `epochs` is not used (fnn/train/time_budget.hpp).
  std::shared_ptr<TimeBudget> budget;
  std::string checkpoint;                              // when set, the run is saved there after every epoch
  bool resume = false;                                 // continue the run saved in `checkpoint`
  bool check_finite = true;                            // check every layer's output and gradient too
  // Fewer threads while another program takes a core, more when it leaves (ThreadTuner): the results are
  // the same bit for bit either way.
  bool tune_threads = true;
  // Data-parallel training across processes (fnn/distributed/mpi.hpp): fit gives every process rank 0's
  // model, shards the training loader, averages the gradients of every step over the processes and sums
  // the training figures; rank 0 alone writes the checkpoint. Validation and test run whole on every
  // process. Null: this process alone.
  distributed::Communicator* communicator = nullptr;
  // With a communicator: every BatchNorm of the model takes its training statistics over the processes
  // (distributed::synchronise_batchnorm) for the run, as torch.nn.SyncBatchNorm; else each process's own.
  bool synchronise_batchnorm = false;
  std::function<void(const EpochRecord&)> on_epoch;    // reporting
  std::function<void(const BatchProgress&)> on_batch;  // progress within an epoch
};

// Seconds the evaluation passes over `loaders` (null ones skipped) take, estimated from a few batches of
// each, timed on `budget`'s clock: what a time budget plans with before the first epoch's evaluation. The
// first batch, which allocates the buffers, is not counted unless it is the only one.
template <class Scalar>
double trial_evaluation_seconds(Layer<Scalar>& model, std::initializer_list<data::Loader<Scalar>*> loaders,
                                const TimeBudget& budget) {
  constexpr Index trial_batches = 3;
  const EvalModeGuard<Scalar> eval_mode(model);
  double total = 0;
  data::Batch<Scalar> batch;
  for (data::Loader<Scalar>* loader : loaders) {
    if (!loader) continue;
    double counted_seconds = 0;
    Index counted_samples = 0;
    loader->start_epoch();
    for (Index b = 0; b < trial_batches; ++b) {
      const double from = budget.elapsed();
      if (!loader->next(batch)) break;
      model.forward(batch.inputs);
      if (b == 1) {  // count from the second batch on, when there is one
        counted_seconds = 0;
        counted_samples = 0;
      }
      counted_seconds += budget.elapsed() - from;
      counted_samples += batch.size();
    }
    total += counted_seconds / static_cast<double>(std::max<Index>(counted_samples, 1)) *
             static_cast<double>(loader->samples_per_epoch());
  }
  return total;
}

template <class Scalar, class Loss>
History fit(Layer<Scalar>& model, Loss& loss, Optimizer<Scalar>& optimizer, data::Loader<Scalar>& train,
            const FitOptions<Scalar>& options) {
  using clock = std::chrono::steady_clock;
  const TrainingState<Scalar> run{model,        optimizer,          train, options.validation,
                                  options.test, options.schedule.get(), options.average, options.budget.get()};
  if (options.resume && options.checkpoint.empty()) throw UsageError("fnn::train::fit: resume needs a checkpoint path");
  for (auto [loader, role] : {std::pair{&train, "fnn::train::fit: the training loader"},
                              std::pair{options.validation, "fnn::train::fit: the validation loader"},
                              std::pair{options.test, "fnn::train::fit: the test loader"}}) {
    if (!loader) continue;
    check_yields_batches(*loader, role);
    check_target_kind<Loss>(*loader, role);
  }
  if (options.schedule && options.schedule->takes_metric() && !options.validation) {
    throw UsageError("fnn::train::fit: the schedule follows the validation loss, and there is no validation loader");
  }
  // A resumed data-parallel run continues on every process from the checkpoint rank 0 reads: the model,
  // the optimizer's moments, the schedule and the loaders' generators are rank 0's everywhere.
  distributed::SingleProcess alone;
  distributed::Communicator& processes = options.communicator ? *options.communicator : alone;
  History history =
      options.resume
          ? restore_checkpoint(distributed::read_on_rank0(processes, [&] { return read_checkpoint(options.checkpoint); }),
                               run)
          : History();
  if (options.communicator) {
    if (options.communicator->size() > 1 && train.target_kind() == data::TargetKind::values) {
      throw UsageError("fnn::train::fit: data-parallel training reports classification passes only; a regression "
                       "trains in one process");
    }
    train.shard(options.communicator->rank(), options.communicator->size());
    distributed::synchronise_replicas(model, *options.communicator);
  }
  if (options.synchronise_batchnorm && !options.communicator) {
    throw UsageError("fnn::train::fit: synchronise_batchnorm needs a communicator");
  }
  // The model's BatchNorm layers exchange with the processes for this run only: the communicator need
  // not outlive it.
  struct BatchNormSynchronisation {
    BatchNormSynchronisation(Layer<Scalar>& model, distributed::Communicator* comm) : model(model), on(comm) {
      if (on) distributed::synchronise_batchnorm(model, comm);
    }
    ~BatchNormSynchronisation() {
      if (on) distributed::synchronise_batchnorm(model, static_cast<distributed::Communicator*>(nullptr));
    }
    Layer<Scalar>& model;
    bool on;
  } const batchnorm_synchronisation(model, options.synchronise_batchnorm ? options.communicator : nullptr);
  const bool writes_checkpoint =
      !options.checkpoint.empty() && (!options.communicator || options.communicator->rank() == 0);
  // Training splits every batch between the threads where the model computes each sample by itself.
  DataParallel<Scalar> parallel(model);
  parallel.set_finite_checks(options.check_finite);
  const bool batch_schedule = options.schedule && options.schedule->interval() == ScheduleInterval::batch;
  BatchProgress progress;
  TimeBudget* const budget = options.budget.get();
  progress.epochs = budget ? 0 : options.epochs;
  progress.images = train.serves_images();
  const double elapsed_before = history.empty() ? 0 : history.last().elapsed_seconds;
  const clock::time_point run_start = clock::now();
  if (budget) {
    budget->start();
    budget->set_evaluation_seconds(trial_evaluation_seconds(model, {options.validation, options.test}, *budget));
    budget->evaluation_done();
  }
  const StopCondition budget_spent = [budget] { return budget && budget->training_over(); };
  std::optional<ThreadTuner> tuner;
  if (options.tune_threads) tuner.emplace();
  clock::time_point start;
  const BatchCallback after_batch = [&](Index b, Index batches, const PassResult& so_far) {
    if (tuner) tuner->step_done(so_far.count);
    if (budget) {
      budget->step_done(batches);
      if (options.communicator) budget->agree(*options.communicator);
    }
    if (batch_schedule) options.schedule->step();
    if (options.average) options.average->update();
    if (!options.on_batch) return;
    progress.batch = b;
    progress.batches = batches;
    progress.so_far = so_far;
    progress.seconds = std::chrono::duration<double>(clock::now() - start).count();
    options.on_batch(progress);
  };
  for (int epoch = history.empty() ? 1 : history.last().epoch + 1;
       budget ? !budget->training_over() : epoch <= options.epochs; ++epoch) {
    EpochRecord r;
    r.epoch = epoch;
    r.lr = optimizer.lr();
    progress.epoch = epoch;
    start = clock::now();
    if (tuner) tuner->start_pass();
    double evaluations_from = 0;
    try {
      r.train = train_epoch(parallel, loss, optimizer, train, after_batch, options.communicator, budget_spent);
      r.seconds = std::chrono::duration<double>(clock::now() - start).count();
      if (budget) evaluations_from = budget->elapsed();
      const AveragedWeightsGuard<Scalar> averaged(options.average);
      if (options.validation) r.validation = evaluate(model, loss, *options.validation);
      if (options.test) r.test = evaluate(model, loss, *options.test);
    } catch (const NumericalError& e) {
      throw NumericalError("epoch " + std::to_string(epoch) + ", " + e.what() +
                           "; training stopped");
    }
    r.samples_per_second = static_cast<double>(r.train.count) / std::max(r.seconds, 1e-9);
    r.images = train.serves_images();
    r.peak_memory_mb = peak_resident_mb();
    r.elapsed_seconds = elapsed_before + std::chrono::duration<double>(clock::now() - run_start).count();
    history.add(r);
    if (options.schedule && options.schedule->takes_metric()) {
      options.schedule->step(r.validation.loss);
    } else if (options.schedule && !batch_schedule) {
      options.schedule->step();
    }
    if (writes_checkpoint) save_checkpoint(options.checkpoint, run, history);
    if (options.on_epoch) options.on_epoch(r);
    if (budget) {  // the evaluations, the checkpoint and the report: what the plan reserves after every epoch
      budget->set_evaluation_seconds(budget->elapsed() - evaluations_from);
      budget->evaluation_done();
    }
  }
  if (options.average) options.average->copy_to_model();
  return history;
}

}  // namespace fnn::train
