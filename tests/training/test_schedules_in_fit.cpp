// fit with a schedule that follows a metric: ReduceLROnPlateau is stepped after every epoch with the
// validation loss, and refused without a validation loader.
#include <catch2/catch.hpp>

#include "training/small_run.hpp"

using namespace fnn;

TEST_CASE("fit steps ReduceLROnPlateau after every epoch with the validation loss") {
  test::SmallRun run(2);
  SGD<float> sgd(run.model.parameters(), SGDOptions().lr(0.1));
  // No later epoch can improve on the first by 99%: every epoch after the first is a bad one, and with
  // patience 0 each halves the rate.
  auto plateau = std::make_shared<ReduceLROnPlateau<float>>(
      sgd, ReduceLROnPlateauOptions().factor(0.5).patience(0).threshold(0.99));
  run.options.schedule = plateau;
  run.options.validation = &run.validation;
  const train::History history = run.fit(sgd);
  REQUIRE(history.rows().size() == 3);
  CHECK(plateau->steps() == 3);
  CHECK(plateau->best() == history.rows()[0].validation.loss);
  CHECK(history.rows()[0].lr == Approx(0.1));
  CHECK(history.rows()[1].lr == Approx(0.1));
  CHECK(history.rows()[2].lr == Approx(0.05));
  CHECK(sgd.lr() == Approx(0.025));
}

TEST_CASE("fit refuses a schedule that follows the validation loss when there is no validation loader") {
  test::SmallRun run(2);
  SGD<float> sgd(run.model.parameters(), SGDOptions().lr(0.1));
  run.options.schedule = std::make_shared<ReduceLROnPlateau<float>>(sgd);
  CHECK_THROWS_WITH(run.fit(sgd), Catch::Contains("no validation loader"));
}
