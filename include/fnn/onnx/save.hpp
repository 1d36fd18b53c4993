#pragma once
// fnn::onnx::save(model, path, input_shape): an fnn model as an ONNX file (opset 13, float), for
// onnxruntime, OpenCV's dnn module or any other ONNX runtime, as torch.onnx.export writes a PyTorch model.
//
// The file computes what the model computes in evaluation mode, whatever its mode: BatchNorm with its
// running statistics, Dropout as ONNX's Dropout, the identity outside training. Each layer becomes the
// ONNX operator of the same function:
//   Linear -> Gemm (transB = 1)              Conv2d -> Conv (pads, strides, dilations, group)
//   BatchNorm1d, BatchNorm2d -> BatchNormalization (epsilon; momentum = 1 - PyTorch's)
//   MaxPool2d -> MaxPool    AvgPool2d -> AveragePool (count_include_pad)
//   AdaptiveAvgPool2d(1, 1) -> GlobalAveragePool     Flatten -> Flatten (axis 1)
//   ReLU -> Relu   LeakyReLU -> LeakyRelu   ELU -> Elu   Sigmoid, Tanh, Identity, Dropout (ratio = p)
//   Softmax, LogSoftmax -> the same, axis 1
//   Sequential -> its layers in a chain      Residual -> body and shortcut, then Add
//   Add -> its branches, then Sum            Concat -> its branches, then Concat (axis 1)
// Any other layer is refused with a ValueError naming it and its place in the model, and nothing is
// written: GELU and SiLU (ONNX has Gelu from opset 20 and no SiLU), LayerNorm and GroupNorm (opset 17
// and 18), Dropout2d, AdaptiveAvgPool2d to any other size, a layer of your own.
//
// Names follow PyTorch's exporter: each initializer is a parameter or buffer under its fnn name
// ("3.body.0.weight", BatchNorm's "1.running_mean"), each node and its output value are named by the
// layer's place in the model ("3.body.0"). The graph reads "input", of input_shape with axis 0 written
// as the symbolic batch size "N", and writes "output". The file is written atomically
// (io/atomic_file.hpp): a failed save leaves any previous file in place.
#include <onnx/onnx_pb.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fnn/io/atomic_file.hpp"
#include "fnn/layers/adaptive_avgpool2d.hpp"
#include "fnn/layers/add.hpp"
#include "fnn/layers/avgpool2d.hpp"
#include "fnn/layers/batchnorm.hpp"
#include "fnn/layers/concat.hpp"
#include "fnn/layers/conv2d.hpp"
#include "fnn/layers/dropout.hpp"
#include "fnn/layers/elu.hpp"
#include "fnn/layers/flatten.hpp"
#include "fnn/layers/identity.hpp"
#include "fnn/layers/leaky_relu.hpp"
#include "fnn/layers/linear.hpp"
#include "fnn/layers/log_softmax.hpp"
#include "fnn/layers/maxpool2d.hpp"
#include "fnn/layers/relu.hpp"
#include "fnn/layers/residual.hpp"
#include "fnn/layers/sequential.hpp"
#include "fnn/layers/sigmoid.hpp"
#include "fnn/layers/softmax.hpp"
#include "fnn/layers/tanh.hpp"
#include "fnn/onnx/tensor_proto.hpp"
#include "fnn/version.hpp"

namespace fnn::onnx {

// The operator set fnn writes: the one PyTorch's exporter and OpenCV's importer agree on best.
inline constexpr int export_opset = 13;
// The ONNX IR version of opset 13's release (ONNX 1.8).
inline constexpr int export_ir_version = 7;

namespace detail {

// A layer's children by name, in order, as visit_children names them.
template <class Scalar>
std::vector<std::pair<std::string, Layer<Scalar>*>> children(Layer<Scalar>& layer) {
  struct Collect final : ChildVisitor<Scalar> {
    void operator()(std::string_view name, Layer<Scalar>& child) override { list.emplace_back(name, &child); }
    std::vector<std::pair<std::string, Layer<Scalar>*>> list;
  } collect;
  layer.visit_children(collect);
  return collect.list;
}

// "3.body" + "weight" -> "3.body.weight"; at the top of the model, "weight".
inline std::string join_name(const std::string& prefix, const std::string& name) {
  return prefix.empty() ? name : prefix + "." + name;
}

// Appends the nodes and initializers of a model to an ONNX graph, layer by layer.
template <class Scalar>
class GraphWriter {
 public:
  explicit GraphWriter(::onnx::GraphProto& graph) : graph_(graph) {}

  // Appends what computes `layer`, named `path` in the model, on the value `input` of shape `in`;
  // returns the name of the value it computes. Throws ShapeError when `in` does not fit the layer.
  std::string write(Layer<Scalar>& layer, const std::string& path, const std::string& input, const Shape& in) {
    layer.output_shape(in);
    if (dynamic_cast<Sequential<Scalar>*>(&layer)) {
      std::string value = input;
      Shape shape = in;
      for (auto& [name, child] : children(layer)) {
        value = write(*child, join_name(path, name), value, shape);
        shape = child->output_shape(shape);
      }
      return value;
    }
    if (dynamic_cast<Residual<Scalar>*>(&layer))
      return write_branches(layer, path, input, in, "Add", {"body", "shortcut"});
    if (auto* add = dynamic_cast<Add<Scalar>*>(&layer))
      return write_branches(layer, path, input, in, "Sum", indices(add->size()));
    if (auto* concat = dynamic_cast<Concat<Scalar>*>(&layer)) {
      return write_branches(layer, path, input, in, "Concat", indices(concat->size()),
                            [](::onnx::NodeProto& n) { set_int(n, "axis", 1); });
    }
    if (auto* linear = dynamic_cast<Linear<Scalar>*>(&layer)) {
      std::vector<std::string> inputs{input, initializer(path, "weight", linear->weight().value)};
      if (linear->bias().value.numel() > 0) inputs.push_back(initializer(path, "bias", linear->bias().value));
      return node("Gemm", path, inputs, [](::onnx::NodeProto& n) { set_int(n, "transB", 1); });
    }
    if (auto* conv = dynamic_cast<Conv2d<Scalar>*>(&layer)) return write_conv(*conv, path, input);
    if (auto* bn = dynamic_cast<BatchNorm<Scalar>*>(&layer)) {
      return node(
          "BatchNormalization", path,
          {input, initializer(path, "weight", bn->weight().value), initializer(path, "bias", bn->bias().value),
           initializer(path, "running_mean", bn->running_mean()), initializer(path, "running_var", bn->running_var())},
          [&](::onnx::NodeProto& n) {
            set_float(n, "epsilon", bn->eps());
            set_float(n, "momentum", 1.0 - bn->momentum());
          });
    }
    if (auto* pool = dynamic_cast<MaxPool2d<Scalar>*>(&layer)) {
      return node("MaxPool", path, {input},
                  [&](::onnx::NodeProto& n) { set_window(n, pool->kernel_size(), pool->stride(), pool->padding()); });
    }
    if (auto* pool = dynamic_cast<AvgPool2d<Scalar>*>(&layer)) {
      return node("AveragePool", path, {input}, [&](::onnx::NodeProto& n) {
        set_window(n, pool->kernel_size(), pool->stride(), pool->padding());
        set_int(n, "count_include_pad", pool->count_include_pad() ? 1 : 0);
      });
    }
    if (auto* pool = dynamic_cast<AdaptiveAvgPool2d<Scalar>*>(&layer);
        pool && pool->output_height() == 1 && pool->output_width() == 1) {
      return node("GlobalAveragePool", path, {input});
    }
    if (dynamic_cast<Flatten<Scalar>*>(&layer)) {
      return node("Flatten", path, {input}, [](::onnx::NodeProto& n) { set_int(n, "axis", 1); });
    }
    if (dynamic_cast<ReLU<Scalar>*>(&layer)) return node("Relu", path, {input});
    if (auto* leaky = dynamic_cast<LeakyReLU<Scalar>*>(&layer)) {
      return node("LeakyRelu", path, {input},
                  [&](::onnx::NodeProto& n) { set_float(n, "alpha", leaky->negative_slope()); });
    }
    if (auto* elu = dynamic_cast<ELU<Scalar>*>(&layer)) {
      return node("Elu", path, {input}, [&](::onnx::NodeProto& n) { set_float(n, "alpha", elu->alpha()); });
    }
    if (dynamic_cast<Sigmoid<Scalar>*>(&layer)) return node("Sigmoid", path, {input});
    if (dynamic_cast<Tanh<Scalar>*>(&layer)) return node("Tanh", path, {input});
    if (dynamic_cast<Softmax<Scalar>*>(&layer)) {
      return node("Softmax", path, {input}, [](::onnx::NodeProto& n) { set_int(n, "axis", 1); });
    }
    if (dynamic_cast<LogSoftmax<Scalar>*>(&layer)) {
      return node("LogSoftmax", path, {input}, [](::onnx::NodeProto& n) { set_int(n, "axis", 1); });
    }
    if (dynamic_cast<Identity<Scalar>*>(&layer)) return node("Identity", path, {input});
    if (auto* dropout = dynamic_cast<Dropout<Scalar>*>(&layer)) {
      // Opset 13's Dropout takes its ratio as an input: a scalar initializer.
      const Scalar ratio = static_cast<Scalar>(dropout->p());
      write_constant(*graph_.add_initializer(), join_name(path, "ratio"), {}, &ratio);
      return node("Dropout", path, {input, join_name(path, "ratio")});
    }
    throw ValueError("fnn::onnx::save: layer " + (path.empty() ? std::string("(the model)") : path) + ", " +
                     layer.name() +
                     ", has no ONNX equivalent that fnn writes (see fnn/onnx/save.hpp for the "
                     "layers it writes)");
  }

 private:
  // Appends node `op` reading `inputs`, named `path` as its output value is (an unnamed top-level
  // layer's node is "model"); `set` adds its attributes. Returns the output value's name.
  template <class SetAttributes = void (*)(::onnx::NodeProto&)>
  std::string node(
      const char* op, const std::string& path, const std::vector<std::string>& inputs,
      SetAttributes set = [](::onnx::NodeProto&) {}) {
    ::onnx::NodeProto& n = *graph_.add_node();
    n.set_op_type(op);
    n.set_name(path.empty() ? "model" : path);
    for (const std::string& input : inputs) n.add_input(input);
    n.add_output(n.name());
    set(n);
    return n.name();
  }

  // Writes `tensor` as the initializer `<path>.<name>` and returns that name.
  std::string initializer(const std::string& path, const std::string& name, const Tensor<Scalar>& tensor) {
    const std::string full = join_name(path, name);
    write_constant(*graph_.add_initializer(), full, tensor);
    return full;
  }

  // Residual, Add and Concat: every branch on `input`, then `op` over the branches' outputs in order.
  // A branch that visit_children does not name is the identity: its output is the input itself.
  template <class SetAttributes = void (*)(::onnx::NodeProto&)>
  std::string write_branches(
      Layer<Scalar>& layer, const std::string& path, const std::string& input, const Shape& in, const char* op,
      const std::vector<std::string>& branch_names, SetAttributes set = [](::onnx::NodeProto&) {}) {
    const auto named = children(layer);
    std::vector<std::string> outputs;
    for (const std::string& branch : branch_names) {
      std::string value = input;
      for (auto& [name, child] : named) {
        if (name == branch) value = write(*child, join_name(path, name), input, in);
      }
      outputs.push_back(value);
    }
    return node(op, path, outputs, set);
  }
  static std::vector<std::string> indices(std::size_t n) {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < n; ++i) names.push_back(std::to_string(i));
    return names;
  }

  std::string write_conv(Conv2d<Scalar>& conv, const std::string& path, const std::string& input) {
    const Conv2dOptions& o = conv.options();
    std::vector<std::string> inputs{input, initializer(path, "weight", conv.weight().value)};
    if (o.bias()) inputs.push_back(initializer(path, "bias", conv.bias().value));
    return node("Conv", path, inputs, [&](::onnx::NodeProto& n) {
      set_ints(n, "kernel_shape", {o.kernel_size().h, o.kernel_size().w});
      set_ints(n, "strides", {o.stride().h, o.stride().w});
      set_ints(n, "pads", {o.padding().h, o.padding().w, o.padding().h, o.padding().w});  // begins, then ends
      set_ints(n, "dilations", {o.dilation().h, o.dilation().w});
      set_int(n, "group", o.groups());
    });
  }

  static void set_window(::onnx::NodeProto& n, Index kernel, Index stride, Index padding) {
    set_ints(n, "kernel_shape", {kernel, kernel});
    set_ints(n, "strides", {stride, stride});
    set_ints(n, "pads", {padding, padding, padding, padding});
  }
  static ::onnx::AttributeProto& attribute(::onnx::NodeProto& n, const char* name,
                                           ::onnx::AttributeProto::AttributeType type) {
    ::onnx::AttributeProto& a = *n.add_attribute();
    a.set_name(name);
    a.set_type(type);
    return a;
  }
  static void set_int(::onnx::NodeProto& n, const char* name, Index value) {
    attribute(n, name, ::onnx::AttributeProto::INT).set_i(value);
  }
  static void set_float(::onnx::NodeProto& n, const char* name, double value) {
    attribute(n, name, ::onnx::AttributeProto::FLOAT).set_f(static_cast<float>(value));
  }
  static void set_ints(::onnx::NodeProto& n, const char* name, const std::vector<Index>& values) {
    ::onnx::AttributeProto& a = attribute(n, name, ::onnx::AttributeProto::INTS);
    for (Index v : values) a.add_ints(v);
  }

  ::onnx::GraphProto& graph_;
};

// The graph's input or output `name`: a float tensor of `shape`, axis 0 the symbolic batch size "N".
inline void describe_value(::onnx::ValueInfoProto& value, const std::string& name, const Shape& shape) {
  value.set_name(name);
  ::onnx::TypeProto_Tensor& type = *value.mutable_type()->mutable_tensor_type();
  type.set_elem_type(::onnx::TensorProto::FLOAT);
  for (int axis = 0; axis < shape.rank(); ++axis) {
    ::onnx::TensorShapeProto_Dimension& dim = *type.mutable_shape()->add_dim();
    if (axis == 0) {
      dim.set_dim_param("N");
    } else {
      dim.set_dim_value(shape[axis]);
    }
  }
}

}  // namespace detail

// Writes `model` to `path` as an ONNX model whose input has `input_shape` ([N, C, H, W] or [N, features];
// N, the batch size, is written as a symbolic axis and any value does). Throws ShapeError when the
// model does not take that shape, ValueError for a layer without an ONNX equivalent (nothing is written
// then), IoError when the file cannot be written.
template <class Scalar>
void save(Layer<Scalar>& model, const std::string& path, const Shape& input_shape) {
  ::onnx::ModelProto proto;
  proto.set_ir_version(export_ir_version);
  proto.set_producer_name("fnn");
  proto.set_producer_version(version_string);
  ::onnx::OperatorSetIdProto& opset = *proto.add_opset_import();
  opset.set_domain("");
  opset.set_version(export_opset);
  ::onnx::GraphProto& graph = *proto.mutable_graph();
  graph.set_name("fnn");
  const std::string output = detail::GraphWriter<Scalar>(graph).write(model, "", "input", input_shape);
  // The value the model ends in is the last node's output: rename it for the graph. A model that
  // computes nothing (an empty Sequential) has no such node.
  if (graph.node_size() == 0 || graph.node(graph.node_size() - 1).output(0) != output) {
    throw ValueError("fnn::onnx::save: " + model.name() + " computes nothing to write");
  }
  graph.mutable_node(graph.node_size() - 1)->set_output(0, "output");
  detail::describe_value(*graph.add_input(), "input", input_shape);
  detail::describe_value(*graph.add_output(), "output", model.output_shape(input_shape));
  std::string bytes;
  if (!proto.SerializeToString(&bytes)) {
    throw IoError(path + ": cannot save: the model exceeds protobuf's limit of 2 GiB for an ONNX file");
  }
  write_file_atomically(path, bytes.data(), bytes.size());
}

}  // namespace fnn::onnx
