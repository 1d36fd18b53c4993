#pragma once
// TensorDataset: samples of float features of any shape, each with a class index or a row of float targets, held in
// memory as torch.utils.data.TensorDataset holds them.
//   features [N, ...]   and   labels [N] int32 (classification)   or   values [N, k] (regression)
// For tables read from text files, see fnn/extras/data/delimited.hpp; for standardising the features,
// fnn/data/standardize.hpp.
#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "fnn/core/error.hpp"
#include "fnn/core/tensor.hpp"
#include "fnn/data/loader.hpp"
#include "fnn/losses/targets.hpp"

namespace fnn::data {

// Rows `indices` of `source` (one row per sample, as Tensor::matrix views it) into `out`, reshaped.
template <class Scalar>
void gather_rows(const Tensor<Scalar>& source, const std::vector<Index>& indices, Tensor<Scalar>& out) {
  const Index row = source.shape().inner();
  out.resize(source.shape().with_batch(static_cast<Index>(indices.size())));
  for (std::size_t k = 0; k < indices.size(); ++k) {
    const Scalar* from = source.data() + indices[k] * row;
    std::copy(from, from + row, out.data() + static_cast<Index>(k) * row);
  }
}

template <class Scalar>
class TensorDataset {
 public:
  TensorDataset() = default;

  // Classification: one class index >= 0 per sample.
  TensorDataset(Tensor<Scalar> features, Targets labels)
      : features_(std::move(features)), labels_(std::move(labels)), kind_(TargetKind::classes) {
    check_samples(static_cast<Index>(labels_.size()), "labels");
    for (std::size_t i = 0; i < labels_.size(); ++i) {
      if (labels_[i] < 0) {
        throw ValueError("fnn::data::TensorDataset: the label of sample " + std::to_string(i) + " is " +
                         std::to_string(labels_[i]) + "; class indices start at 0");
      }
    }
  }

  // Regression: a row of k float targets per sample.
  TensorDataset(Tensor<Scalar> features, Tensor<Scalar> values)
      : features_(std::move(features)), values_(std::move(values)), kind_(TargetKind::values) {
    if (values_.rank() != 2) {
      throw ShapeError("fnn::data::TensorDataset: the targets must be [N, k], got " + values_.shape().str());
    }
    check_samples(values_.size(0), "rows of targets");
  }

  Index size() const { return features_.rank() == 0 ? 0 : features_.size(0); }
  bool empty() const { return size() == 0; }
  TargetKind target_kind() const { return kind_; }
  // The shape of one sample's features, [1, ...].
  Shape sample_shape() const { return features_.shape().with_batch(1); }
  // One past the largest label: the number of classes a classifier of this data needs at least.
  Index num_classes() const {
    return labels_.empty() ? 0 : Index{*std::max_element(labels_.begin(), labels_.end())} + 1;
  }

  const Tensor<Scalar>& features() const { return features_; }
  Tensor<Scalar>& features() { return features_; }
  const Targets& labels() const { return labels_; }
  const Tensor<Scalar>& values() const { return values_; }
  Tensor<Scalar>& values() { return values_; }

  // The samples at `indices`, in that order (an index may repeat).
  TensorDataset subset(const std::vector<Index>& indices) const {
    for (Index i : indices) {
      if (i < 0 || i >= size()) {
        throw ValueError("fnn::data::TensorDataset: sample " + std::to_string(i) + " is outside a data set of " +
                         std::to_string(size()));
      }
    }
    Tensor<Scalar> features;
    gather_rows(features_, indices, features);
    if (kind_ == TargetKind::values) {
      Tensor<Scalar> values;
      gather_rows(values_, indices, values);
      return TensorDataset(std::move(features), std::move(values));
    }
    Targets labels(indices.size());
    for (std::size_t k = 0; k < indices.size(); ++k) labels[k] = labels_[static_cast<std::size_t>(indices[k])];
    return TensorDataset(std::move(features), std::move(labels));
  }

 private:
  void check_samples(Index targets, const char* what) const {
    if (features_.rank() < 2) {
      throw ShapeError(
          "fnn::data::TensorDataset: the features must be [N, "
          "...] with at least one feature axis, got " +
          features_.shape().str());
    }
    if (targets != features_.size(0)) {
      throw ShapeError("fnn::data::TensorDataset: " + std::to_string(features_.size(0)) + " samples of features and " +
                       std::to_string(targets) + " " + what);
    }
  }

  Tensor<Scalar> features_;
  Targets labels_;
  Tensor<Scalar> values_;
  TargetKind kind_ = TargetKind::classes;
};

}  // namespace fnn::data
