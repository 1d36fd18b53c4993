#pragma once
// Tensor<Scalar>: a dense, contiguous, row-major array of rank 1 to 4.
//
// Memory layout: element (i0, i1, i2, i3) lives at ((i0 * d1 + i1) * d2 + i2) * d3 + i3, so an NCHW
// batch stores each image's channels one after the other and each channel row by row. Viewed as a
// matrix, a tensor has d0 rows and d1*d2*d3 columns: one row per sample. Views are Eigen::Map
// objects over the same memory; nothing is copied.
#include <Eigen/Core>
#include <algorithm>
#include <atomic>
#include <type_traits>
#include <utility>
#include <vector>

#include "fnn/core/parallel.hpp"
#include "fnn/core/shape.hpp"

namespace fnn {

template <class Scalar>
class Tensor {
  static_assert(std::is_same_v<Scalar, float> || std::is_same_v<Scalar, double>,
                "fnn::Tensor holds float or double");

 public:
  using Matrix = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  using MatrixMap = Eigen::Map<Matrix>;
  using ConstMatrixMap = Eigen::Map<const Matrix>;
  using Array = Eigen::Array<Scalar, Eigen::Dynamic, 1>;
  using ArrayMap = Eigen::Map<Array>;
  using ConstArrayMap = Eigen::Map<const Array>;
  using RowVector = Eigen::Matrix<Scalar, 1, Eigen::Dynamic>;

  Tensor() = default;
  explicit Tensor(const Shape& shape, Scalar fill_value = Scalar(0))
      : shape_(shape), data_(static_cast<std::size_t>(shape.numel()), fill_value) {}
  Tensor(const Shape& shape, std::initializer_list<Scalar> values) : shape_(shape), data_(values) {
    if (static_cast<Index>(data_.size()) != shape.numel()) {
      throw ShapeError("fnn::Tensor: shape " + shape.str() + " holds " + std::to_string(shape.numel()) +
                       " elements, " + std::to_string(data_.size()) + " values given");
    }
  }

  const Shape& shape() const { return shape_; }
  Index numel() const { return shape_.numel(); }
  Index size(int axis) const {
    if (axis < 0 || axis >= shape_.rank()) {
      throw ShapeError("fnn::Tensor::size: no axis " + std::to_string(axis) + " in shape " + shape_.str());
    }
    return shape_[axis];
  }
  int rank() const { return shape_.rank(); }
  bool empty() const { return data_.empty(); }

  Scalar* data() { return data_.data(); }
  const Scalar* data() const { return data_.data(); }
  Scalar* begin() { return data_.data(); }
  Scalar* end() { return data_.data() + data_.size(); }
  const Scalar* begin() const { return data_.data(); }
  const Scalar* end() const { return data_.data() + data_.size(); }

  Scalar& operator[](Index i) { return data_[static_cast<std::size_t>(i)]; }
  Scalar operator[](Index i) const { return data_[static_cast<std::size_t>(i)]; }

  // Element access by coordinates, unchecked: one index per axis.
  template <class... I>
  Scalar& operator()(I... idx) {
    return data_[offset(idx...)];
  }
  template <class... I>
  Scalar operator()(I... idx) const {
    return data_[offset(idx...)];
  }

  // Element access by coordinates with the rank and every index checked.
  template <class... I>
  Scalar& at(I... idx) {
    check_index({static_cast<Index>(idx)...});
    return data_[offset(idx...)];
  }
  template <class... I>
  Scalar at(I... idx) const {
    check_index({static_cast<Index>(idx)...});
    return data_[offset(idx...)];
  }

  // Gives the tensor a new shape; keeps the allocation when it is large enough, so buffers that are
  // resized to the same shape every step never allocate. The contents are unspecified afterwards.
  void resize(const Shape& shape) {
    shape_ = shape;
    data_.resize(static_cast<std::size_t>(shape.numel()));
  }

  // Reinterprets the same elements under a new shape with as many elements; nothing is copied.
  Tensor& reshape(const Shape& shape) {
    if (shape.numel() != numel()) {
      throw ShapeError("fnn::Tensor::reshape: cannot view " + shape_.str() + " (" + std::to_string(numel()) +
                       " elements) as " + shape.str() + " (" + std::to_string(shape.numel()) + " elements)");
    }
    shape_ = shape;
    return *this;
  }

  void fill(Scalar value) { std::fill(data_.begin(), data_.end(), value); }

  // False when any element is NaN or infinite. One branch-free pass: x * 0 is 0 for every finite x and
  // NaN otherwise, and a NaN survives the sum. Eigen's sum runs in vector registers with several
  // partial sums; a plain loop could not, as it must add floats in order.
  // Large tensors are checked in one piece per thread.
  bool all_finite() const {
    std::atomic<bool> finite{true};
    parallel_ranges(numel(), elementwise_work(numel()), 64, [&](Index first, Index last) {
      if ((ConstArrayMap(data() + first, last - first) * Scalar(0)).sum() != Scalar(0)) finite = false;
    });
    return finite;
  }
  void zero() { fill(Scalar(0)); }

  // The tensor as a rows x cols row-major matrix (rows * cols must equal numel()).
  MatrixMap matrix(Index rows, Index cols) {
    check_matrix(rows, cols);
    return MatrixMap(data(), rows, cols);
  }
  ConstMatrixMap matrix(Index rows, Index cols) const {
    check_matrix(rows, cols);
    return ConstMatrixMap(data(), rows, cols);
  }
  // The tensor as a matrix with one row per index of the first axis.
  MatrixMap matrix() { return MatrixMap(data(), shape_[0], shape_.inner()); }
  ConstMatrixMap matrix() const { return ConstMatrixMap(data(), shape_[0], shape_.inner()); }

  // All elements as one row vector (a bias, say).
  Eigen::Map<RowVector> row_vector() { return Eigen::Map<RowVector>(data(), numel()); }
  Eigen::Map<const RowVector> row_vector() const { return Eigen::Map<const RowVector>(data(), numel()); }

  // All elements as one flat Eigen array, for element-wise arithmetic.
  ArrayMap array() { return ArrayMap(data(), numel()); }
  ConstArrayMap array() const { return ConstArrayMap(data(), numel()); }

 private:
  template <class... I>
  std::size_t offset(I... idx) const {
    static_assert(sizeof...(I) >= 1 && sizeof...(I) <= Shape::max_rank, "one index per axis, 1 to 4 axes");
    const Index indices[] = {static_cast<Index>(idx)...};
    Index off = 0;
    for (std::size_t a = 0; a < sizeof...(I); ++a) off = off * shape_[static_cast<int>(a)] + indices[a];
    return static_cast<std::size_t>(off);
  }

  void check_index(std::initializer_list<Index> idx) const {
    if (static_cast<int>(idx.size()) != shape_.rank()) {
      throw ShapeError("fnn::Tensor::at: " + std::to_string(idx.size()) + " indices for a tensor of shape " +
                       shape_.str());
    }
    int axis = 0;
    for (Index i : idx) {
      if (i < 0 || i >= shape_[axis]) {
        throw ShapeError("fnn::Tensor::at: index " + std::to_string(i) + " out of range on axis " +
                         std::to_string(axis) + " of shape " + shape_.str());
      }
      ++axis;
    }
  }

  void check_matrix(Index rows, Index cols) const {
    if (rows < 0 || cols < 0 || rows * cols != numel()) {
      throw ShapeError("fnn::Tensor::matrix: cannot view " + shape_.str() + " as a " + std::to_string(rows) +
                       " x " + std::to_string(cols) + " matrix");
    }
  }

  Shape shape_;
  std::vector<Scalar, Eigen::aligned_allocator<Scalar>> data_;
};

// Elements [first, last) of a tensor as an Eigen array, for element-wise work split between threads.
template <class Scalar>
Eigen::Map<Eigen::Array<Scalar, Eigen::Dynamic, 1>> segment(Tensor<Scalar>& t, Index first, Index last) {
  return {t.data() + first, last - first};
}
template <class Scalar>
Eigen::Map<const Eigen::Array<Scalar, Eigen::Dynamic, 1>> segment(const Tensor<Scalar>& t, Index first, Index last) {
  return {t.data() + first, last - first};
}

// `to` = `from`'s elements under another shape of the same size, copied by both threads when the copy is
// large enough to pay: Flatten copies a batch of 1,000 images (3 MB), which one thread alone took a tenth
// of an MLP's inference time over, the other thread waiting.
template <class Scalar>
void copy_reshaped(const Tensor<Scalar>& from, const Shape& shape, Tensor<Scalar>& to) {
  if (shape.numel() != from.numel()) {
    throw ShapeError("fnn::copy_reshaped: cannot give " + from.shape().str() + " the shape " + shape.str());
  }
  to.resize(shape);
  parallel_ranges(from.numel(), elementwise_work(from.numel()), 16, [&](Index first, Index last) {
    std::copy(from.data() + first, from.data() + last, to.data() + first);
  });
}

// Element-wise comparison helper for tests and users: largest absolute difference.
template <class Scalar>
Scalar max_abs_diff(const Tensor<Scalar>& a, const Tensor<Scalar>& b) {
  check_shape("fnn::max_abs_diff", a.shape(), b.shape());
  if (a.numel() == 0) return Scalar(0);
  return (a.array() - b.array()).abs().maxCoeff();
}

}  // namespace fnn
