#pragma once
// DataLoader: a Dataset of byte images served as batches of float (or double) images (see Loader).
//   inputs [B, 1, rows, cols] = (byte / 255 - mean) / stddev, then augmented     labels [B]
//
//   fnn::data::LoaderOptions options;
//   options.batch_size = 64;
//   options.shuffle = true;
//   fnn::data::DataLoader<float> loader(train, options, rng);
//   fnn::data::Batch<float> batch;
//   for (int epoch = 0; epoch < epochs; ++epoch) {
//     loader.start_epoch();
//     while (loader.next(batch)) { ... batch.inputs, batch.labels ... }
//   }
//
// Reproducibility: the loader forks two generators from the user's Rng when it is built, one for the
// order and one for augmentation, so the same seed gives the same batches, and switching augmentation
// on or off does not change the order. Before a batch is converted, one seed per sample is drawn from
// the augmentation generator in sample order; the samples are then converted and augmented in
// parallel, each from its own seed, so the result does not depend on the number of threads. In
// data-parallel training (Loader::shard) every process draws the seeds of the whole batch and keeps its
// part's: a sample is augmented as one process would augment it, whatever the number of processes.
//
// Allocation: the loader's own buffers are sized once; after the first batch, next() allocates nothing.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "fnn/core/parallel.hpp"
#include "fnn/core/random.hpp"
#include "fnn/core/tensor.hpp"
#include "fnn/data/augment.hpp"
#include "fnn/data/dataset.hpp"
#include "fnn/data/loader.hpp"
#include "fnn/data/normalize.hpp"

namespace fnn::data {

struct LoaderOptions : BatchOptions {
  LoaderOptions() = default;
  // The batch settings in their order, as DataLoader<float> loader(set, {100}) or (set, {64, true}, rng).
  LoaderOptions(Index batch, bool shuffle_each_epoch = false, bool drop_short_last = false)  // NOLINT: implicit
      : BatchOptions{batch, shuffle_each_epoch, drop_short_last} {}

  Normalize normalize{};   // default: scale to [0, 1] only
  Augmentation augment{};  // default: none
};

namespace detail {

// Looks each byte up in the normalisation table: out[p] = table[src[p]].
template <class Scalar>
void convert_image(const std::uint8_t* src, Index n, const std::array<Scalar, 256>& table, Scalar* out) {
  for (Index p = 0; p < n; ++p) out[p] = table[src[p]];
}

}  // namespace detail

template <class Scalar>
class DataLoader final : public Loader<Scalar> {
 public:
  // The loader keeps a reference to `dataset`, which must outlive it. Shuffling and augmentation draw
  // from generators forked from `rng`.
  DataLoader(const Dataset& dataset, const LoaderOptions& options, Rng& rng)
      : Loader<Scalar>(name, dataset.size(), options, &rng), dataset_(&dataset), options_(options),
        augment_rng_(rng.fork()) {
    init();
  }

  // A loader without randomness, for evaluation: neither shuffling nor augmentation may be on.
  DataLoader(const Dataset& dataset, const LoaderOptions& options)
      : Loader<Scalar>(name, dataset.size(), options, nullptr), dataset_(&dataset), options_(options) {
    if (options.augment.enabled()) {
      throw UsageError("fnn::data::DataLoader: augmentation needs an Rng; pass one to the constructor");
    }
    init();
  }

  // A temporary data set would be destroyed while the loader still refers to it.
  DataLoader(Dataset&&, const LoaderOptions&, Rng&) = delete;
  DataLoader(Dataset&&, const LoaderOptions&) = delete;

  const Dataset& dataset() const { return *dataset_; }
  const LoaderOptions& options() const { return options_; }
  TargetKind target_kind() const override { return TargetKind::classes; }
  bool serves_images() const override { return true; }

  void save_state(StateDict& state, const std::string& prefix) const override {
    Loader<Scalar>::save_state(state, prefix);
    state.put_rng(prefix + "augment_generator", augment_rng_);
  }
  void load_state(const StateDict& state, const std::string& prefix) override {
    Loader<Scalar>::load_state(state, prefix);
    state.get_rng(prefix + "augment_generator", augment_rng_);
  }

 private:
  static constexpr const char* name = "fnn::data::DataLoader";

  void init() {
    table_ = pixel_table<Scalar>(options_.normalize);
    check_augmentation(options_.augment);
    if (options_.augment.enabled()) {
      seeds_.resize(static_cast<std::size_t>(options_.batch_size));
      scratch_.resize(static_cast<std::size_t>(options_.batch_size * dataset_->image_size()));
    }
  }

  void fill(Batch<Scalar>& batch) override {
    const Index n_batch = batch.size();
    const Index rows = dataset_->rows(), cols = dataset_->cols(), pixels = rows * cols;
    batch.inputs.resize({n_batch, 1, rows, cols});
    batch.labels.resize(static_cast<std::size_t>(n_batch));
    batch.values.resize(Shape{});
    const bool augment = options_.augment.enabled();
    for (Index b = 0; b < n_batch; ++b) {
      const auto i = static_cast<std::size_t>(batch.indices[static_cast<std::size_t>(b)]);
      batch.labels[static_cast<std::size_t>(b)] = dataset_->labels()[i];
    }
    if (augment) {
      const Index first = this->part_start();
      for (Index b = 0; b < this->global_batch(); ++b) {
        const std::uint64_t seed = augment_rng_.next();
        if (b >= first && b < first + n_batch) seeds_[static_cast<std::size_t>(b - first)] = seed;
      }
    }

    const std::uint8_t* source = dataset_->pixels().data();
    Scalar* images = batch.inputs.data();
    const Index* indices = batch.indices.data();
#pragma omp parallel for schedule(static) num_threads(active_threads()) if (n_batch * pixels >= 16384)
    for (Index b = 0; b < n_batch; ++b) {
      Scalar* image = images + b * pixels;
      detail::convert_image(source + indices[b] * pixels, pixels, table_, image);
      if (augment) {
        Rng rng(seeds_[static_cast<std::size_t>(b)]);
        augment_image(image, rows, cols, options_.augment, table_[0], rng, scratch_.data() + b * pixels);
      }
    }
  }

  const Dataset* dataset_;
  LoaderOptions options_;
  Rng augment_rng_;
  std::array<Scalar, 256> table_{};
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
