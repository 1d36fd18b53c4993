// Training within a wall-clock budget, on a fake clock that the model itself moves on: every run ends, its
// last evaluation included, within the budget and close to its end, with a one-cycle schedule that has run
// its whole course, also when the machine slows down halfway, when evaluations are dear, and when the run
// resumes from a checkpoint.
#include <algorithm>
#include <catch2/catch.hpp>
#include <fnn/fnn.hpp>
#include <sstream>

#include "data/data_support.hpp"
#include "support/temp_folder.hpp"

using Catch::Matchers::Contains;
using namespace fnn;

namespace {

// y = x; the fake clock moves on by what a sample costs: `train_cost` seconds in training mode (forward
// and backward together), `eval_cost` in evaluation.
class Ticking final : public Layer<float> {
 public:
  Ticking(double& clock, double train_cost, double eval_cost)
      : train_cost(train_cost), eval_cost(eval_cost), clock_(clock) {}
  std::string name() const override { return "Ticking()"; }
  Shape output_shape(const Shape& input) const override { return input; }
  const Tensor<float>& forward(const Tensor<float>& x) override {
    clock_ += (this->training() ? train_cost : eval_cost) * static_cast<double>(x.size(0));
    output_ = x;
    return output_;
  }
  const Tensor<float>& backward(const Tensor<float>& dy) override {
    grad_input_ = dy;
    return grad_input_;
  }

  double train_cost, eval_cost;

 private:
  double& clock_;
  Tensor<float> output_, grad_input_;
};

constexpr double max_lr = 0.5, div_factor = 25, final_div_factor = 1e4;

// 200 images in batches of 10 (20 steps an epoch), 0.01 s a training sample (0.1 s a step, 2 s an epoch)
// and 0.002 s an evaluated one (0.4 s for the validation pass) unless changed; a one-cycle schedule over
// the budget's progress.
struct BudgetRun {
  double now = 1000;  // the fake clock, from an arbitrary origin
  data::Dataset set = test::make_dataset(200, 4, 4);
  Rng rng{3};
  data::DataLoader<float> loader{set, {10, true}, rng};
  data::DataLoader<float> validation{set, {50}};
  Sequential<float> model;
  Ticking* ticking;
  CrossEntropyLoss<float> loss;
  SGD<float> sgd;
  std::shared_ptr<train::TimeBudget> budget;
  train::FitOptions<float> options;
  std::vector<double> rates;  // the rate set after every step
  std::vector<double> progress;

  explicit BudgetRun(double seconds)
      : sgd(make_model(), SGDOptions().lr(0.1).momentum(0.9)),
        budget(std::make_shared<train::TimeBudget>(seconds, [this] { return now; })) {
    options.budget = budget;
    options.validation = &validation;
    options.schedule =
        std::make_shared<OneCycleLR<float>>(sgd, max_lr, budget->progress_source(), 0.3, div_factor, final_div_factor);
    options.on_batch = [this](const train::BatchProgress&) {
      rates.push_back(sgd.lr());
      progress.push_back(budget->progress());
    };
  }
  std::vector<ParameterRef<float>> make_model() {
    ticking = &model.add(Ticking(now, 0.01, 0.002));
    model.add(Flatten<float>());
    model.add(Linear<float>(16, 10, rng));
    return model.parameters();
  }
  train::History fit() { return train::fit(model, loss, sgd, loader, options); }
  long long steps() const { return static_cast<long long>(rates.size()); }
};

// The schedule ran its course: it rose to max_lr (unless the run resumed past it) and ended at its final rate.
void check_schedule_complete(const BudgetRun& run, bool from_the_start = true) {
  REQUIRE(!run.rates.empty());
  if (from_the_start) CHECK(*std::max_element(run.rates.begin(), run.rates.end()) == Approx(max_lr).epsilon(0.02));
  CHECK(run.rates.back() == Approx(max_lr / div_factor / final_div_factor));
  CHECK(std::is_sorted(run.progress.begin(), run.progress.end()));
}

}  // namespace

TEST_CASE("A run under a time budget ends within it, evaluated, with its schedule complete") {
  BudgetRun run(60);
  const train::History history = run.fit();
  CHECK(run.budget->elapsed() <= 60);
  CHECK(run.budget->elapsed() > 60 - 0.6);  // within a step and an evaluation of the end
  check_schedule_complete(run);
  // 0.4 s of every 2.4 s goes to evaluation: about 60 / 2.4 = 25 epochs of 20 steps.
  CHECK(run.steps() > 480);
  CHECK(run.steps() < 500);
  CHECK(history.rows().size() == static_cast<std::size_t>((run.steps() + 19) / 20));
  CHECK(history.last().validation.count == 200);  // the final evaluation happened
  CHECK(run.budget->training_over());
}

TEST_CASE("A run under a time budget that slows down on the way still ends within it, its schedule complete") {
  BudgetRun steady(60), slowing(60);
  slowing.options.on_epoch = [&slowing](const train::EpochRecord& r) {
    if (r.epoch == 5) slowing.ticking->train_cost *= 3;  // a competing load arrives
  };
  steady.fit();
  slowing.fit();
  CHECK(slowing.budget->elapsed() <= 60);
  CHECK(slowing.budget->elapsed() > 60 - 1.2);
  check_schedule_complete(slowing);
  CHECK(slowing.steps() < steady.steps() * 0.6);  // about 250 steps against 494
}

TEST_CASE("A time budget reserves what the evaluations after every epoch cost") {
  BudgetRun run(60);
  run.ticking->eval_cost = 0.01;  // 2 s to evaluate, as long as an epoch's training
  run.fit();
  CHECK(run.budget->elapsed() <= 60);
  CHECK(run.budget->elapsed() > 60 - 2.2);
  check_schedule_complete(run);
  CHECK(run.steps() > 260);  // about 58 / 4 = 14.5 epochs of training
  CHECK(run.steps() < 310);
}

TEST_CASE("A run under a time budget ends mid-epoch when the budget does") {
  BudgetRun run(7.3);
  const train::History history = run.fit();
  CHECK(run.budget->elapsed() <= 7.3);
  check_schedule_complete(run);
  REQUIRE(history.rows().size() == 3);
  CHECK(history.last().train.count < 200);
  CHECK(history.last().train.count == 10 * (run.steps() - 40));
}

TEST_CASE("A run under a time budget resumed from its checkpoint ends within the budget it started with") {
  const test::TempFolder folder;
  const std::string checkpoint = (folder.path() / "budget.checkpoint").string();
  const double seconds = 40;
  struct Stop {};
  {
    BudgetRun first(seconds);
    first.options.checkpoint = checkpoint;
    first.options.on_epoch = [](const train::EpochRecord& r) {
      if (r.epoch == 6) throw Stop{};  // the process is killed after its sixth checkpoint
    };
    CHECK_THROWS_AS(first.fit(), Stop);
  }
  BudgetRun resumed(seconds);
  resumed.options.checkpoint = checkpoint;
  resumed.options.resume = true;
  const train::History history = resumed.fit();
  CHECK(history.rows().size() > 6);  // the history continues the first run's
  CHECK(resumed.steps() < 250);      // and the resumed run trains the rest: about 333 steps in all
  CHECK(resumed.budget->elapsed() <= seconds);
  CHECK(resumed.budget->elapsed() > seconds - 0.6);
  check_schedule_complete(resumed, false);
  CHECK(resumed.rates.front() > 0.9 * max_lr);  // it went on from the first run's progress, past the peak
  CHECK(history.last().elapsed_seconds > history.rows()[5].elapsed_seconds);
}

TEST_CASE("The epoch lines of a run under a time budget give no number of epochs") {
  BudgetRun run(5);
  std::ostringstream out;
  train::ProgressPrinter(out, false).attach(run.options);
  run.fit();
  CHECK_THAT(out.str(), Contains("epoch 1  train"));
  CHECK_THAT(out.str(), !Contains("epoch 1/"));
}

TEST_CASE("A time budget must be a positive, finite number of seconds") {
  CHECK_THROWS_AS(train::TimeBudget(0), ValueError);
  CHECK_THROWS_AS(train::TimeBudget(-5), ValueError);
  CHECK_THROWS_AS(train::TimeBudget(std::nan("")), ValueError);
  CHECK_THROWS_AS(train::TimeBudget(1.0 / 0.0), ValueError);
}
