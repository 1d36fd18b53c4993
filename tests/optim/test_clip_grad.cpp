#include <catch2/catch.hpp>

#include <limits>

#include <fnn/optim/clip_grad.hpp>

using namespace fnn;

namespace {

// Two parameters whose gradients, taken together, are (3, 4, 12): 2-norm 13, 1-norm 19, inf-norm 12.
struct TwoGradients {
  Parameter<double> a{Shape{2}}, b{Shape{1}};
  TwoGradients() {
    a.grad = Tensor<double>({2}, {3, -4});
    b.grad = Tensor<double>({1}, {12});
  }
  std::vector<ParameterRef<double>> refs() { return {{"a", &a}, {"b", &b}}; }
};

}  // namespace

TEST_CASE("clip_grad_norm_ returns the total norm and scales by max_norm / (total + 1e-6), as torch") {
  const double inf = std::numeric_limits<double>::infinity();
  struct Case {
    double norm_type, total;
  };
  for (const Case c : {Case{2.0, 13.0}, Case{1.0, 19.0}, Case{inf, 12.0}, Case{3.0, std::cbrt(27.0 + 64 + 1728)}}) {
    INFO("norm_type " << c.norm_type);
    TwoGradients g;
    CHECK(clip_grad_norm_(g.refs(), 6.5, c.norm_type) == Approx(c.total).epsilon(1e-14));
    const double scale = 6.5 / (c.total + 1e-6);
    CHECK(g.a.grad[0] == Approx(3 * scale).epsilon(1e-14));
    CHECK(g.a.grad[1] == Approx(-4 * scale).epsilon(1e-14));
    CHECK(g.b.grad[0] == Approx(12 * scale).epsilon(1e-14));
  }
  SECTION("a total within max_norm leaves the gradients as they were") {
    TwoGradients g;
    CHECK(clip_grad_norm_(g.refs(), 13.5) == Approx(13.0));
    CHECK(g.a.grad[1] == -4.0);
    CHECK(g.b.grad[0] == 12.0);
  }
  SECTION("float gradients, accumulated in double") {
    Parameter<float> p(Shape{3});
    p.grad = Tensor<float>({3}, {3, 4, 12});
    CHECK(clip_grad_norm_<float>({{"p", &p}}, 1.0) == Approx(13.0));
    CHECK(p.grad[2] == Approx(12.0 / 13.0).epsilon(1e-6));
  }
  SECTION("a norm type that is not positive is refused") {
    TwoGradients g;
    CHECK_THROWS_AS(clip_grad_norm_(g.refs(), 1.0, 0.0), ValueError);
    CHECK_THROWS_AS(clip_grad_norm_(g.refs(), -1.0), ValueError);
  }
}

TEST_CASE("clip_grad_value_ clamps every gradient element to within clip_value of 0") {
  TwoGradients g;
  clip_grad_value_(g.refs(), 3.5);
  CHECK(g.a.grad[0] == 3.0);
  CHECK(g.a.grad[1] == -3.5);
  CHECK(g.b.grad[0] == 3.5);
  CHECK_THROWS_AS(clip_grad_value_(g.refs(), -1.0), ValueError);
}
