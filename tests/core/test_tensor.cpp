#include <catch2/catch.hpp>
#include <fnn/fnn.hpp>

using Catch::Matchers::Contains;
using fnn::Shape;
using fnn::Tensor;

TEST_CASE("Shape reports rank, extents and element count") {
  const Shape s{2, 3, 4, 5};
  CHECK(s.rank() == 4);
  CHECK(s[2] == 4);
  CHECK(s.numel() == 120);
  CHECK(s.inner() == 60);
  CHECK(s.str() == "[2, 3, 4, 5]");
  CHECK(Shape{2, 3} != Shape{3, 2});
  CHECK_THROWS_WITH((Shape{1, 2, 3, 4, 5}), Contains("rank 5"));
  CHECK_THROWS_AS((Shape{2, -1}), fnn::ShapeError);
}

TEST_CASE("Tensor stores elements row-major") {
  Tensor<float> t({2, 3, 4});
  for (fnn::Index i = 0; i < t.numel(); ++i) t[i] = static_cast<float>(i);
  CHECK(t(1, 2, 3) == 23.0f);
  CHECK(t(0, 1, 0) == 4.0f);
  CHECK(t.at(1, 0, 1) == 13.0f);
  CHECK_THROWS_WITH(t.at(2, 0, 0), Contains("out of range on axis 0"));
  CHECK_THROWS_WITH(t.at(0, 0), Contains("2 indices for a tensor of shape [2, 3, 4]"));
}

TEST_CASE("Tensor reshape keeps the data and refuses a different element count") {
  Tensor<double> t({2, 6}, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
  const double* before = t.data();
  t.reshape({3, 2, 2});
  CHECK(t.data() == before);
  CHECK(t(2, 1, 0) == 10.0);
  CHECK_THROWS_WITH(t.reshape({5, 2}), Contains("[3, 2, 2]") && Contains("[5, 2]"));
}

TEST_CASE("Tensor matrix views share memory with the tensor") {
  Tensor<float> t({2, 2, 3});
  t.fill(1.0f);
  auto m = t.matrix();
  CHECK(m.rows() == 2);
  CHECK(m.cols() == 6);
  m(1, 5) = 7.0f;
  CHECK(t(1, 1, 2) == 7.0f);
  CHECK(t.matrix(4, 3)(3, 2) == 7.0f);
  CHECK_THROWS_WITH(t.matrix(5, 3), Contains("cannot view [2, 2, 3] as a 5 x 3 matrix"));
}

TEST_CASE("Tensor resize keeps its allocation for a shape of the same size or smaller") {
  Tensor<float> t({8, 10});
  const float* data = t.data();
  t.resize({4, 10});
  t.resize({8, 10});
  CHECK(t.data() == data);
  CHECK(t.shape() == Shape{8, 10});
}

TEST_CASE("Tensor construction from values checks the count") {
  CHECK_THROWS_WITH((Tensor<float>({2, 2}, {1, 2, 3})), Contains("holds 4 elements, 3 values given"));
}
