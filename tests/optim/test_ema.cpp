// ExponentialMovingAverage: the formula with its decay warm-up, for parameters and buffers alike; swap
// and copy; its checkpoint state; bad decays.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <fnn/fnn.hpp>
#include <vector>

using namespace fnn;

namespace {

// A Linear (parameters) and a BatchNorm1d (buffers), every state tensor set to `value` plus its index.
struct SmallModel {
  Rng rng{3};
  Sequential<double> model;
  SmallModel() {
    model.add(Linear<double>(3, 2, rng));
    model.add(BatchNorm1d<double>(2));
  }
  void set_all(double value) {
    for (auto& [name, t] : state_tensors(model)) {
      for (Index i = 0; i < t->numel(); ++i) (*t)[i] = value + static_cast<double>(i);
    }
  }
  std::vector<double> values() {
    std::vector<double> all;
    for (auto& [name, t] : state_tensors(model)) all.insert(all.end(), t->begin(), t->end());
    return all;
  }
  // Every state tensor's element i equals expected + i.
  bool all_equal(double expected) {
    for (auto& [name, t] : state_tensors(model)) {
      for (Index i = 0; i < t->numel(); ++i) {
        if ((*t)[i] != Approx(expected + static_cast<double>(i)).epsilon(1e-12)) return false;
      }
    }
    return true;
  }
};

}  // namespace

TEST_CASE("ExponentialMovingAverage averages parameters and buffers with a decay that warms up") {
  SmallModel m;
  REQUIRE(state_tensors(m.model).size() == 6);  // weight, bias, BatchNorm weight, bias, running mean, var
  m.set_all(1.0);
  ExponentialMovingAverage<double> average(m.model, 0.15);
  m.set_all(11.0);
  average.update();  // d = min(0.15, 1 / 10) = 0.1
  const double after_one = 0.1 * 1.0 + 0.9 * 11.0;
  m.set_all(-5.0);
  average.update();  // d = min(0.15, 2 / 11) = 0.15
  const double after_two = 0.15 * after_one + 0.85 * -5.0;
  CHECK(average.updates() == 2);

  average.swap();
  CHECK(m.all_equal(after_two));
  average.swap();
  CHECK(m.all_equal(-5.0));
  average.copy_to_model();
  CHECK(m.all_equal(after_two));
  average.swap();  // after a copy, both hold the average
  CHECK(m.all_equal(after_two));
}

TEST_CASE("ExponentialMovingAverage's warm-up constant sets how fast the decay grows; 1 turns it off") {
  SmallModel m;
  m.set_all(0.0);
  ExponentialMovingAverage<double> slow(m.model, 0.9, 3.0);
  ExponentialMovingAverage<double> plain(m.model, 0.6, 1.0);
  CHECK(slow.warmup() == 3.0);
  double expected_slow = 0, expected_plain = 0;
  for (double n : {0.0, 1.0, 2.0, 3.0}) {
    const double value = 10 * (n + 1);
    m.set_all(value);
    slow.update();
    plain.update();
    const double d = std::min(0.9, (1 + n) / (3 + n));  // 1/3, 1/2, 3/5, 2/3
    expected_slow = d * expected_slow + (1 - d) * value;
    expected_plain = 0.6 * expected_plain + 0.4 * value;
  }
  slow.copy_to_model();
  CHECK(m.all_equal(expected_slow));
  plain.copy_to_model();
  CHECK(m.all_equal(expected_plain));
  CHECK_FALSE(expected_slow == Approx(expected_plain));
}

TEST_CASE("A decay of 0 keeps the last weights; AveragedWeightsGuard swaps for its scope") {
  SmallModel m;
  m.set_all(2.0);
  ExponentialMovingAverage<double> average(m.model, 0.0);
  m.set_all(7.0);
  average.update();
  m.set_all(3.0);
  {
    const AveragedWeightsGuard<double> guard(&average);
    CHECK(m.all_equal(7.0));
  }
  CHECK(m.all_equal(3.0));
  { const AveragedWeightsGuard<double> nothing(nullptr); }
  CHECK(m.all_equal(3.0));
}

TEST_CASE("ExponentialMovingAverage's checkpoint state restores the averages and the update count") {
  SmallModel m;
  m.set_all(1.0);
  ExponentialMovingAverage<double> saved(m.model, 0.5);
  for (double v : {4.0, 9.0, 2.0}) {
    m.set_all(v);
    saved.update();
  }
  StateDict state;
  saved.save_state(state, "average.");
  CHECK(state.contains("average.0.weight"));
  CHECK(state.contains("average.1.running_var"));

  m.set_all(0.0);
  ExponentialMovingAverage<double> loaded(m.model, 0.5);
  loaded.load_state(state, "average.");
  CHECK(loaded.updates() == 3);
  m.set_all(6.0);
  loaded.update();
  saved.update();
  loaded.copy_to_model();
  const std::vector<double> from_loaded = m.values();
  saved.copy_to_model();
  CHECK(m.values() == from_loaded);
}

TEST_CASE("ExponentialMovingAverage refuses a decay below 0 or from 1 up, and a warm-up below 1") {
  SmallModel m;
  for (double bad : {1.0, -0.1, std::nan("")}) {
    CHECK_THROWS_AS(ExponentialMovingAverage<double>(m.model, bad), ValueError);
  }
  CHECK_THROWS_WITH(ExponentialMovingAverage<double>(m.model, 1.0), Catch::Contains("decay must be in [0, 1)"));
  for (double bad : {0.5, -1.0, std::nan(""), HUGE_VAL}) {
    CHECK_THROWS_WITH(ExponentialMovingAverage<double>(m.model, 0.9, bad),
                      Catch::Contains("warm-up must be a number >= 1"));
  }
}
