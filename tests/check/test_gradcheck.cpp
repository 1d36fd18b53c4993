// The checker itself must catch wrong layers: each broken layer here has to fail gradcheck.
#include <catch2/catch.hpp>

#include "support/random_tensor.hpp"

using namespace fnn;

namespace {

// y = scale * x with a learnable scalar `scale`; the flaws are switched on one at a time.
struct Flaws {
  bool wrong_input_gradient = false;    // dx off by a factor
  bool overwrites_parameter = false;    // dscale = instead of +=
  bool accumulates_input = false;       // dx += across calls
  bool zero_gradients = false;          // returns zeros for everything, with a constant output
};

class Scale final : public Layer<double> {
 public:
  explicit Scale(Flaws flaws) : flaws_(flaws), scale_({1}) { scale_.value[0] = 1.5; }
  std::string name() const override { return "Scale"; }
  Shape output_shape(const Shape& in) const override { return in; }
  const Tensor<double>& forward(const Tensor<double>& x) override {
    input_ = x;
    output_ = x;
    output_.array() *= flaws_.zero_gradients ? 0.0 : scale_.value[0];
    return output_;
  }
  const Tensor<double>& backward(const Tensor<double>& dy) override {
    const double dscale = (dy.array() * input_.array()).sum();
    if (flaws_.zero_gradients) {
      scale_.grad[0] += 0;
    } else if (flaws_.overwrites_parameter) {
      scale_.grad[0] = dscale;
    } else {
      scale_.grad[0] += dscale;
    }
    if (!flaws_.accumulates_input || grad_input_.shape() != dy.shape()) grad_input_.resize(dy.shape()), grad_input_.zero();
    const double factor = flaws_.zero_gradients ? 0.0 : scale_.value[0] * (flaws_.wrong_input_gradient ? 1.001 : 1.0);
    grad_input_.array() += factor * dy.array();
    return grad_input_;
  }
  std::vector<ParameterRef<double>> parameters() override { return {{"scale", &scale_}}; }

 private:
  Flaws flaws_;
  Parameter<double> scale_;
  Tensor<double> input_, output_, grad_input_;
};

}  // namespace

TEST_CASE("gradcheck passes a correct layer") {
  Rng rng(1);
  Scale layer({});
  const auto result = gradcheck(layer, test::random_normal({3, 4}, rng));
  INFO(result.report());
  CHECK(result.ok());
  CHECK(result["scale"].nonzero == 1);
}

TEST_CASE("gradcheck fails a wrong input gradient, even by 0.1%") {
  Rng rng(2);
  Flaws f;
  f.wrong_input_gradient = true;
  Scale layer(f);
  const auto result = gradcheck(layer, test::random_normal({3, 4}, rng));
  CHECK_FALSE(result.ok());
  CHECK(result["input"].max_error > 1e-4);
  CHECK(result["scale"].max_error < 1e-6);
}

TEST_CASE("gradcheck fails a backward that overwrites parameter gradients instead of adding") {
  Rng rng(3);
  Flaws f;
  f.overwrites_parameter = true;
  Scale layer(f);
  const auto result = gradcheck(layer, test::random_normal({2, 2}, rng));
  CHECK_FALSE(result.ok());
  CHECK_FALSE(result["scale"].accumulates);
}

TEST_CASE("gradcheck fails a backward that accumulates into the input gradient") {
  Rng rng(4);
  Flaws f;
  f.accumulates_input = true;
  Scale layer(f);
  const auto result = gradcheck(layer, test::random_normal({2, 3}, rng));
  CHECK_FALSE(result.ok());
  CHECK_FALSE(result["input"].accumulates);
}

TEST_CASE("gradcheck refuses to pass when both gradients are zero") {
  Rng rng(5);
  Flaws f;
  f.zero_gradients = true;
  Scale layer(f);
  const auto result = gradcheck(layer, test::random_normal({2, 3}, rng));
  CHECK_FALSE(result.ok());
  CHECK(result["input"].all_zero);
}
