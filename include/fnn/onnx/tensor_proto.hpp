#pragma once
// The weights of an ONNX file: ONNX's TensorProto to and from fnn.
//
// Writing stores a tensor's elements as little-endian float raw_data, as PyTorch's exporter does (a
// double model's values are rounded to float). Reading takes float or int64 elements from raw_data or
// from the typed field, and checks everything a damaged or hostile file could get wrong before it
// allocates or copies anything: the rank, each extent and their product against limits, an element
// count that matches the extents exactly, and data kept in the file itself (external data files are
// refused: a model file must not make fnn open other files).
// Every failure is an IoError naming the tensor; the loader adds the file's name.
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "fnn/core/error.hpp"
#include "fnn/core/shape.hpp"
#include "fnn/core/tensor.hpp"

namespace fnn::onnx {

// The most elements one constant may hold: protobuf refuses messages over 2 GiB, which is 2^29 floats.
inline constexpr Index max_tensor_elements = Index(1) << 29;

// A constant of an ONNX graph (an initializer or a Constant node's value), decoded and checked.
struct Constant {
  std::string name;
  std::vector<Index> dims;         // none for a scalar
  std::vector<float> floats;       // the elements, row-major, of a float tensor
  std::vector<std::int64_t> ints;  // or of an int64 tensor

  Index numel() const {
    Index n = 1;
    for (Index d : dims) n *= d;
    return n;
  }
  bool is_float() const { return !floats.empty() || (ints.empty() && numel() == 0); }

  // The elements as an fnn tensor of `shape`, which must hold as many: a weight of a layer.
  template <class Scalar>
  Tensor<Scalar> to_tensor(const Shape& shape) const {
    if (!is_float() || static_cast<Index>(floats.size()) != shape.numel()) {
      throw IoError("tensor '" + name + "' " + describe() + " does not fit the layer's " + shape.str());
    }
    Tensor<Scalar> t(shape);
    std::copy(floats.begin(), floats.end(), t.data());
    return t;
  }

  // "float [6, 1, 5, 5]"
  std::string describe() const {
    std::string s = is_float() ? "float [" : "int64 [";
    for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
    return s + "]";
  }
};

namespace detail {

// The elements of a tensor of `numel` elements of type T, from raw_data (little-endian, as ONNX
// stores it and as this x86 or ARM host reads it) or from the typed field, whichever the file filled.
template <class T, class Field>
std::vector<T> elements(const ::onnx::TensorProto& t, const Field& typed, Index numel) {
  const std::string& raw = t.raw_data();
  if (!raw.empty() && !typed.empty()) {
    throw IoError("tensor '" + t.name() + "' holds its elements twice, as raw data and as a typed list");
  }
  if (!raw.empty()) {
    if (raw.size() != static_cast<std::size_t>(numel) * sizeof(T)) {
      throw IoError("tensor '" + t.name() + "': " + std::to_string(raw.size()) + " bytes of raw data for " +
                    std::to_string(numel) + " elements of " + std::to_string(sizeof(T)) + " bytes");
    }
    std::vector<T> values(static_cast<std::size_t>(numel));
    std::memcpy(values.data(), raw.data(), raw.size());
    return values;
  }
  if (static_cast<Index>(typed.size()) != numel) {
    throw IoError("tensor '" + t.name() + "': " + std::to_string(typed.size()) + " elements for extents holding " +
                  std::to_string(numel));
  }
  return std::vector<T>(typed.begin(), typed.end());
}

}  // namespace detail

inline Constant read_constant(const ::onnx::TensorProto& t) {
  const std::string what = "tensor '" + t.name() + "'";
  if (t.data_location() == ::onnx::TensorProto::EXTERNAL || t.external_data_size() > 0) {
    throw IoError(what +
                  ": its data is in an external file, which fnn does not read (save the model with its "
                  "weights inside it)");
  }
  if (t.has_segment()) throw IoError(what + ": a tensor split into segments is not supported");
  if (t.dims_size() > Shape::max_rank) {
    throw IoError(what + ": rank " + std::to_string(t.dims_size()) + " exceeds fnn's maximum of 4");
  }
  Constant c{t.name(), {}, {}, {}};
  Index numel = 1;
  for (const std::int64_t d : t.dims()) {
    // Each factor is at most 2^29 and so is the product so far: the product never overflows.
    if (d < 0 || d > max_tensor_elements || (numel *= d) > max_tensor_elements) {
      throw IoError(what + ": extent " + std::to_string(d) + " is negative or makes more than 2^29 elements");
    }
    c.dims.push_back(d);
  }
  switch (t.data_type()) {
    case ::onnx::TensorProto::FLOAT:
      c.floats = detail::elements<float>(t, t.float_data(), numel);
      break;
    case ::onnx::TensorProto::INT64:
      c.ints = detail::elements<std::int64_t>(t, t.int64_data(), numel);
      break;
    default:
      throw IoError(what + ": element type " + std::to_string(t.data_type()) +
                    " is not supported (fnn reads float (1) and int64 (7) tensors)");
  }
  return c;
}

// Fills `t` with `values` as a float tensor of extents `dims` under `name`.
template <class Scalar>
void write_constant(::onnx::TensorProto& t, const std::string& name, const std::vector<Index>& dims,
                    const Scalar* values) {
  t.set_name(name);
  t.set_data_type(::onnx::TensorProto::FLOAT);
  Index numel = 1;
  for (Index d : dims) {
    t.add_dims(d);
    numel *= d;
  }
  std::vector<float> floats(values, values + numel);
  t.set_raw_data(reinterpret_cast<const char*>(floats.data()), floats.size() * sizeof(float));
}

template <class Scalar>
void write_constant(::onnx::TensorProto& t, const std::string& name, const Tensor<Scalar>& tensor) {
  std::vector<Index> dims;
  for (int i = 0; i < tensor.rank(); ++i) dims.push_back(tensor.size(i));
  write_constant(t, name, dims, tensor.data());
}

}  // namespace fnn::onnx
