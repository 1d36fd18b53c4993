#pragma once
// Loader: a data set served as batches, what every loader shares. Each epoch visits every sample once, in order or in a
// fresh random order; the last batch is smaller unless drop_last discards it.
//   inputs [B, ...sample shape]     labels [B] (class targets)   or   values [B, k] (float targets)
// A loader of a particular kind of data set says only how a batch is filled from the samples the epoch's order picked
// (fill): DataLoader converts bytes of images, TensorLoader copies rows of a TensorDataset. fit, evaluate and predict
// take any Loader.
//
//   loader.start_epoch();
//   while (loader.next(batch)) { ... batch.inputs, batch.labels or batch.values ... }
//
// Reproducibility: the order comes from a generator forked from the user's Rng when the loader is built, so the same
// seed gives the same batches.
#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "fnn/core/error.hpp"
#include "fnn/core/random.hpp"
#include "fnn/core/tensor.hpp"
#include "fnn/data/permutation.hpp"
#include "fnn/io/state_dict.hpp"
#include "fnn/losses/targets.hpp"

namespace fnn::data {

struct BatchOptions {
  Index batch_size = 64;
  bool shuffle = false;    // a new random order every epoch
  bool drop_last = false;  // skip the final batch when it is smaller than batch_size
};

// What a data set's samples are labelled with: a class index each (classification) or a row of float values each
// (regression).
enum class TargetKind { classes, values };

template <class Scalar>
struct Batch {
  Tensor<Scalar> inputs;       // [B, ...] the samples
  Targets labels;              // [B] class targets (empty when the targets are values)
  Tensor<Scalar> values;       // [B, k] float targets (empty when the targets are classes)
  std::vector<Index> indices;  // [B] each sample's index in the data set

  Index size() const { return static_cast<Index>(indices.size()); }
};

template <class Scalar>
class Loader {
 public:
  virtual ~Loader() = default;

  Index samples() const { return samples_; }  // in the data set
  Index batch_size() const { return batch_.batch_size; }
  virtual TargetKind target_kind() const = 0;
  // True when each sample is an image [C, H, W], so that rates can be given in images per second.
  virtual bool serves_images() const = 0;

  Index batches_per_epoch() const {
    const Index n = samples_, b = batch_.batch_size;
    return batch_.drop_last ? n / b : (n + b - 1) / b;
  }
  Index samples_per_epoch() const { return batch_.drop_last ? batches_per_epoch() * batch_.batch_size : samples_; }

  // Begins an epoch: the order is 0..N-1, or a new permutation when shuffling.
  void start_epoch() {
    order_.resize(static_cast<std::size_t>(samples_));
    std::iota(order_.begin(), order_.end(), Index{0});
    if (batch_.shuffle) shuffle(order_, order_rng_);
    position_ = 0;
    ++epoch_;
  }

  // Data-parallel training over `ranks` processes (fit calls it): this process takes the rank-th of
  // `ranks` consecutive parts of every batch of batch_size samples of the epoch's order, which is the same
  // on every process (the same seed). The parts of a batch differ in size by one at most; in a last
  // batch shorter than the number of processes, some parts are empty.
  void shard(int rank, int ranks) {
    if (ranks < 1 || rank < 0 || rank >= ranks) {
      throw UsageError("fnn::data::Loader::shard: rank " + std::to_string(rank) + " of " + std::to_string(ranks));
    }
    rank_ = rank;
    ranks_ = ranks;
  }
  // The size of the whole batch that the last next() served this process's part of, and where that part
  // starts in it.
  Index global_batch() const { return global_batch_; }
  Index part_start() const { return part_start_; }

  // The sample order of the current epoch.
  const std::vector<Index>& order() const { return order_; }
  // The number of epochs started.
  Index epoch() const { return epoch_; }

  // Fills `batch` with the next batch of the epoch; false once the epoch is over. The Batch's tensors are resized in
  // place, which keeps their memory: after the first batch, next() allocates nothing.
  bool next(Batch<Scalar>& batch) {
    if (epoch_ == 0) throw UsageError("fnn::data::Loader::next: call start_epoch() first");
    const Index remaining = static_cast<Index>(order_.size()) - position_;
    if (remaining <= 0 || (batch_.drop_last && remaining < batch_.batch_size)) return false;
    global_batch_ = std::min(batch_.batch_size, remaining);
    const auto start = order_.begin() + static_cast<std::ptrdiff_t>(position_);
    part_start_ = global_batch_ * rank_ / ranks_;
    batch.indices.assign(start + part_start_, start + global_batch_ * (rank_ + 1) / ranks_);
    fill(batch);
    position_ += global_batch_;
    return true;
  }

  // The loader's part of a checkpoint, taken between epochs: its generators and epoch count, with the batch size and
  // data set size, which must be the same when the state is loaded.
  virtual void save_state(StateDict& state, const std::string& prefix) const {
    state.put_rng(prefix + "order_generator", order_rng_);
    state.put_number(prefix + "epoch", static_cast<double>(epoch_));
    state.put_number(prefix + "batch_size", static_cast<double>(batch_.batch_size));
    state.put_number(prefix + "samples", static_cast<double>(samples_));
  }
  virtual void load_state(const StateDict& state, const std::string& prefix) {
    state.expect_integer(prefix + "batch_size", batch_.batch_size, "the batch size");
    state.expect_integer(prefix + "samples", samples_, "the number of samples of " + prefix);
    state.get_rng(prefix + "order_generator", order_rng_);
    epoch_ = state.get_integer(prefix + "epoch");
    order_.clear();
    position_ = 0;
  }

 protected:
  // `rng` may be null for a loader that never shuffles (evaluation); `who` names the loader in messages.
  Loader(const char* who, Index samples, const BatchOptions& options, Rng* rng) : samples_(samples), batch_(options) {
    if (options.batch_size < 1) {
      throw ValueError(std::string(who) + ": batch_size must be >= 1, got " + std::to_string(options.batch_size));
    }
    if (rng) {
      order_rng_ = rng->fork();
    } else if (options.shuffle) {
      throw UsageError(std::string(who) + ": shuffling needs an Rng; pass one to the constructor");
    }
  }

  // Copied or moved only as the loader it is part of, never sliced from one.
  Loader(const Loader&) = default;
  Loader(Loader&&) noexcept = default;
  Loader& operator=(const Loader&) = default;
  Loader& operator=(Loader&&) noexcept = default;

  // Fills batch.inputs and the targets for the samples batch.indices names, in that order.
  virtual void fill(Batch<Scalar>& batch) = 0;

 private:
  Index samples_;
  BatchOptions batch_;
  Rng order_rng_;
  std::vector<Index> order_;
  Index position_ = 0, epoch_ = 0;
  Index global_batch_ = 0, part_start_ = 0;
  Index rank_ = 0, ranks_ = 1;  // this process's part of every batch
};

}  // namespace fnn::data
