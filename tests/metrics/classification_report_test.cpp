#include <catch2/catch.hpp>

#include <fnn/fnn.hpp>

#include "support/hand_worked_confusion.hpp"

using Catch::Matchers::Contains;
using fnn::metrics::ConfusionMatrix;


TEST_CASE("classification_report matches a confusion matrix worked out by hand", "[metrics][report]") {
  const fnn::metrics::ClassificationReport r = fnn::metrics::classification_report(fnn::test::hand_worked_confusion());
  REQUIRE(r.classes.size() == 3);
  // precision = TP / predicted: 5/8, 3/4, 7/8.  recall = TP / support: 5/6, 3/6, 7/8.
  // F1 = 2 TP / (2 TP + FP + FN): 10/14, 6/10, 14/16.
  CHECK(r.classes[0].precision == Approx(5.0 / 8));
  CHECK(r.classes[1].precision == Approx(3.0 / 4));
  CHECK(r.classes[2].precision == Approx(7.0 / 8));
  CHECK(r.classes[0].recall == Approx(5.0 / 6));
  CHECK(r.classes[1].recall == Approx(3.0 / 6));
  CHECK(r.classes[2].recall == Approx(7.0 / 8));
  CHECK(r.classes[0].f1 == Approx(10.0 / 14));
  CHECK(r.classes[1].f1 == Approx(6.0 / 10));
  CHECK(r.classes[2].f1 == Approx(14.0 / 16));
  CHECK(r.classes[0].support == 6);
  CHECK(r.classes[2].support == 8);
  CHECK(r.accuracy == Approx(0.75));
  CHECK(r.total == 20);

  // Macro: plain means over the classes.
  CHECK(r.macro_avg.precision == Approx((5.0 / 8 + 3.0 / 4 + 7.0 / 8) / 3));  // 0.75
  CHECK(r.macro_avg.recall == Approx((5.0 / 6 + 3.0 / 6 + 7.0 / 8) / 3));     // 0.7361
  CHECK(r.macro_avg.f1 == Approx((10.0 / 14 + 6.0 / 10 + 14.0 / 16) / 3));   // 0.7298
  // Weighted by support 6, 6, 8 of 20.
  CHECK(r.weighted_avg.precision == Approx((6 * 5.0 / 8 + 6 * 3.0 / 4 + 8 * 7.0 / 8) / 20));  // 0.7625
  CHECK(r.weighted_avg.recall == Approx(0.75));  // the weighted recall is the accuracy
  CHECK(r.weighted_avg.f1 == Approx((6 * 10.0 / 14 + 6 * 6.0 / 10 + 8 * 14.0 / 16) / 20));  // 0.7443
  CHECK(r.macro_avg.support == 20);
  CHECK(r.weighted_avg.support == 20);
}

TEST_CASE("classification_report gives 0 where a ratio has no denominator", "[metrics][report]") {
  // Class 1 is never predicted (precision 0/0) and class 2 never occurs (recall 0/0).
  ConfusionMatrix cm(3);
  cm.add(0, 0);
  cm.add(0, 1);
  cm.add(2, 0);
  const auto r = fnn::metrics::classification_report(cm);
  CHECK(r.classes[0].precision == Approx(0.5));
  CHECK(r.classes[0].recall == Approx(0.5));
  CHECK(r.classes[1].precision == 0.0);
  CHECK(r.classes[1].recall == 0.0);
  CHECK(r.classes[1].f1 == 0.0);
  CHECK(r.classes[2].precision == 0.0);
  CHECK(r.classes[2].recall == 0.0);
  CHECK(r.classes[2].support == 0);
  CHECK(r.macro_avg.precision == Approx(0.5 / 3));
  CHECK(r.weighted_avg.precision == Approx(0.5 * 2.0 / 3));
  CHECK_THROWS_AS(fnn::metrics::classification_report(ConfusionMatrix(3)), fnn::ValueError);
}

TEST_CASE("classification_report prints in sklearn's layout", "[metrics][report]") {
  const auto r = fnn::metrics::classification_report(fnn::test::hand_worked_confusion());
  CHECK(r.str({"Cat", "Dog", "Bird"}) ==
        "              precision    recall  f1-score   support\n"
        "\n"
        "         Cat       0.62      0.83      0.71         6\n"
        "         Dog       0.75      0.50      0.60         6\n"
        "        Bird       0.88      0.88      0.88         8\n"
        "\n"
        "    accuracy                           0.75        20\n"
        "   macro avg       0.75      0.74      0.73        20\n"
        "weighted avg       0.76      0.75      0.74        20\n");
  CHECK_THAT(r.str({}, 4), Contains("           0     0.6250    0.8333    0.7143         6"));
  CHECK_THROWS_AS(r.str({"Cat"}), fnn::ValueError);
}
