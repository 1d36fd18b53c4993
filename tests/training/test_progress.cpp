// The progress a training run shows: a live line on a terminal, one line per epoch anywhere else, and
// the callbacks fit() makes for them.
#include <catch2/catch.hpp>

#include <sstream>
#include <vector>

#include "support/count_occurrences.hpp"
#include "training/small_run.hpp"

using namespace fnn;

TEST_CASE("progress_line shows the batch, the running figures, the rate and the time left") {
  train::BatchProgress p;
  p.epoch = 3;
  p.epochs = 20;
  p.batch = 250;
  p.batches = 1000;
  p.so_far = {0.41234, 0.8502, 8502 * 250 / 10000, 250 * 64};
  p.seconds = 10;
  CHECK(train::progress_line(p) ==
        "epoch 3/20  batch 250/1000  loss 0.4123 acc 85.02%  1600 img/s  0:10 elapsed  ETA 0:30");
  // A regression's figures, and a rate in samples when they are not images.
  p.so_far.accuracy = NAN;
  p.so_far.mse = 0.5;
  p.so_far.mae = 0.25;
  p.so_far.r2 = 0.875;
  p.images = false;
  CHECK(train::progress_line(p) ==
        "epoch 3/20  batch 250/1000  loss 0.4123 MAE 0.25 R2 0.8750  1600 samples/s  0:10 elapsed  ETA 0:30");
  CHECK(train::clock_time(59.4) == "0:59");
  CHECK(train::clock_time(3725) == "1:02:05");
  CHECK(train::clock_time(-1) == "0:00");
}

TEST_CASE("fit reports every batch with its epoch, in order, with the time since the epoch began") {
  test::SmallRun run;
  std::vector<train::BatchProgress> seen;
  run.options.on_batch = [&](const train::BatchProgress& p) { seen.push_back(p); };
  SGD<float> sgd(run.model.parameters(), SGDOptions().lr(0.1));
  run.fit(sgd);
  REQUIRE(seen.size() == 12);
  for (std::size_t i = 0; i < seen.size(); ++i) {
    CHECK(seen[i].epoch == static_cast<int>(i / 4) + 1);
    CHECK(seen[i].epochs == 3);
    CHECK(seen[i].batch == static_cast<Index>(i % 4) + 1);
    CHECK(seen[i].batches == 4);
    CHECK(seen[i].so_far.count == 10 * seen[i].batch);
    if (i % 4 > 0) CHECK(seen[i].seconds >= seen[i - 1].seconds);
  }
}

TEST_CASE("Off a terminal the printer writes one plain line per epoch") {
  test::SmallRun run;
  std::ostringstream out;
  train::ProgressPrinter(out, false).attach(run.options);
  SGD<float> sgd(run.model.parameters(), SGDOptions().lr(0.1));
  run.fit(sgd);
  const std::string text = out.str();
  CHECK(test::count_occurrences(text, "\n") == 3);
  CHECK(text.rfind("epoch 1/3  train loss ", 0) == 0);
  CHECK(text.find("epoch 3/3") != std::string::npos);
  CHECK(text.find('\r') == std::string::npos);
  CHECK(text.find("\x1b") == std::string::npos);
}

TEST_CASE("On a terminal the printer redraws a live line in place, then leaves the epoch's line") {
  test::SmallRun run;
  std::ostringstream out;
  train::ProgressPrinter(out, true, [](const train::EpochRecord& r, int epochs) {
    return "done " + std::to_string(r.epoch) + " of " + std::to_string(epochs);
  }).attach(run.options);
  SGD<float> sgd(run.model.parameters(), SGDOptions().lr(0.1));
  run.fit(sgd);
  const std::string text = out.str();
  // The first and last batch of each epoch are always drawn; the batches between them only every 0.1 s.
  CHECK(test::count_occurrences(text, "batch 1/4") == 3);
  CHECK(test::count_occurrences(text, "batch 4/4") == 3);
  CHECK(test::count_occurrences(text, "\r\x1b[Kdone ") == 3);
  CHECK(text.find("\r\x1b[Kdone 3 of 3\n") != std::string::npos);
  CHECK(text.find("epoch 2/3  batch 4/4  loss ") != std::string::npos);
}

TEST_CASE("fit steps a per-batch schedule after every batch and an epoch schedule after every epoch") {
  test::SmallRun run;
  SGD<float> sgd(run.model.parameters(), SGDOptions().lr(0.1));
  auto one_cycle = std::make_shared<OneCycleLR<float>>(sgd, 0.1, 12);
  run.options.schedule = one_cycle;
  const train::History history = run.fit(sgd);
  CHECK(one_cycle->steps() == 12);
  CHECK(sgd.lr() == Approx(0.1 / 25 / 1e4));  // the last step's rate
  CHECK(history.rows()[0].lr == Approx(0.1 / 25));

  test::SmallRun again;
  SGD<float> sgd2(again.model.parameters(), SGDOptions().lr(0.1));
  auto cosine = std::make_shared<CosineAnnealingLR<float>>(sgd2, 3);
  again.options.schedule = cosine;
  again.fit(sgd2);
  CHECK(cosine->steps() == 3);
}
