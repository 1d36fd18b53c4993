#include <catch2/catch.hpp>
#include <fnn/fnn.hpp>

using fnn::Shape;
using fnn::Tensor;
using fnn::metrics::RegressionMeter;

TEST_CASE(
    "RegressionMeter's MSE, MAE and R^2 over batches, as scikit-learn "
    "defines them",
    "[regression]") {
  // Targets (1, 10), (2, 20), (3, 30), (4, 40); predictions off by (0, 0), (0, 5), (0, -5), (1, 0). Column 0: SSE 1,
  // spread about the mean 5 -> R^2 0.8; column 1: SSE 50, spread 500 -> 0.9.
  RegressionMeter meter;
  meter.add(Tensor<double>(Shape{2, 2}, {1, 10, 2, 25}), Tensor<double>(Shape{2, 2}, {1, 10, 2, 20}));
  meter.add(Tensor<double>(Shape{2, 2}, {3, 25, 5, 40}), Tensor<double>(Shape{2, 2}, {3, 30, 4, 40}));
  CHECK(meter.count() == 4);
  CHECK(meter.mse() == Approx((1.0 + 50) / 8));
  CHECK(meter.mae() == Approx((1.0 + 10) / 8));
  CHECK(meter.r2() == Approx((0.8 + 0.9) / 2));
}

TEST_CASE("R^2 of targets far from 0 and of a constant column", "[regression]") {
  // Shifting targets and predictions by 1e6 changes no figure: the sums are kept about the first row.
  RegressionMeter near, far;
  near.add(Tensor<double>(Shape{3, 1}, {1.5, 2, 2.5}), Tensor<double>(Shape{3, 1}, {1, 2, 3}));
  far.add(Tensor<double>(Shape{3, 1}, {1e6 + 1.5, 1e6 + 2, 1e6 + 2.5}),
          Tensor<double>(Shape{3, 1}, {1e6 + 1, 1e6 + 2, 1e6 + 3}));
  CHECK(near.r2() == Approx(1 - 0.5 / 2));
  CHECK(far.r2() == Approx(near.r2()).epsilon(1e-9));
  RegressionMeter exact, off;
  exact.add(Tensor<double>(Shape{2, 1}, {7, 7}), Tensor<double>(Shape{2, 1}, {7, 7}));
  off.add(Tensor<double>(Shape{2, 1}, {7, 8}), Tensor<double>(Shape{2, 1}, {7, 7}));
  CHECK(exact.r2() == 1.0);
  CHECK(off.r2() == 0.0);
  CHECK(std::isnan(RegressionMeter().r2()));
}

TEST_CASE("RegressionMeter refuses predictions of another shape", "[regression]") {
  RegressionMeter meter;
  CHECK_THROWS_AS(meter.add(Tensor<double>(Shape{2, 1}), Tensor<double>(Shape{2, 2})), fnn::ShapeError);
  meter.add(Tensor<double>(Shape{2, 2}), Tensor<double>(Shape{2, 2}));
  CHECK_THROWS_AS(meter.add(Tensor<double>(Shape{2, 3}), Tensor<double>(Shape{2, 3})), fnn::ShapeError);
}
