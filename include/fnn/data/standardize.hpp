#pragma once
// Standardizer: every feature shifted and scaled to mean 0 and standard deviation 1, as scikit-learn's StandardScaler.
// The means and deviations are computed on the training split only and then applied to every split, so that nothing of
// the validation or test data leaks into training.
//   x'[n, f] = (x[n, f] - mean[f]) / std[f]      features [N, ...], f indexing the elements of one sample
// std is the population deviation (divided by N); a feature that is constant in the training split keeps a scale of 1,
// as StandardScaler does, rather than dividing by 0.
//
//   const auto scaler = fnn::data::Standardizer<float>::fit(train.features());
//   scaler.apply(train.features());
//   scaler.apply(test.features());
#include <cmath>
#include <string>
#include <vector>

#include "fnn/core/error.hpp"
#include "fnn/core/tensor.hpp"

namespace fnn::data {

template <class Scalar>
class Standardizer {
 public:
  // Measures the mean and deviation of every feature of `features` [N, ...], in double.
  static Standardizer fit(const Tensor<Scalar>& features) {
    if (features.rank() < 2 || features.size(0) == 0) {
      throw ValueError(
          "fnn::data::Standardizer::fit: needs at least one "
          "sample of [N, ...] features, got " +
          features.shape().str());
    }
    const Index n = features.size(0), width = features.shape().inner();
    const auto x = features.matrix(n, width).template cast<double>();
    Standardizer s;
    s.mean_ = x.colwise().mean();
    s.scale_ = (x.rowwise() - s.mean_).array().square().colwise().mean().sqrt().matrix();
    for (Index f = 0; f < width; ++f) {
      if (s.scale_(f) == 0) s.scale_(f) = 1;
    }
    return s;
  }

  // Standardises `features` [M, ...] in place, with the means and deviations fit() computed.
  void apply(Tensor<Scalar>& features) const {
    auto x = checked_matrix("apply", features);
    x = ((x.template cast<double>().rowwise() - mean_).array().rowwise() / scale_.array())
            .template cast<Scalar>()
            .matrix();
  }

  // Undoes apply(): for turning standardised predictions back into the targets' units.
  void invert(Tensor<Scalar>& features) const {
    auto x = checked_matrix("invert", features);
    x = ((x.template cast<double>().array().rowwise() * scale_.array()).matrix().rowwise() + mean_)
            .template cast<Scalar>();
  }

  const Eigen::RowVectorXd& mean() const { return mean_; }
  const Eigen::RowVectorXd& scale() const { return scale_; }

 private:
  typename Tensor<Scalar>::MatrixMap checked_matrix(const char* method, Tensor<Scalar>& features) const {
    if (features.rank() < 2 || features.shape().inner() != mean_.size()) {
      throw ShapeError(std::string("fnn::data::Standardizer::") + method + ": fitted on samples of " +
                       std::to_string(mean_.size()) + " features, given " + features.shape().str());
    }
    return features.matrix(features.size(0), features.shape().inner());
  }

  Eigen::RowVectorXd mean_, scale_;
};

}  // namespace fnn::data
