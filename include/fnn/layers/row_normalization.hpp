#pragma once
// Normalising each row of a matrix by its own mean and variance: the core of LayerNorm (a row is one
// sample's normalised axes) and GroupNorm (a row is one sample's group of channels). Unlike BatchNorm, no
// statistic is shared between samples.
//   x [R, L] row-major   mean_r, var_r: the row's mean and biased variance   inv_std_r = 1 / sqrt(var_r + eps)
//   forward:   xhat = (x - mean_r) inv_std_r
//   backward:  given dxhat = dLoss/dxhat,
//              dx = inv_std_r (dxhat - mean_r(dxhat) - xhat mean_r(dxhat xhat))     (means along the row)
// The statistics are summed in double, as BatchNorm's. Rows are split between the threads.
#include <cmath>

#include "fnn/core/parallel.hpp"
#include "fnn/core/tensor.hpp"

namespace fnn::detail {

template <class Scalar>
using RowMap = Eigen::Map<Eigen::Array<Scalar, Eigen::Dynamic, 1>>;
template <class Scalar>
using ConstRowMap = Eigen::Map<const Eigen::Array<Scalar, Eigen::Dynamic, 1>>;

template <class Scalar>
void normalise_rows(const Scalar* x, Index rows, Index length, Scalar eps, Scalar* xhat, Scalar* inv_std) {
  parallel_ranges(rows, elementwise_work(rows * length), 1, [&](Index first, Index last) {
    for (Index r = first; r < last; ++r) {
      const ConstRowMap<Scalar> in(x + r * length, length);
      const double mean = in.template cast<double>().mean();
      const double var = (in.template cast<double>() - mean).square().mean();
      inv_std[r] = static_cast<Scalar>(1.0 / std::sqrt(var + static_cast<double>(eps)));
      RowMap<Scalar>(xhat + r * length, length) = (in - static_cast<Scalar>(mean)) * inv_std[r];
    }
  });
}

template <class Scalar>
void normalised_rows_backward(const Scalar* dxhat, const Scalar* xhat, const Scalar* inv_std, Index rows,
                              Index length, Scalar* dx) {
  parallel_ranges(rows, elementwise_work(rows * length), 1, [&](Index first, Index last) {
    for (Index r = first; r < last; ++r) {
      const ConstRowMap<Scalar> d(dxhat + r * length, length), h(xhat + r * length, length);
      const auto mean_d = static_cast<Scalar>(d.template cast<double>().mean());
      const auto mean_dh = static_cast<Scalar>((d.template cast<double>() * h.template cast<double>()).mean());
      RowMap<Scalar>(dx + r * length, length) = inv_std[r] * (d - mean_d - h * mean_dh);
    }
  });
}

}  // namespace fnn::detail
