#pragma once
// DataLoader: a Dataset served as batches of float (or double) images for training and evaluation.
//   images [B, 1, rows, cols] = (byte / 255 - mean) / stddev, then augmented     labels [B]
// Each epoch visits every sample once, in order or in a fresh random order; the last batch is smaller
// unless drop_last discards it.
//
//   fnn::data::LoaderOptions options;
//   options.batch_size = 64;
//   options.shuffle = true;
//   fnn::data::DataLoader<float> loader(train, options, rng);
//   fnn::data::Batch<float> batch;
//   for (int epoch = 0; epoch < epochs; ++epoch) {
//     loader.start_epoch();
//     while (loader.next(batch)) { ... batch.images, batch.labels ... }
//   }
//
// Reproducibility: the loader forks two generators from the user's Rng when it is built, one for the
// order and one for augmentation, so the same seed gives the same batches, and switching augmentation
// on or off does not change the order. Before a batch is converted, one seed per sample is drawn from
// the augmentation generator in sample order; the samples are then converted and augmented in
// parallel, each from its own seed, so the result does not depend on the number of threads.
//
// Allocation: the Batch's tensors are resized in place, which keeps their memory, and the loader's own
// buffers are sized once; after the first batch, next() allocates nothing.
#include <algorithm>
#include <array>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "fnn/core/random.hpp"
#include "fnn/core/tensor.hpp"
#include "fnn/data/augment.hpp"
#include "fnn/data/dataset.hpp"
#include "fnn/data/normalize.hpp"
#include "fnn/data/permutation.hpp"
#include "fnn/io/state_dict.hpp"
#include "fnn/losses/targets.hpp"

namespace fnn::data {

struct LoaderOptions {
  Index batch_size = 64;
  bool shuffle = false;    // a new random order every epoch
  bool drop_last = false;  // skip the final batch when it is smaller than batch_size
  Normalize normalize{};   // default: scale to [0, 1] only
  Augmentation augment{};  // default: none
};

template <class Scalar>
struct Batch {
  Tensor<Scalar> images;       // [B, 1, rows, cols]
  Targets labels;              // [B]
  std::vector<Index> indices;  // [B] each sample's index in the data set

  Index size() const { return static_cast<Index>(labels.size()); }
};

namespace detail {

// Looks each byte up in the normalisation table: out[p] = table[src[p]].
template <class Scalar>
void convert_image(const std::uint8_t* src, Index n, const std::array<Scalar, 256>& table, Scalar* out) {
  for (Index p = 0; p < n; ++p) out[p] = table[src[p]];
}

}  // namespace detail

template <class Scalar>
class DataLoader {
 public:
  // The loader keeps a reference to `dataset`, which must outlive it. Shuffling and augmentation draw
  // from generators forked from `rng`.
  DataLoader(const Dataset& dataset, const LoaderOptions& options, Rng& rng)
      : dataset_(&dataset), options_(options), order_rng_(rng.fork()), augment_rng_(rng.fork()) {
    init();
  }

  // A loader without randomness, for evaluation: neither shuffling nor augmentation may be on.
  DataLoader(const Dataset& dataset, const LoaderOptions& options) : dataset_(&dataset), options_(options) {
    if (options.shuffle || options.augment.enabled()) {
      throw UsageError("fnn::data::DataLoader: shuffling and augmentation need an Rng; pass one to the constructor");
    }
    init();
  }

  // A temporary data set would be destroyed while the loader still refers to it.
  DataLoader(Dataset&&, const LoaderOptions&, Rng&) = delete;
  DataLoader(Dataset&&, const LoaderOptions&) = delete;

  const Dataset& dataset() const { return *dataset_; }
  const LoaderOptions& options() const { return options_; }

  Index batches_per_epoch() const {
    const Index n = dataset_->size(), b = options_.batch_size;
    return options_.drop_last ? n / b : (n + b - 1) / b;
  }
  Index samples_per_epoch() const {
    return options_.drop_last ? batches_per_epoch() * options_.batch_size : dataset_->size();
  }

  // Begins an epoch: the order is 0..N-1, or a new permutation when shuffling.
  void start_epoch() {
    order_.resize(static_cast<std::size_t>(dataset_->size()));
    std::iota(order_.begin(), order_.end(), Index{0});
    if (options_.shuffle) shuffle(order_, order_rng_);
    position_ = 0;
    ++epoch_;
  }

  // The sample order of the current epoch.
  const std::vector<Index>& order() const { return order_; }
  // The number of epochs started.
  Index epoch() const { return epoch_; }

  // The loader's part of a checkpoint, taken between epochs: its generators and epoch count, with the
  // batch size and data set size, which must be the same when the state is loaded.
  void save_state(StateDict& state, const std::string& prefix) const {
    state.put_rng(prefix + "order_generator", order_rng_);
    state.put_rng(prefix + "augment_generator", augment_rng_);
    state.put_number(prefix + "epoch", static_cast<double>(epoch_));
    state.put_number(prefix + "batch_size", static_cast<double>(options_.batch_size));
    state.put_number(prefix + "samples", static_cast<double>(dataset_->size()));
  }
  void load_state(const StateDict& state, const std::string& prefix) {
    state.expect_integer(prefix + "batch_size", options_.batch_size, "the batch size");
    state.expect_integer(prefix + "samples", dataset_->size(), "the number of samples of " + prefix);
    state.get_rng(prefix + "order_generator", order_rng_);
    state.get_rng(prefix + "augment_generator", augment_rng_);
    epoch_ = state.get_integer(prefix + "epoch");
    order_.clear();
    position_ = 0;
  }

  // Fills `batch` with the next batch of the epoch; false once the epoch is over.
  bool next(Batch<Scalar>& batch) {
    if (epoch_ == 0) throw UsageError("fnn::data::DataLoader::next: call start_epoch() first");
    const Index remaining = static_cast<Index>(order_.size()) - position_;
    if (remaining <= 0 || (options_.drop_last && remaining < options_.batch_size)) return false;
    const Index n_batch = std::min(options_.batch_size, remaining);
    const Index rows = dataset_->rows(), cols = dataset_->cols(), pixels = rows * cols;

    batch.images.resize({n_batch, 1, rows, cols});
    batch.labels.resize(static_cast<std::size_t>(n_batch));
    batch.indices.resize(static_cast<std::size_t>(n_batch));
    const bool augment = options_.augment.enabled();
    for (Index b = 0; b < n_batch; ++b) {
      const Index i = order_[static_cast<std::size_t>(position_ + b)];
      batch.indices[static_cast<std::size_t>(b)] = i;
      batch.labels[static_cast<std::size_t>(b)] = dataset_->labels()[static_cast<std::size_t>(i)];
      if (augment) seeds_[static_cast<std::size_t>(b)] = augment_rng_.next();
    }

    const std::uint8_t* source = dataset_->pixels().data();
    Scalar* images = batch.images.data();
    const Index* indices = batch.indices.data();
#pragma omp parallel for schedule(static) if (n_batch * pixels >= 16384)
    for (Index b = 0; b < n_batch; ++b) {
      Scalar* image = images + b * pixels;
      detail::convert_image(source + indices[b] * pixels, pixels, table_, image);
      if (augment) {
        Rng rng(seeds_[static_cast<std::size_t>(b)]);
        augment_image(image, rows, cols, options_.augment, table_[0], rng, scratch_.data() + b * pixels);
      }
    }
    position_ += n_batch;
    return true;
  }

 private:
  void init() {
    if (options_.batch_size < 1) {
      throw ValueError("fnn::data::DataLoader: batch_size must be >= 1, got " + std::to_string(options_.batch_size));
    }
    table_ = pixel_table<Scalar>(options_.normalize);
    check_augmentation(options_.augment);
    if (options_.augment.enabled()) {
      seeds_.resize(static_cast<std::size_t>(options_.batch_size));
      scratch_.resize(static_cast<std::size_t>(options_.batch_size * dataset_->image_size()));
    }
  }

  const Dataset* dataset_;
  LoaderOptions options_;
  Rng order_rng_, augment_rng_;
  std::array<Scalar, 256> table_{};
  std::vector<Index> order_;
  Index position_ = 0, epoch_ = 0;
  std::vector<std::uint64_t> seeds_;  // [batch_size] one augmentation seed per sample
  std::vector<Scalar> scratch_;       // [batch_size, rows, cols] working space of the crop
};

// One image as a [1, 1, rows, cols] tensor, normalised as a loader would: for predicting a single sample.
template <class Scalar>
Tensor<Scalar> image_tensor(const Dataset& dataset, Index i, const Normalize& normalize = {}) {
  const std::array<Scalar, 256> table = pixel_table<Scalar>(normalize);
  Tensor<Scalar> t({1, 1, dataset.rows(), dataset.cols()});
  detail::convert_image(dataset.image(i), dataset.image_size(), table, t.data());
  return t;
}

}  // namespace fnn::data
