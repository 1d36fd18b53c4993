#pragma once
// fnn::onnx::load<Scalar>(path): an ONNX model (opset 11 to 17, as torch.onnx.export writes one) as an
// fnn Sequential with its weights, in evaluation mode as the graph computes; train() it to fine-tune.
//
// fnn reads a graph that is a chain from its one input to its one output, in which a value may branch
// into paths that meet again in one node: an Add of two (a Residual, body and shortcut; the identity
// where the value itself is added), a Sum (fnn's Add) or a Concat along axis 1 (fnn's Concat). A path
// becomes a Sequential, and each node a layer:
//   Conv -> Conv2d (pads, strides, dilations, group)
//   Gemm, or MatMul with an Add of a bias, on a constant weight -> Linear
//   BatchNormalization -> BatchNorm2d on [N, C, H, W], BatchNorm1d on [N, C] or [N, C, L] (inference)
//   MaxPool -> MaxPool2d    AveragePool -> AvgPool2d    GlobalAveragePool -> AdaptiveAvgPool2d(1, 1)
//   Flatten (axis 1), Reshape to [N, -1] -> Flatten
//   Relu, LeakyRelu, Elu, Sigmoid, Tanh, Identity -> the same    Softmax, LogSoftmax (axis 1) -> the same
//   Dropout -> Dropout(p = its ratio)
//   GELU (both forms) and SiLU as torch.onnx.export decomposes them -> GELU, SiLU
//     (fnn/onnx/activation_patterns.hpp: matched exactly, node by node)
// Anything else is refused with an IoError naming the node, its op type and its position, never turned
// into a wrong model: another operator, an attribute fnn's layer does not have (ceil_mode, auto_pad
// SAME, padding that differs between the two sides), a weight computed at run time, paths that do not
// meet in one node. A model that fnn::onnx::save wrote loads back exactly: the same layers, names and
// values (a Residual's body or shortcut comes back as a Sequential).
//
// The file is read bounded (io/input_file.hpp) and checked before anything is built from it: a
// truncated or damaged protobuf, tensors whose data do not match their extents, external data files,
// extents and attributes out of range are IoErrors naming the file. Shapes are followed from the
// graph input's declared shape through every layer, so a weight that does not fit its input is found
// while loading, not at the first forward.
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fnn/io/input_file.hpp"
#include "fnn/layers/adaptive_avgpool2d.hpp"
#include "fnn/layers/add.hpp"
#include "fnn/layers/avgpool2d.hpp"
#include "fnn/layers/batchnorm.hpp"
#include "fnn/layers/concat.hpp"
#include "fnn/layers/conv2d.hpp"
#include "fnn/layers/dropout.hpp"
#include "fnn/layers/elu.hpp"
#include "fnn/layers/flatten.hpp"
#include "fnn/layers/gelu.hpp"
#include "fnn/layers/identity.hpp"
#include "fnn/layers/leaky_relu.hpp"
#include "fnn/layers/linear.hpp"
#include "fnn/layers/log_softmax.hpp"
#include "fnn/layers/maxpool2d.hpp"
#include "fnn/layers/relu.hpp"
#include "fnn/layers/residual.hpp"
#include "fnn/layers/sequential.hpp"
#include "fnn/layers/sigmoid.hpp"
#include "fnn/layers/silu.hpp"
#include "fnn/layers/softmax.hpp"
#include "fnn/layers/tanh.hpp"
#include "fnn/onnx/activation_patterns.hpp"
#include "fnn/onnx/tensor_proto.hpp"

namespace fnn::onnx {

// The operator sets fnn reads: those of the exporters in use (PyTorch 1.13 writes 14 by default).
inline constexpr int min_import_opset = 11;
inline constexpr int max_import_opset = 17;

namespace detail {

// Limits no real model comes near, which keep every size computed from a file far from overflowing:
// an attribute's value (a kernel size, a stride, a padding) and an extent of the graph's input, the
// elements of one sample at any layer, the depth to which paths may branch inside paths.
inline constexpr Index max_extent = Index(1) << 24;
inline constexpr Index max_sample_elements = Index(1) << 31;
inline constexpr int max_branch_depth = 64;

// A node's attributes, checked against the names its layer understands: an attribute fnn would ignore
// could change what the node computes, so any other is refused.
class Attributes {
 public:
  Attributes(const ::onnx::NodeProto& node, std::initializer_list<const char*> known) {
    for (const ::onnx::AttributeProto& a : node.attribute()) {
      if (std::none_of(known.begin(), known.end(), [&](const char* k) { return a.name() == k; })) {
        throw IoError("attribute '" + a.name() + "' is not supported");
      }
      if (find(a.name())) throw IoError("attribute '" + a.name() + "' is given twice");
      list_.push_back(&a);
    }
  }

  Index integer(const char* name, Index fallback) const {
    const ::onnx::AttributeProto* a = typed(name, ::onnx::AttributeProto::INT);
    return a ? bounded(name, a->i()) : fallback;
  }
  double real(const char* name, double fallback) const {
    const ::onnx::AttributeProto* a = typed(name, ::onnx::AttributeProto::FLOAT);
    if (a && !std::isfinite(a->f())) throw IoError("attribute '" + std::string(name) + "' is not finite");
    return a ? a->f() : fallback;
  }
  // A list of `count` integers.
  std::vector<Index> integers(const char* name, std::size_t count, Index fallback) const {
    const ::onnx::AttributeProto* a = typed(name, ::onnx::AttributeProto::INTS);
    if (!a) return std::vector<Index>(count, fallback);
    if (static_cast<std::size_t>(a->ints_size()) != count) {
      throw IoError("attribute '" + std::string(name) + "' has " + std::to_string(a->ints_size()) +
                    " values where a 2-D operation has " + std::to_string(count));
    }
    std::vector<Index> values;
    for (const std::int64_t v : a->ints()) values.push_back(bounded(name, v));
    return values;
  }
  std::string text(const char* name, const std::string& fallback) const {
    const ::onnx::AttributeProto* a = typed(name, ::onnx::AttributeProto::STRING);
    return a ? a->s() : fallback;
  }

 private:
  const ::onnx::AttributeProto* find(const std::string& name) const {
    for (const auto* a : list_) {
      if (a->name() == name) return a;
    }
    return nullptr;
  }
  const ::onnx::AttributeProto* typed(const char* name, ::onnx::AttributeProto::AttributeType type) const {
    const ::onnx::AttributeProto* a = find(name);
    if (a && a->type() != type) throw IoError("attribute '" + std::string(name) + "' has the wrong type");
    return a;
  }
  static Index bounded(const char* name, std::int64_t v) {
    if (v < -max_extent || v > max_extent) {
      throw IoError("attribute '" + std::string(name) + "' = " + std::to_string(v) + " is out of range");
    }
    return v;
  }

  std::vector<const ::onnx::AttributeProto*> list_;
};

// The one value both elements of a pair of attribute values must share (a square window's size).
inline Index same(const std::vector<Index>& values, const char* what) {
  if (std::adjacent_find(values.begin(), values.end(), std::not_equal_to<>()) != values.end()) {
    throw IoError(std::string(what) +
                  " must be the same on every side: fnn's pooling layers have square "
                  "windows and one stride and padding for both axes");
  }
  return values[0];
}

// Checks that a shape's extents, and so its element count, stay within max_sample_elements: each
// product below is of two numbers under 2^31 and cannot overflow.
inline void check_size(const Shape& shape) {
  Index n = 1;
  for (int axis = 1; axis < shape.rank(); ++axis) {
    if (shape[axis] > max_sample_elements || (n *= shape[axis]) > max_sample_elements) {
      throw IoError("the output " + shape.str() + " holds more than 2^31 elements a sample");
    }
  }
}

inline Shape make_shape(const std::vector<Index>& dims) {
  switch (dims.size()) {
    case 2:
      return {dims[0], dims[1]};
    case 3:
      return {dims[0], dims[1], dims[2]};
    case 4:
      return {dims[0], dims[1], dims[2], dims[3]};
    default:
      throw IoError("the graph's input has rank " + std::to_string(dims.size()) + "; fnn takes 2 to 4");
  }
}

// Reads a checked ModelProto's graph into a Sequential. Nodes are read in the order the chain from the
// input reaches them; each node becomes a layer once, and every node must be reached.
template <class Scalar>
class GraphReader {
 public:
  GraphReader(const ::onnx::ModelProto& model, Rng& rng) : graph_(model.graph()), rng_(rng) {
    read_opset(model);
    if (graph_.output_size() != 1) {  // before anything reads graph_.output(0)
      throw IoError("the graph has " + std::to_string(graph_.output_size()) + " outputs; fnn reads one");
    }
    for (const ::onnx::TensorProto& t : graph_.initializer()) add_constant(t.name(), t);
    used_.assign(static_cast<std::size_t>(graph_.node_size()), false);
    for (int i = 0; i < graph_.node_size(); ++i) index_node(i);
    fuse_activations();
    read_input();
    for (const auto& [name, c] : constants_) constant_budget_ += 2 * c.numel();
  }

  Sequential<Scalar> read() {
    Sequential<Scalar> model;
    Shape shape = input_shape_;
    const End end = chain(model, input_, shape, -1);
    if (end.join >= 0) fail_at(end.join, "joins paths that do not branch from one value");
    const std::string& output = graph_.output(0).name();
    if (end.value != output) {
      throw IoError("the chain from the graph's input '" + input_ + "' ends at '" + end.value +
                    "', not at the graph's output '" + output + "'");
    }
    for (int i = 0; i < graph_.node_size(); ++i) {
      if (!used_[static_cast<std::size_t>(i)]) fail_at(i, "is not on the path from the graph's input to its output");
    }
    if (model.size() == 0) throw IoError("the graph computes nothing");
    check_declared_output(model.output_shape(input_shape_));
    model.eval();
    return model;
  }

 private:
  // Where a chain stopped: at `value`, the graph's output, or before `join`, the node where its path
  // meets others (-1 at the output).
  struct End {
    std::string value;
    int join;
  };
  // A decomposed activation found in the graph: its layer, the value x and the value it computes, its nodes.
  struct Fused {
    DecomposedActivation::Layer layer;
    std::string input, output;
    std::vector<int> nodes;
  };
  // One of the paths from a value that branches: its first node, its layers (none for the identity)
  // and its last value.
  struct Path {
    int start;
    std::string end;
    std::optional<Sequential<Scalar>> layers;
    bool taken = false;  // matched to an input of the node where the paths meet
  };

  // ---- The graph -------------------------------------------------------------------------------------

  void read_opset(const ::onnx::ModelProto& model) {
    for (const ::onnx::OperatorSetIdProto& o : model.opset_import()) {
      if (o.domain().empty() || o.domain() == "ai.onnx") opset_ = o.version();
    }
    if (opset_ < min_import_opset || opset_ > max_import_opset) {
      throw IoError("operator set " + std::to_string(opset_) + " of the default domain; fnn reads " +
                    std::to_string(min_import_opset) + " to " + std::to_string(max_import_opset) +
                    (opset_ == 0 ? " (the file names none: is it an ONNX model?)" : ""));
    }
  }

  void add_constant(const std::string& name, const ::onnx::TensorProto& t) {
    Constant c = read_constant(t);
    c.name = name;
    if (!constants_.emplace(name, std::move(c)).second) throw IoError("the constant '" + name + "' is defined twice");
  }

  // Constant nodes become constants; every other node is recorded as a reader of its computed inputs.
  void index_node(int i) {
    const ::onnx::NodeProto& n = graph_.node(i);
    if (!n.domain().empty() && n.domain() != "ai.onnx") fail_at(i, "belongs to the domain '" + n.domain() + "'");
    for (const std::string& out : n.output()) {
      if (!out.empty() && !producers_.emplace(out, i).second) {
        fail_at(i, "computes '" + out + "', which is computed twice");
      }
    }
    if (n.op_type() == "Constant") {
      if (n.output_size() != 1 || n.attribute_size() != 1 || n.attribute(0).name() != "value" ||
          n.attribute(0).type() != ::onnx::AttributeProto::TENSOR) {
        fail_at(i, "is not a Constant of one 'value' tensor, the form fnn reads");
      }
      at_node(i, [&] { add_constant(n.output(0), n.attribute(0).t()); });
      used_[static_cast<std::size_t>(i)] = true;
      return;
    }
    for (const std::string& in : n.input()) {
      if (in.empty() || constants_.count(in)) continue;
      std::vector<int>& list = readers_[in];
      if (list.empty() || list.back() != i) list.push_back(i);
    }
  }

  // Finds the activations PyTorch decomposes (activation_patterns.hpp), from the last node back, so that
  // each match is found from its outermost node. The first node of a match that reads x stands for the
  // whole match as x's one reader; the others are read with it.
  void fuse_activations() {
    ActivationMatcher<GraphReader> matcher(*this);
    std::vector<bool> claimed(static_cast<std::size_t>(graph_.node_size()), false);
    for (int root = graph_.node_size() - 1; root >= 0; --root) {
      if (claimed[static_cast<std::size_t>(root)]) continue;
      for (const DecomposedActivation& a : decomposed_activations()) {
        if (graph_.node(root).op_type() != a.form.op) continue;
        std::optional<ActivationMatch> m = matcher.match(a.form, root);
        if (!m) continue;
        for (const int i : m->nodes) claimed[static_cast<std::size_t>(i)] = true;
        const auto in_match = [&](int i) { return std::find(m->nodes.begin(), m->nodes.end(), i) != m->nodes.end(); };
        std::vector<int>& list = readers_[m->input];
        const auto first = std::find_if(list.begin(), list.end(), in_match);
        const int representative = *first;
        list.erase(std::remove_if(first + 1, list.end(), in_match), list.end());
        fused_.emplace(representative, Fused{a.layer, m->input, graph_.node(root).output(0), std::move(m->nodes)});
        break;
      }
    }
  }

  // What ActivationMatcher asks of the graph.
  friend class ActivationMatcher<GraphReader>;
  const ::onnx::NodeProto& node(int i) const { return graph_.node(i); }
  int producer(const std::string& value) const {
    const auto it = producers_.find(value);
    return it == producers_.end() ? -1 : it->second;
  }
  const Constant* constant(const std::string& value) const {
    const auto it = constants_.find(value);
    return it == constants_.end() ? nullptr : &it->second;
  }

  // The graph's one computed input, [N, ...] of float, with its extents after the batch axis given.
  void read_input() {
    const ::onnx::ValueInfoProto* input = nullptr;
    for (const ::onnx::ValueInfoProto& v : graph_.input()) {
      if (constants_.count(v.name())) continue;  // files of IR version 3 list initializers as inputs
      if (input) throw IoError("the graph has more than one input ('" + input->name() + "', '" + v.name() + "')");
      input = &v;
    }
    if (!input) throw IoError("the graph has no input");
    input_ = input->name();
    const std::string what = "the graph's input '" + input_ + "'";
    if (!input->type().has_tensor_type() || input->type().tensor_type().elem_type() != ::onnx::TensorProto::FLOAT ||
        !input->type().tensor_type().has_shape()) {
      throw IoError(what + " is not a float tensor of a known shape");
    }
    std::vector<Index> dims;
    for (const auto& d : input->type().tensor_type().shape().dim()) {
      const bool known = d.has_dim_value();
      if (dims.empty()) {
        if (known && (d.dim_value() < 1 || d.dim_value() > max_extent))
          throw IoError(what + ": batch size out of range");
        batch_ = known ? d.dim_value() : 0;
        dims.push_back(1);  // shapes are followed for one sample
      } else if (!known || d.dim_value() < 1 || d.dim_value() > max_extent) {
        throw IoError(what + ": every extent after the batch axis must be given, from 1 to 2^24");
      } else {
        dims.push_back(d.dim_value());
      }
    }
    input_shape_ = make_shape(dims);
    check_size(input_shape_);
  }

  // Where the graph says its output's extents after the batch axis, the model must agree.
  void check_declared_output(const Shape& computed) const {
    const ::onnx::TypeProto& type = graph_.output(0).type();
    if (!type.has_tensor_type() || !type.tensor_type().has_shape()) return;
    const auto& dims = type.tensor_type().shape().dim();
    bool agrees = dims.size() == computed.rank();
    for (int axis = 1; agrees && axis < dims.size(); ++axis) {
      agrees = !dims[axis].has_dim_value() || dims[axis].dim_value() == computed[axis];
    }
    if (!agrees)
      throw IoError("the layers compute " + computed.str() + " where the graph declares its output otherwise");
  }

  // The nodes that read `value`, each once.
  std::vector<int> readers(const std::string& value) const {
    const auto it = readers_.find(value);
    return it == readers_.end() ? std::vector<int>{} : it->second;
  }
  bool is_graph_output(const std::string& value) const { return value == graph_.output(0).name(); }

  // A node where paths meet: an Add of two computed values, a Sum, a Concat.
  bool is_join(int i) const {
    const ::onnx::NodeProto& n = graph_.node(i);
    if (fused_.count(i)) return false;
    if (n.op_type() == "Sum" || n.op_type() == "Concat") return true;
    return n.op_type() == "Add" && std::none_of(n.input().begin(), n.input().end(),
                                                [&](const std::string& in) { return constants_.count(in) > 0; });
  }

  // "node 4 of 12 'Conv_3' (Conv)"
  std::string where(int i) const {
    const ::onnx::NodeProto& n = graph_.node(i);
    return "node " + std::to_string(i) + " of " + std::to_string(graph_.node_size()) +
           (n.name().empty() ? "" : " '" + n.name() + "'") + " (" + n.op_type() + ")";
  }
  [[noreturn]] void fail_at(int i, const std::string& what) const { throw IoError(where(i) + " " + what); }
  // Runs f, naming node i in any fnn error it throws: a layer's own checks become the file's errors.
  template <class F>
  void at_node(int i, F&& f) const {
    try {
      f();
    } catch (const Error& e) {
      throw IoError(where(i) + ": " + e.what());
    }
  }

  // ---- Structure -------------------------------------------------------------------------------------

  // Appends to `seq` the layers from `value` on (beginning with node `first` if given) until the chain
  // reaches the graph's output or a node where its path meets others.
  End chain(Sequential<Scalar>& seq, std::string value, Shape& shape, int first) {
    for (;;) {
      const std::vector<int> next = first >= 0 ? std::vector<int>{first} : readers(value);
      first = -1;
      if (next.empty()) return {value, -1};
      if (next.size() == 1 && is_join(next[0])) return {value, next[0]};
      value = next.size() == 1 ? layer(seq, next[0], value, shape) : branches(seq, value, next, shape);
    }
  }

  // `value` is read by the nodes `starts`: each begins a path (or is the node where the paths meet, and
  // the path is the identity). All paths must meet in one node, which reads each path's end once.
  std::string branches(Sequential<Scalar>& seq, const std::string& value, const std::vector<int>& starts,
                       Shape& shape) {
    if (++depth_ > max_branch_depth) fail_at(starts[0], "starts paths nested more than 64 deep");
    std::vector<Path> paths;
    int join = -1;
    for (const int start : starts) {
      Path path{start, value, std::nullopt};
      End end{value, start};
      if (!is_join(start)) {
        path.layers.emplace();
        Shape path_shape = shape;
        end = chain(*path.layers, value, path_shape, start);
        path.end = end.value;
      }
      if (end.join < 0) fail_at(start, "begins a path from '" + value + "' that ends without meeting the others");
      if (join >= 0 && end.join != join) fail_at(end.join, "joins only some of the paths from '" + value + "'");
      join = end.join;
      paths.push_back(std::move(path));
    }
    --depth_;
    // The join's inputs in order, each the end of one path.
    const ::onnx::NodeProto& n = graph_.node(join);
    std::vector<Path*> order;
    for (const std::string& in : n.input()) {
      const auto it = std::find_if(paths.begin(), paths.end(), [&](const Path& p) { return !p.taken && p.end == in; });
      if (it == paths.end()) fail_at(join, "reads '" + in + "', which is not the end of a path from '" + value + "'");
      it->taken = true;
      order.push_back(&*it);
    }
    if (order.size() != paths.size()) fail_at(join, "does not read every path from '" + value + "'");
    used_[static_cast<std::size_t>(join)] = true;
    at_node(join, [&] {
      expect_outputs(n);
      if (n.op_type() == "Add") {
        if (order.size() != 2) throw IoError("adds " + std::to_string(order.size()) + " values, not two");
        if (!order[0]->layers) std::swap(order[0], order[1]);  // a Residual's body is a layer
        if (order[1]->layers) {
          seq.add(Residual<Scalar>(std::move(*order[0]->layers), std::move(*order[1]->layers)));
        } else {
          seq.add(Residual<Scalar>(std::move(*order[0]->layers)));
        }
      } else if (n.op_type() == "Sum") {
        Attributes(n, {});
        add_paths<Add<Scalar>>(seq, order, shape);
      } else {
        const Index axis = Attributes(n, {"axis"}).integer("axis", 1);
        if (axis != 1 && axis != 1 - shape.rank()) throw IoError("fnn's Concat joins along axis 1 only");
        add_paths<Concat<Scalar>>(seq, order, shape);
      }
      shape = seq[seq.size() - 1].output_shape(shape);
      check_size(shape);
    });
    return n.output(0);
  }

  // fnn's Add or Concat of the paths, in the join's order, on an input of `shape`. A path of one layer
  // is that layer itself, as the branches of an Inception block are, and as fnn::onnx::save wrote them:
  // its node is read again, into the join. A longer path is a Sequential.
  template <class Join>
  void add_paths(Sequential<Scalar>& seq, const std::vector<Path*>& order, const Shape& shape) {
    Join join;
    for (Path* p : order) {
      if (!p->layers) {
        join.add_identity();
      } else if (p->layers->size() == 1) {
        convert(join, p->start, shape);
      } else {
        join.add(std::move(*p->layers));
      }
    }
    seq.add(std::move(join));
  }

  // ---- Nodes -----------------------------------------------------------------------------------------

  // Appends the layer of node i, which reads `value` as its data input; returns the value it computes.
  std::string layer(Sequential<Scalar>& seq, int i, const std::string& value, Shape& shape) {
    const ::onnx::NodeProto& n = graph_.node(i);
    if (used_[static_cast<std::size_t>(i)]) fail_at(i, "is reached twice");
    used_[static_cast<std::size_t>(i)] = true;
    const auto fused = fused_.find(i);
    if (fused != fused_.end() ? fused->second.input != value : n.input_size() == 0 || n.input(0) != value) {
      fail_at(i, "reads '" + value + "' as another than its first input, which fnn does not follow");
    }
    std::string out;
    at_node(i, [&] {
      expect_outputs(n);
      out = convert(seq, i, shape);
      shape = seq[seq.size() - 1].output_shape(shape);
      check_size(shape);
    });
    return out;
  }

  // Adds the layer for node i, whose input has `shape`, to `target` (a Sequential, or the Add or Concat
  // of a branch), and returns the name of the value it computes.
  template <class Target>
  std::string convert(Target& target, int i, const Shape& shape) {
    const ::onnx::NodeProto& n = graph_.node(i);
    const auto fused = fused_.find(i);
    if (fused != fused_.end()) return activation(target, fused->second);
    const std::string& op = n.op_type();
    if (op == "Gemm") return gemm(target, n);
    if (op == "MatMul") return matmul(target, n);
    if (op == "Conv") return conv(target, n);
    if (op == "BatchNormalization") return batchnorm(target, n, shape);
    if (op == "MaxPool" || op == "AveragePool") return pool(target, n);
    if (op == "Dropout") return dropout(target, n);
    if (op == "Reshape") return reshape(target, n, shape);
    if (op == "Softmax" || op == "LogSoftmax") {
      inputs(n, 1);
      const Index axis = Attributes(n, {"axis"}).integer("axis", opset_ >= 13 ? -1 : 1);
      if (shape.rank() != 2 || (axis != 1 && axis != -1)) {
        throw IoError("fnn's " + op + " works over axis 1 of [N, C], not axis " + std::to_string(axis) + " of " +
                      shape.str());
      }
      op == "Softmax" ? add(target, Softmax<Scalar>()) : add(target, LogSoftmax<Scalar>());
    } else if (op == "Flatten") {
      inputs(n, 1);
      if (Attributes(n, {"axis"}).integer("axis", 1) != 1) throw IoError("fnn's Flatten keeps axis 0 only (axis = 1)");
      add(target, Flatten<Scalar>());
    } else if (op == "GlobalAveragePool") {
      inputs(n, 1);
      Attributes(n, {});
      add(target, AdaptiveAvgPool2d<Scalar>(1, 1));
    } else if (op == "LeakyRelu") {
      inputs(n, 1);
      add(target, LeakyReLU<Scalar>(Attributes(n, {"alpha"}).real("alpha", 0.01)));
    } else if (op == "Elu") {
      inputs(n, 1);
      add(target, ELU<Scalar>(Attributes(n, {"alpha"}).real("alpha", 1.0)));
    } else if (op == "Relu" || op == "Sigmoid" || op == "Tanh" || op == "Identity") {
      inputs(n, 1);
      Attributes(n, {});
      if (op == "Relu") add(target, ReLU<Scalar>());
      if (op == "Sigmoid") add(target, Sigmoid<Scalar>());
      if (op == "Tanh") add(target, Tanh<Scalar>());
      if (op == "Identity") add(target, Identity<Scalar>());
    } else if (op == "Add") {
      throw IoError("adds a constant, which fnn reads only as the bias of a MatMul or within a GELU");
    } else if (op == "Mul" || op == "Div" || op == "Erf") {
      throw IoError(
          "is not part of a GELU (0.5 * x * (1 + erf(x / sqrt(2))), or its tanh form) or a SiLU "
          "(x * sigmoid(x)) as torch.onnx.export writes them, the only places fnn reads " +
          op);
    } else {
      throw IoError("is not an operator fnn reads (see fnn/onnx/load.hpp for those it does)");
    }
    return n.output(0);
  }

  // A decomposed activation's layer; all its nodes are read with it.
  template <class Target>
  std::string activation(Target& target, const Fused& f) {
    for (const int i : f.nodes) used_[static_cast<std::size_t>(i)] = true;
    switch (f.layer) {
      case DecomposedActivation::Layer::gelu:
        add(target, GELU<Scalar>("none"));
        break;
      case DecomposedActivation::Layer::gelu_tanh:
        add(target, GELU<Scalar>("tanh"));
        break;
      case DecomposedActivation::Layer::silu:
        add(target, SiLU<Scalar>());
        break;
    }
    return f.output;
  }

  template <class Target, class L>
  static void add(Target& target, L layer) {
    target.add(std::move(layer));
  }

  // Input k of node n as a constant; `role` names it in the error when it is computed at run time.
  const Constant& constant(const ::onnx::NodeProto& n, int k, const char* role) {
    const auto it = k < n.input_size() ? constants_.find(n.input(k)) : constants_.end();
    if (it == constants_.end()) {
      throw IoError("its " + std::string(role) +
                    " is not a constant (an initializer or a Constant node): fnn reads weights, not values "
                    "computed at run time");
    }
    // Each layer gets its own copy of its weights: a graph whose nodes read the same constant again and
    // again would make a model far larger than its file.
    if ((constant_budget_ -= it->second.numel()) < 0) {
      throw IoError(
          "the graph reads its constants more than twice over, which would make a model far larger "
          "than its file");
    }
    return it->second;
  }
  bool has_input(const ::onnx::NodeProto& n, int k) const { return k < n.input_size() && !n.input(k).empty(); }
  static void inputs(const ::onnx::NodeProto& n, int most) {
    if (n.input_size() > most)
      throw IoError("has " + std::to_string(n.input_size()) + " inputs, more than its layer reads");
  }
  // The node's first output is its layer's; any other (a pool's indices, Dropout's mask) must be unused.
  void expect_outputs(const ::onnx::NodeProto& n) const {
    if (n.output_size() == 0 || n.output(0).empty()) throw IoError("computes nothing");
    for (int k = 1; k < n.output_size(); ++k) {
      if (!n.output(k).empty() && (readers_.count(n.output(k)) || is_graph_output(n.output(k)))) {
        throw IoError("its output '" + n.output(k) + "' is used, and fnn's layer computes only the first");
      }
    }
  }
  static void expect_rank(const Constant& c, std::size_t rank, const char* what) {
    if (c.dims.size() != rank || !c.is_float()) {
      throw IoError("its " + std::string(what) + " '" + c.name + "' is " + c.describe() +
                    ", not a float tensor of rank " + std::to_string(rank));
    }
  }

  // Gemm: y = alpha x B' + beta C, B' = B or B^T (transB): Linear(W = alpha B', b = beta C).
  template <class Target>
  std::string gemm(Target& target, const ::onnx::NodeProto& n) {
    inputs(n, 3);
    const Attributes a(n, {"alpha", "beta", "transA", "transB"});
    if (a.integer("transA", 0) != 0) throw IoError("transA = 1 (a transposed input) is not supported");
    const bool transposed = a.integer("transB", 0) != 0;
    const Constant& b = constant(n, 1, "weight B");
    expect_rank(b, 2, "weight B");
    const Index out = transposed ? b.dims[0] : b.dims[1], in = transposed ? b.dims[1] : b.dims[0];
    const Constant* c = has_input(n, 2) ? &constant(n, 2, "bias C") : nullptr;
    linear(target, b, transposed, a.real("alpha", 1.0), in, out, c, a.real("beta", 1.0));
    return n.output(0);
  }

  // MatMul x B, and the Add of a constant bias that PyTorch writes after it for a Linear on a batch of
  // rank above 2: Linear(W = B^T, b).
  template <class Target>
  std::string matmul(Target& target, const ::onnx::NodeProto& n) {
    inputs(n, 2);
    Attributes(n, {});
    const Constant& b = constant(n, 1, "weight B");
    expect_rank(b, 2, "weight B");
    const std::vector<int> next = readers(n.output(0));
    const Constant* bias = nullptr;
    std::string out = n.output(0);
    if (next.size() == 1 && !is_join(next[0]) && graph_.node(next[0]).op_type() == "Add" && !is_graph_output(out)) {
      const ::onnx::NodeProto& bias_add = graph_.node(next[0]);
      const int k = bias_add.input_size() == 2 && bias_add.input(0) == out ? 1 : 0;  // the bias's input
      if (bias_add.input_size() == 2 && bias_add.input(1 - k) == out) {
        bias = &constant(bias_add, k, "bias");
        used_[static_cast<std::size_t>(next[0])] = true;
        expect_outputs(bias_add);
        out = bias_add.output(0);
      }
    }
    linear(target, b, false, 1.0, b.dims[0], b.dims[1], bias, 1.0);
    return out;
  }

  template <class Target>
  void linear(Target& target, const Constant& b, bool transposed, double alpha, Index in, Index out, const Constant* c,
              double beta) {
    // The bias broadcasts over the batch: out values or one, in a tensor whose leading extents are 1.
    if (c && !(c->is_float() && (c->numel() == out || c->numel() == 1) &&
               (c->dims.empty() || c->dims.back() == c->numel()))) {
      throw IoError("its bias '" + c->name + "' is " + c->describe() + ", not " + std::to_string(out) + " values");
    }
    Linear<Scalar>& layer = target.add(Linear<Scalar>(in, out, rng_, c != nullptr));
    Scalar* w = layer.weight().value.data();
    for (Index o = 0; o < out; ++o) {
      for (Index k = 0; k < in; ++k) {
        const float v = b.floats[static_cast<std::size_t>(transposed ? o * in + k : k * out + o)];
        w[o * in + k] = static_cast<Scalar>(alpha * v);
      }
    }
    for (Index o = 0; c && o < out; ++o) {
      layer.bias().value[o] = static_cast<Scalar>(beta * c->floats[static_cast<std::size_t>(c->numel() == 1 ? 0 : o)]);
    }
  }

  // Explicit padding (auto_pad NOTSET, or VALID with none): the form fnn's layers take.
  static void expect_explicit_padding(const Attributes& a) {
    const std::string auto_pad = a.text("auto_pad", "NOTSET");
    if (auto_pad != "NOTSET" && auto_pad != "VALID") {
      throw IoError("auto_pad = " + auto_pad + " is not supported: export with explicit padding");
    }
  }

  template <class Target>
  std::string conv(Target& target, const ::onnx::NodeProto& n) {
    inputs(n, 3);
    const Attributes a(n, {"auto_pad", "dilations", "group", "kernel_shape", "pads", "strides"});
    expect_explicit_padding(a);
    const Constant& w = constant(n, 1, "weight");
    expect_rank(w, 4, "weight");
    const std::vector<Index> kernel = a.integers("kernel_shape", 2, 0);
    if (kernel[0] != 0 && (kernel[0] != w.dims[2] || kernel[1] != w.dims[3])) {
      throw IoError("kernel_shape does not match the weight '" + w.name + "' " + w.describe());
    }
    const std::vector<Index> strides = a.integers("strides", 2, 1), dilations = a.integers("dilations", 2, 1);
    const std::vector<Index> pads = a.integers("pads", 4, 0);
    if (pads[0] != pads[2] || pads[1] != pads[3]) {
      throw IoError("padding that differs between the two sides of an axis is not supported");
    }
    const Index groups = a.integer("group", 1);
    const bool bias = has_input(n, 2);
    Conv2d<Scalar>& layer =
        target.add(Conv2d<Scalar>(Conv2dOptions(w.dims[1] * groups, w.dims[0], {w.dims[2], w.dims[3]})
                                      .stride({strides[0], strides[1]})
                                      .padding({pads[0], pads[1]})
                                      .dilation({dilations[0], dilations[1]})
                                      .groups(groups)
                                      .bias(bias),
                                  rng_));
    layer.weight().value = w.template to_tensor<Scalar>(layer.weight().value.shape());
    if (bias) layer.bias().value = constant(n, 2, "bias").template to_tensor<Scalar>(layer.bias().value.shape());
    return n.output(0);
  }

  template <class Target>
  std::string batchnorm(Target& target, const ::onnx::NodeProto& n, const Shape& shape) {
    inputs(n, 5);
    const Attributes a(n, {"epsilon", "momentum", "training_mode"});
    if (a.integer("training_mode", 0) != 0)
      throw IoError("training_mode = 1 is not supported: fnn reads inference graphs");
    const Constant& scale = constant(n, 1, "scale");
    expect_rank(scale, 1, "scale");
    const Index channels = scale.dims[0];
    // ONNX's running statistics move by momentum * old + (1 - momentum) * new; PyTorch's by its momentum.
    const double eps = a.real("epsilon", 1e-5), momentum = 1.0 - a.real("momentum", 0.9);
    BatchNorm<Scalar>* layer = nullptr;
    if (shape.rank() == 4) {
      layer = &target.add(BatchNorm2d<Scalar>(channels, eps, momentum));
    } else {
      layer = &target.add(BatchNorm1d<Scalar>(channels, eps, momentum));
    }
    const Shape per_channel{channels};
    layer->weight().value = scale.template to_tensor<Scalar>(per_channel);
    layer->bias().value = constant(n, 2, "bias B").template to_tensor<Scalar>(per_channel);
    layer->running_mean() = constant(n, 3, "mean").template to_tensor<Scalar>(per_channel);
    layer->running_var() = constant(n, 4, "var").template to_tensor<Scalar>(per_channel);
    return n.output(0);
  }

  template <class Target>
  std::string pool(Target& target, const ::onnx::NodeProto& n) {
    inputs(n, 1);
    const bool max = n.op_type() == "MaxPool";
    const Attributes a =
        max ? Attributes(n, {"auto_pad", "ceil_mode", "dilations", "kernel_shape", "pads", "storage_order", "strides"})
            : Attributes(n, {"auto_pad", "ceil_mode", "count_include_pad", "kernel_shape", "pads", "strides"});
    expect_explicit_padding(a);
    if (a.integer("ceil_mode", 0) != 0) throw IoError("ceil_mode = 1 is not supported");
    if (a.integers("dilations", 2, 1) != std::vector<Index>{1, 1}) throw IoError("dilated pooling is not supported");
    const Index kernel = same(a.integers("kernel_shape", 2, 0), "kernel_shape");
    const Index stride = same(a.integers("strides", 2, 1), "strides"), padding = same(a.integers("pads", 4, 0), "pads");
    if (kernel < 1 || stride < 1) throw IoError("kernel_shape and strides must be positive");
    if (max) {
      target.add(MaxPool2d<Scalar>(kernel, stride, padding));
    } else {
      target.add(AvgPool2d<Scalar>(kernel, stride, padding, a.integer("count_include_pad", 0) != 0));
    }
    return n.output(0);
  }

  // Dropout's ratio: an attribute up to opset 11, then an optional scalar input; 0.5 when not given.
  template <class Target>
  std::string dropout(Target& target, const ::onnx::NodeProto& n) {
    inputs(n, 2);  // a training_mode input would make it more than the identity of inference
    const Attributes a(n, {"ratio", "seed"});
    double ratio = a.real("ratio", 0.5);
    if (has_input(n, 1)) {
      const Constant& r = constant(n, 1, "ratio");
      if (!r.is_float() || r.numel() != 1)
        throw IoError("its ratio '" + r.name + "' is " + r.describe() + ", not one float");
      ratio = r.floats[0];
    }
    target.add(Dropout<Scalar>(ratio, rng_));
    return n.output(0);
  }

  // Reshape to [N, -1], [0, -1] or [N, features], the forms x.view(x.size(0), -1) takes in an export
  // (N folded to the export's batch size, which the graph's input then has too): a Flatten.
  template <class Target>
  std::string reshape(Target& target, const ::onnx::NodeProto& n, const Shape& shape) {
    inputs(n, 2);
    if (Attributes(n, {"allowzero"}).integer("allowzero", 0) != 0) throw IoError("allowzero = 1 is not supported");
    const Constant& wanted = constant(n, 1, "shape");
    const std::vector<std::int64_t>& s = wanted.ints;
    const bool flattens = wanted.dims.size() == 1 && s.size() == 2 && shape.rank() >= 2 &&
                          (s[1] == -1 || s[1] == shape.inner()) &&
                          (s[0] == 0 || (s[0] == -1 && s[1] == shape.inner()) || (s[0] > 0 && s[0] == batch_));
    if (!flattens) {
      throw IoError("its shape '" + wanted.name + "' is not [N, -1] for an input " + shape.str() +
                    " (N the batch): fnn reads only a Reshape that flattens");
    }
    target.add(Flatten<Scalar>());
    return n.output(0);
  }

  const ::onnx::GraphProto& graph_;
  Rng& rng_;
  int opset_ = 0;
  std::map<std::string, Constant> constants_;
  std::map<std::string, std::vector<int>> readers_;  // value -> the nodes that read it, in graph order
  std::map<std::string, int> producers_;             // value -> the node computing it
  std::map<int, Fused> fused_;                       // by the node of each that reads x first
  std::vector<bool> used_;
  std::string input_;
  Shape input_shape_;  // with batch size 1
  Index batch_ = 0;    // the input's batch size, when the graph fixes one
  int depth_ = 0;
  // How many more constant elements the layers may copy: twice those in the file (add_paths reads a
  // branch's one node twice), and a little more for small constants shared by several nodes.
  Index constant_budget_ = Index(1) << 20;
};

}  // namespace detail

// Reads the ONNX model in `path` (see above); Dropout layers draw their masks from generators forked
// from `rng`. Throws IoError for a file fnn cannot read or represent, naming the file and the reason.
template <class Scalar>
Sequential<Scalar> load(const std::string& path, Rng& rng) {
  InputFile file(path, path + ": cannot read the ONNX model: ");
  // protobuf parses at most 2 GiB: a larger model keeps its weights in external files, which fnn refuses.
  constexpr std::uint64_t limit = (std::uint64_t(1) << 31) - 1;
  const char* too_large = "it is larger than protobuf's limit of 2 GiB";
  if (file.size() && *file.size() > limit) file.fail(too_large);
  std::vector<unsigned char> bytes;
  file.append(bytes, limit);
  if (!file.at_end()) file.fail(too_large);
  ::onnx::ModelProto model;
  if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    file.fail("it is not an ONNX model, or it is damaged or truncated (protobuf cannot parse it)");
  }
  try {
    return detail::GraphReader<Scalar>(model, rng).read();
  } catch (const Error& e) {
    throw IoError(path + ": " + e.what());
  }
}

template <class Scalar>
Sequential<Scalar> load(const std::string& path) {
  Rng rng;
  return load<Scalar>(path, rng);
}

}  // namespace fnn::onnx
