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
  auto in_file = [&file](const std::string& name) {
    return std::find_if(file.begin(), file.end(), [&name](const NamedTensor<Scalar>& f) { return f.name == name; });
  };
  for (const auto& entry : state) {
    const auto it = in_file(entry.first);
    if (it == file.end()) {
      throw IoError(path + ": the model's tensor '" + entry.first + "' is not in the file, which holds " +
                    describe_tensors(file));
    }
    if (it->tensor.shape() != entry.second->shape()) {
      throw IoError(path + ": tensor '" + entry.first + "' has shape " + it->tensor.shape().str() +
                    " in the file but " + entry.second->shape().str() + " in the model");
    }
  }
  if (file.size() != state.size()) {
    for (const auto& f : file) {
      const bool known =
          std::any_of(state.begin(), state.end(), [&f](const auto& entry) { return entry.first == f.name; });
      if (!known) throw IoError(path + ": tensor '" + f.name + "' in the file is not in the model");
    }
    throw IoError(path + ": the file repeats a tensor name");
  }
  for (auto& entry : state) *entry.second = std::move(in_file(entry.first)->tensor);
}

}  // namespace fnn
