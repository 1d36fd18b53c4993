#pragma once
// The activations ONNX has no operator for in opsets 11 to 17, as torch.onnx.export decomposes them, and
// the matching of those decompositions in a graph (fnn/onnx/load.hpp reads each match as one layer):
//   GELU            0.5 * (x * (1 + erf(x / sqrt(2))))                         Div, Erf, Add, Mul, Mul
//   GELU (tanh)     0.5 * (x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * (x * (x * x))))))
//                                                                              Mul x 3, Add, Mul, Tanh, Add, Mul, Mul
//   SiLU            x * sigmoid(x)                                             Sigmoid, Mul
// A match is exact: the same operators with no attributes, the same constants up to float rounding,
// one value x throughout, each intermediate value read by the next node of the form alone. Add and Mul
// match their operands in either order, as exporters write them either way. Anything less is no match,
// and its nodes stay what they are, which the loader then refuses by name.
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fnn/onnx/tensor_proto.hpp"

namespace fnn::onnx::detail {

// An expression of one value x: x itself, a scalar constant, or an operator on expressions.
struct Expression {
  enum class Kind { x, constant, op };
  Kind kind = Kind::x;
  std::string op;
  double value = 0;
  std::vector<Expression> operands;
};

inline Expression x() { return {}; }
inline Expression scalar(double value) { return {Expression::Kind::constant, "", value, {}}; }
inline Expression op(const char* name, std::vector<Expression> operands) {
  return {Expression::Kind::op, name, 0, std::move(operands)};
}

// An fnn layer and the form PyTorch's exporter writes it in.
struct DecomposedActivation {
  enum class Layer { gelu, gelu_tanh, silu };
  Layer layer;
  Expression form;
};

inline const std::vector<DecomposedActivation>& decomposed_activations() {
  // 0.5 * (x * (1 + inner)): both GELUs.
  const auto gelu = [](Expression inner) {
    return op("Mul", {op("Mul", {x(), op("Add", {std::move(inner), scalar(1)})}), scalar(0.5)});
  };
  const double sqrt_2 = 1.41421356237309504880, sqrt_2_over_pi = 0.79788456080286535588;
  const Expression cube = op("Mul", {x(), op("Mul", {x(), x()})});
  static const std::vector<DecomposedActivation> list{
      {DecomposedActivation::Layer::gelu, gelu(op("Erf", {op("Div", {x(), scalar(sqrt_2)})}))},
      {DecomposedActivation::Layer::gelu_tanh,
       gelu(op("Tanh", {op("Mul", {op("Add", {x(), op("Mul", {cube, scalar(0.044715)})}), scalar(sqrt_2_over_pi)})}))},
      {DecomposedActivation::Layer::silu, op("Mul", {x(), op("Sigmoid", {x()})})},
  };
  return list;
}

// The nodes of one match and the value x they compute the activation of.
struct ActivationMatch {
  std::string input;
  std::vector<int> nodes;
};

// Matches `form` against the value node `root` computes. `Graph` answers, for a value: producer(v), the
// node computing it (-1 for none), readers(v), the nodes reading it, constant(v), the constant of that
// name or null, and is_graph_output(v); and node(i), the i-th NodeProto.
template <class Graph>
class ActivationMatcher {
 public:
  explicit ActivationMatcher(const Graph& graph) : graph_(graph) {}

  std::optional<ActivationMatch> match(const Expression& form, int root) {
    match_ = {};
    const ::onnx::NodeProto& n = graph_.node(root);
    if (n.output_size() != 1 || !value(form, n.output(0), -1)) return std::nullopt;
    // x must come from outside the match: a graph that loops back into itself is no activation.
    const int source = graph_.producer(match_.input);
    if (std::find(match_.nodes.begin(), match_.nodes.end(), source) != match_.nodes.end()) return std::nullopt;
    return match_;
  }

 private:
  // Whether `v` is `e`, read by the node `parent` (-1 for the root, whose value anything may read).
  bool value(const Expression& e, const std::string& v, int parent) {
    if (e.kind == Expression::Kind::x) {
      if (graph_.constant(v)) return false;
      if (match_.input.empty()) match_.input = v;
      return match_.input == v;
    }
    if (e.kind == Expression::Kind::constant) {
      const Constant* c = graph_.constant(v);
      return c && c->is_float() && c->numel() == 1 && std::abs(c->floats[0] - e.value) <= 1e-6 * std::abs(e.value);
    }
    const int i = graph_.producer(v);
    if (i < 0) return false;
    const ::onnx::NodeProto& n = graph_.node(i);
    if (n.op_type() != e.op || n.attribute_size() != 0 || n.output_size() != 1 ||
        static_cast<std::size_t>(n.input_size()) != e.operands.size()) {
      return false;
    }
    if (parent >= 0 && (graph_.readers(v) != std::vector<int>{parent} || graph_.is_graph_output(v))) return false;
    if (std::find(match_.nodes.begin(), match_.nodes.end(), i) != match_.nodes.end()) return false;
    const ActivationMatch before = match_;
    match_.nodes.push_back(i);
    if (operands(e, n, i, false)) return true;
    match_ = before;
    if (e.operands.size() == 2 && (e.op == "Add" || e.op == "Mul")) {
      match_.nodes.push_back(i);
      if (operands(e, n, i, true)) return true;
      match_ = before;
    }
    return false;
  }

  bool operands(const Expression& e, const ::onnx::NodeProto& n, int i, bool swapped) {
    for (std::size_t k = 0; k < e.operands.size(); ++k) {
      const int input = static_cast<int>(swapped ? e.operands.size() - 1 - k : k);
      if (!value(e.operands[k], n.input(input), i)) return false;
    }
    return true;
  }

  const Graph& graph_;
  ActivationMatch match_;
};

}  // namespace fnn::onnx::detail
