#include <catch2/catch.hpp>

#include <fnn/fnn.hpp>

#include "support/hand_worked_confusion.hpp"

using Catch::Matchers::Contains;
using fnn::Shape;
using fnn::Targets;
using fnn::Tensor;
using fnn::metrics::ConfusionMatrix;


TEST_CASE("ConfusionMatrix counts predicted against true classes", "[metrics][confusion]") {
  const ConfusionMatrix cm = fnn::test::hand_worked_confusion();
  CHECK(cm.count(1, 0) == 1);  // one 0 predicted as 1
  CHECK(cm.count(0, 1) == 2);  // two 1s predicted as 0
  CHECK(cm.count(0, 2) == 1);
  CHECK(cm.count(2, 0) == 0);
  CHECK(cm.count(2, 2) == 7);
  CHECK(cm.total() == 20);
  CHECK(cm.correct() == 15);
  CHECK(cm.accuracy() == 0.75);
  CHECK(cm.support(0) == 6);
  CHECK(cm.support(2) == 8);
  CHECK(cm.predicted_count(0) == 8);
  CHECK(cm.predicted_count(1) == 4);
  CHECK_THROWS_WITH(cm.count(3, 0), Contains("predicted class 3 is outside [0, 3)"));
}

TEST_CASE("ConfusionMatrix adds vectors of labels and batches of scores", "[metrics][confusion]") {
  ConfusionMatrix a(3), b(3);
  a.add(Targets{0, 2, 2, 1}, Targets{0, 1, 2, 1});
  // The same predictions as arg-maxes of logits.
  const Tensor<float> logits(Shape{4, 3}, {3, 1, 2,  //
                                           0, 1, 5,  //
                                           -1, -2, 0,  //
                                           0, 9, 1});
  b.add(logits, Targets{0, 1, 2, 1});
  for (int t = 0; t < 3; ++t) {
    for (int p = 0; p < 3; ++p) CHECK(a.count(p, t) == b.count(p, t));
  }
  CHECK(a.count(2, 1) == 1);
  CHECK(a.count(1, 1) == 1);
  CHECK(a.correct() == 3);

  CHECK_THROWS_AS(b.add(Tensor<float>(Shape{2, 4}), Targets{0, 1}), fnn::ShapeError);
  CHECK_THROWS_AS(b.add(Targets{0}, Targets{0, 1}), fnn::ShapeError);
  CHECK_THROWS_AS(b.add(0, 3), fnn::ValueError);
  b.reset();
  CHECK(b.total() == 0);
  CHECK_THROWS_AS(b.accuracy(), fnn::ValueError);
}

TEST_CASE("ConfusionMatrix prints a table with class names", "[metrics][confusion]") {
  const ConfusionMatrix cm = fnn::test::hand_worked_confusion();
  const std::string plain = cm.str();
  CHECK(plain ==
        "Confusion matrix (rows: true class, columns: predicted class)\n"
        "   0  1  2\n"
        "0  5  1  0\n"
        "1  2  3  1\n"
        "2  1  0  7\n");
  const std::string named = cm.str({"Cat", "Dog", "Bird"});
  CHECK_THAT(named, Contains("0 Cat   5  1  0\n") && Contains("2 Bird  1  0  7\n"));
  CHECK_THROWS_WITH(cm.str({"Cat"}), Contains("1 class names for 3 classes"));

  ConfusionMatrix fashion(10);
  fashion.add(9, 9);
  const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                          "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  CHECK_THAT(fashion.str(names), Contains("9 Ankle boot") && Contains("T-shirt/top"));
}
