#pragma once
// TensorLoader: a TensorDataset served as batches (see Loader).
//   inputs [B, ...]   labels [B]   or   values [B, k]
#include <string>
#include <vector>

#include "fnn/core/random.hpp"
#include "fnn/data/loader.hpp"
#include "fnn/data/tensor_dataset.hpp"

namespace fnn::data {

template <class Scalar>
class TensorLoader final : public Loader<Scalar> {
 public:
  // The loader keeps a reference to `dataset`, which must outlive it; shuffling draws from a generator forked from
  // `rng`.
  TensorLoader(const TensorDataset<Scalar>& dataset, const BatchOptions& options, Rng& rng)
      : Loader<Scalar>(name, dataset.size(), options, &rng), dataset_(&dataset) {}
  // A loader without randomness, for evaluation: shuffling may not be on.
  TensorLoader(const TensorDataset<Scalar>& dataset, const BatchOptions& options)
      : Loader<Scalar>(name, dataset.size(), options, nullptr), dataset_(&dataset) {}
  // A temporary data set would be destroyed while the loader still refers to it.
  TensorLoader(TensorDataset<Scalar>&&, const BatchOptions&, Rng&) = delete;
  TensorLoader(TensorDataset<Scalar>&&, const BatchOptions&) = delete;

  const TensorDataset<Scalar>& dataset() const { return *dataset_; }
  TargetKind target_kind() const override { return dataset_->target_kind(); }
  bool serves_images() const override { return dataset_->sample_shape().rank() == 4; }

 private:
  static constexpr const char* name = "fnn::data::TensorLoader";

  void fill(Batch<Scalar>& batch) override {
    gather_rows(dataset_->features(), batch.indices, batch.inputs);
    if (dataset_->target_kind() == TargetKind::values) {
      gather_rows(dataset_->values(), batch.indices, batch.values);
      batch.labels.clear();
    } else {
      batch.labels.resize(batch.indices.size());
      for (std::size_t k = 0; k < batch.indices.size(); ++k) {
        batch.labels[k] = dataset_->labels()[static_cast<std::size_t>(batch.indices[k])];
      }
      batch.values.resize(Shape{});
    }
  }

  const TensorDataset<Scalar>* dataset_;
};

}  // namespace fnn::data
