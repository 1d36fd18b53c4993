#include <catch2/catch.hpp>

#include <fnn/fnn.hpp>

using Catch::Matchers::Contains;
using fnn::Shape;
using fnn::Targets;
using fnn::Tensor;

TEST_CASE("predicted_classes takes the arg-max of each row, ties to the lowest class", "[metrics]") {
  const Tensor<double> scores(Shape{4, 3}, {0.1, 0.7, 0.2,  //
                                            -5.0, -9.0, -1.0,  //
                                            2.0, 2.0, 1.0,  //
                                            3.0, 3.0, 3.0});
  CHECK(fnn::metrics::predicted_classes(scores) == Targets{1, 2, 0, 0});
  CHECK_THROWS_AS(fnn::metrics::predicted_classes(Tensor<float>(Shape{2, 3, 1})), fnn::ShapeError);
}

TEST_CASE("accuracy counts the predictions equal to the truth", "[metrics]") {
  CHECK(fnn::metrics::count_correct(Targets{1, 2, 3, 4}, Targets{1, 0, 3, 0}) == 2);
  CHECK(fnn::metrics::accuracy(Targets{1, 2, 3, 4}, Targets{1, 0, 3, 0}) == 0.5);
  CHECK(fnn::metrics::accuracy(Targets{7, 7, 7}, Targets{7, 7, 7}) == 1.0);
  CHECK_THROWS_WITH(fnn::metrics::accuracy(Targets{1, 2}, Targets{1}), Contains("2 predictions for 1 true labels"));
  CHECK_THROWS_AS(fnn::metrics::accuracy(Targets{}, Targets{}), fnn::ValueError);

  // Logits and log-probabilities of the same rows give the same accuracy.
  Tensor<float> logits(Shape{3, 2}, {1.0f, 2.0f, 5.0f, -1.0f, 0.0f, 0.5f});
  Tensor<float> log_probs;
  fnn::log_softmax_rows(logits, log_probs);
  const Targets truth{1, 1, 1};
  CHECK(fnn::metrics::count_correct(logits, truth) == 2);
  CHECK(fnn::metrics::accuracy(logits, truth) == Approx(2.0 / 3.0));
  CHECK(fnn::metrics::accuracy(log_probs, truth) == Approx(2.0 / 3.0));
  CHECK_THROWS_AS(fnn::metrics::accuracy(logits, Targets{1, 2, 1}), fnn::ValueError);  // class 2 of 2
}
