#pragma once
// Class targets for the classification losses: one class index per sample.
#include <cstdint>
#include <string>
#include <vector>

#include "fnn/core/tensor.hpp"

namespace fnn {

using Targets = std::vector<std::int32_t>;

// Checks that `input` is [N, C] with one target per row, each in [0, C).
template <class Scalar>
void check_targets(const std::string& loss, const Tensor<Scalar>& input, const Targets& targets) {
  check_rank(loss, input.shape(), 2, "[N, C]");
  if (static_cast<Index>(targets.size()) != input.size(0)) {
    throw ShapeError(loss + ": " + std::to_string(targets.size()) + " targets for an input of shape " +
                     input.shape().str());
  }
  for (std::size_t n = 0; n < targets.size(); ++n) {
    if (targets[n] < 0 || targets[n] >= input.size(1)) {
      throw ValueError(loss + ": target " + std::to_string(targets[n]) + " of sample " + std::to_string(n) +
                       " is outside [0, " + std::to_string(input.size(1)) + ")");
    }
  }
}

}  // namespace fnn
