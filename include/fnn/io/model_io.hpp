#pragma once
// Saving and loading a model's state: every parameter and buffer (BatchNorm running statistics) by its
// PyTorch-style name, in an fnn tensor file.
#include <algorithm>
#include <string>
#include <vector>

#include "fnn/io/tensor_file.hpp"
#include "fnn/layers/layer.hpp"

namespace fnn {

// The model's state as named tensor references: parameters first, then buffers, in layer order.
template <class Scalar>
std::vector<std::pair<std::string, Tensor<Scalar>*>> state_tensors(Layer<Scalar>& model) {
  std::vector<std::pair<std::string, Tensor<Scalar>*>> state;
  for (auto& p : model.parameters()) state.emplace_back(p.name, &p.parameter->value);
  for (auto& b : model.buffers()) state.emplace_back(b.name, b.tensor);
  return state;
}

template <class Scalar>
void save(Layer<Scalar>& model, const std::string& path) {
  std::vector<std::pair<std::string, const Tensor<Scalar>*>> tensors;
  for (auto& [name, t] : state_tensors(model)) tensors.emplace_back(name, t);
  write_tensor_file(path, tensors);
}

// Loads a state saved from a model of the same architecture. The file must hold exactly the model's
// tensors with the same shapes; otherwise nothing is changed and the error names the first tensor that
// differs.
template <class Scalar>
void load(Layer<Scalar>& model, const std::string& path) {
  auto file = read_tensor_file<Scalar>(path);
  auto state = state_tensors(model);
  for (const auto& [name, t] : state) {
    auto it = std::find_if(file.begin(), file.end(), [&](const auto& f) { return f.name == name; });
    if (it == file.end()) throw IoError(path + ": the model's tensor '" + name + "' is not in the file");
    if (it->tensor.shape() != t->shape()) {
      throw IoError(path + ": tensor '" + name + "' has shape " + it->tensor.shape().str() + " in the file but " +
                    t->shape().str() + " in the model");
    }
  }
  if (file.size() != state.size()) {
    for (const auto& f : file) {
      auto known = std::find_if(state.begin(), state.end(), [&](const auto& s) { return s.first == f.name; });
      if (known == state.end()) throw IoError(path + ": tensor '" + f.name + "' in the file is not in the model");
    }
    throw IoError(path + ": the file repeats a tensor name");
  }
  for (auto& [name, t] : state) {
    auto it = std::find_if(file.begin(), file.end(), [&](const auto& f) { return f.name == name; });
    *t = std::move(it->tensor);
  }
}

}  // namespace fnn
