#pragma once
// Regression metrics over a pass, batch by batch: mean squared error and mean absolute error over every target element,
// and the coefficient of determination R^2 of each target column, averaged over the columns (scikit-learn's r2_score
// with multioutput = "uniform_average"):
//   R^2_j = 1 - sum_n (y_nj - p_nj)^2 / sum_n (y_nj - mean_j)^2
// A column whose targets are all equal has R^2 1 when predicted exactly and 0 otherwise, as scikit-learn reports it.
// Sums are kept in double, of the targets less the first row's, so that targets far from 0 lose no precision to the
// spread about their mean.
#include <cmath>
#include <string>
#include <vector>

#include "fnn/core/error.hpp"
#include "fnn/core/tensor.hpp"

namespace fnn::metrics {

class RegressionMeter {
 public:
  // predictions and targets [B, k], k the same in every batch.
  template <class Scalar>
  void add(const Tensor<Scalar>& predictions, const Tensor<Scalar>& targets) {
    check_shape("fnn::metrics::RegressionMeter", targets.shape(), predictions.shape());
    const Index rows = targets.size(0), k = targets.shape().inner();
    if (rows == 0) return;
    if (shift_.empty()) {
      shift_.assign(targets.data(), targets.data() + k);
      sum_.assign(static_cast<std::size_t>(k), 0.0);
      sum_squares_.assign(static_cast<std::size_t>(k), 0.0);
      squared_error_.assign(static_cast<std::size_t>(k), 0.0);
    } else if (static_cast<Index>(shift_.size()) != k) {
      throw ShapeError("fnn::metrics::RegressionMeter: batches of " + std::to_string(shift_.size()) + " and " +
                       std::to_string(k) + " targets per sample");
    }
    for (Index n = 0; n < rows; ++n) {
      for (Index j = 0; j < k; ++j) {
        const auto c = static_cast<std::size_t>(j);
        const double y = static_cast<double>(targets[n * k + j]) - shift_[c];
        const double e = static_cast<double>(predictions[n * k + j]) - static_cast<double>(targets[n * k + j]);
        sum_[c] += y;
        sum_squares_[c] += y * y;
        squared_error_[c] += e * e;
        absolute_error_ += std::abs(e);
      }
    }
    rows_ += rows;
  }

  long long count() const { return rows_; }
  double mse() const { return total(squared_error_) / elements(); }
  double mae() const { return absolute_error_ / elements(); }
  double r2() const {
    if (rows_ == 0) return NAN;
    double sum_r2 = 0;
    for (std::size_t j = 0; j < sum_.size(); ++j) {
      const double spread = sum_squares_[j] - sum_[j] * sum_[j] / static_cast<double>(rows_);
      if (spread > 0) {
        sum_r2 += 1 - squared_error_[j] / spread;
      } else {
        sum_r2 += squared_error_[j] == 0 ? 1 : 0;
      }
    }
    return sum_r2 / static_cast<double>(sum_.size());
  }

 private:
  double elements() const { return rows_ == 0 ? NAN : static_cast<double>(rows_) * static_cast<double>(sum_.size()); }
  static double total(const std::vector<double>& v) {
    double s = 0;
    for (double x : v) s += x;
    return s;
  }

  long long rows_ = 0;
  std::vector<double> shift_, sum_, sum_squares_,
      squared_error_;  // per target column
  double absolute_error_ = 0;
};

}  // namespace fnn::metrics
