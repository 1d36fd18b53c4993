#pragma once
// Residual(body, shortcut = identity): y = body(x) + shortcut(x), the skip connection of a ResNet.
//   input x [N, ...]   body(x) and shortcut(x): one and the same shape   output y: that shape
// Backward: dx = body's backward of dy + shortcut's backward of dy (dy itself for the identity).
// The children are "body" and, unless it is the identity, "shortcut": in a Sequential, parameters are
// named "3.body.0.weight", "3.shortcut.0.weight", as a torch.nn.Module with those two attributes. A
// downsampling block's shortcut is a layer too, e.g. a Sequential of a 1x1 stride-2 Conv2d and a
// BatchNorm2d. The layer keeps nothing of x: the children keep what their backward needs, and the sum's
// backward needs only dy.
#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "fnn/layers/branches.hpp"

namespace fnn {

template <class Scalar>
class Residual final : public BranchSum<Scalar> {
 public:
  // Body and Shortcut are layers (moved in); never Residual itself, so that copying a Residual copies it.
  template <class Body, class = std::enable_if_t<!std::is_same_v<std::decay_t<Body>, Residual>>>
  explicit Residual(Body body) {
    branches_.add("body", std::move(body));
    branches_.add_identity("shortcut");
  }
  template <class Body, class Shortcut>
  Residual(Body body, Shortcut shortcut) {
    branches_.add("body", std::move(body));
    branches_.add("shortcut", std::move(shortcut));
  }

  std::string name() const override { return "Residual(" + branches_.describe() + ")"; }
  std::unique_ptr<Layer<Scalar>> clone() const override { return std::make_unique<Residual>(*this); }

  Layer<Scalar>& body() { return branches_.layer(0); }
  // The shortcut's layer; a UsageError for the identity, which has none.
  Layer<Scalar>& shortcut() {
    if (branches_.is_identity(1)) throw UsageError(name() + ": the shortcut is the identity, not a layer");
    return branches_.layer(1);
  }

 private:
  using BranchSum<Scalar>::branches_;
};

}  // namespace fnn
