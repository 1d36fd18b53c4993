#pragma once
// Shape: the extents of a tensor of rank 1 to 4, outermost first (NCHW for images).
#include <array>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <type_traits>

#include "fnn/core/error.hpp"

namespace fnn {

using Index = std::int64_t;

class Shape {
 public:
  static constexpr int max_rank = 4;

  Shape() = default;  // rank 0: the shape of a tensor that holds nothing yet
  Shape(std::initializer_list<Index> dims) {
    if (dims.size() > max_rank) {
      throw ShapeError("fnn::Shape: rank " + std::to_string(dims.size()) + " exceeds the maximum of 4");
    }
    for (Index d : dims) {
      if (d < 0) throw ShapeError("fnn::Shape: negative extent " + std::to_string(d));
      dims_[rank_++] = d;
    }
  }

  int rank() const { return rank_; }
  Index operator[](int axis) const { return dims_[axis]; }

  Index numel() const {
    if (rank_ == 0) return 0;
    Index n = 1;
    for (int i = 0; i < rank_; ++i) n *= dims_[i];
    return n;
  }

  // Product of the extents after the first: the row length of the tensor viewed as a matrix.
  Index inner() const {
    Index n = 1;
    for (int i = 1; i < rank_; ++i) n *= dims_[i];
    return n;
  }

  // The same shape with `extent` on axis 0: a share of a batch.
  Shape with_batch(Index extent) const { return with_extent(0, extent); }

  // The same shape with `extent` on `axis` (Concat's channel axis).
  Shape with_extent(int axis, Index extent) const {
    Shape s = *this;
    s.dims_[axis] = extent;
    return s;
  }

  friend bool operator==(const Shape& a, const Shape& b) {
    if (a.rank_ != b.rank_) return false;
    for (int i = 0; i < a.rank_; ++i) {
      if (a.dims_[i] != b.dims_[i]) return false;
    }
    return true;
  }
  friend bool operator!=(const Shape& a, const Shape& b) { return !(a == b); }

  std::string str() const {
    std::string s = "[";
    for (int i = 0; i < rank_; ++i) s += (i ? ", " : "") + std::to_string(dims_[i]);
    return s + "]";
  }

 private:
  std::array<Index, max_rank> dims_{};
  int rank_ = 0;
};

// The checks below name the operation in their message. They take it as a string, or as a function
// returning one (a layer passes [this] { return name(); }) so that the name is only built on failure:
// checks run on every step, and building a string there would allocate.
namespace detail {
inline std::string operation_name(const std::string& s) { return s; }
inline std::string operation_name(const char* s) { return s; }
template <class F, class = std::enable_if_t<std::is_invocable_r_v<std::string, const F&>>>
std::string operation_name(const F& f) {
  return f();
}
}  // namespace detail

// Throws a ShapeError naming the operation and both shapes.
template <class Operation>
[[noreturn]] void throw_shape_mismatch(const Operation& operation, const Shape& expected, const Shape& found) {
  throw ShapeError(detail::operation_name(operation) + ": expected shape " + expected.str() + ", got " + found.str());
}

template <class Operation>
void check_shape(const Operation& operation, const Shape& expected, const Shape& found) {
  if (expected != found) throw_shape_mismatch(operation, expected, found);
}

// Throws unless `shape` has the given rank; `layout` names the axes for the message, e.g. "[N, C, H, W]".
template <class Operation>
void check_rank(const Operation& operation, const Shape& shape, int rank, const char* layout) {
  if (shape.rank() != rank) {
    throw ShapeError(detail::operation_name(operation) + ": expected a rank-" + std::to_string(rank) + " input " +
                     layout + ", got " + shape.str());
  }
}

// Throws unless `shape` has an axis: a default-constructed tensor, of rank 0, holds nothing to compute on.
template <class Operation>
void check_has_axes(const Operation& operation, const Shape& shape) {
  if (shape.rank() == 0) {
    throw ShapeError(detail::operation_name(operation) +
                     ": expected a tensor of rank 1 to 4, got one of rank 0 (a default-constructed Tensor)");
  }
}

}  // namespace fnn
