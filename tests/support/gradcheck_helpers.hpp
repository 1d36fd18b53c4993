#pragma once
// Runs fnn::gradcheck and fails the test with the full report when any gradient disagrees.
#include <catch2/catch.hpp>
#include <fnn/fnn.hpp>

namespace fnn::test {

inline GradcheckResult require_gradients_match(Layer<double>& layer, const Tensor<double>& input) {
  const GradcheckResult result = gradcheck(layer, input);
  INFO(layer.name() << " on input " << input.shape().str() << "\n" << result.report());
  REQUIRE(result.ok());
  return result;
}

// Every element of every parameter gradient is non-zero: true whenever each parameter influences the
// output through a path that the check's random upstream gradient exercises.
inline void require_dense_parameter_gradients(const GradcheckResult& result) {
  for (const auto& g : result.gradients) {
    if (g.name == "input") continue;
    INFO(g.name);
    CHECK(g.nonzero == g.numel);
  }
}

}  // namespace fnn::test
