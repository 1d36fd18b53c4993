#include <catch2/catch.hpp>

#include "support/random_tensor.hpp"

using namespace fnn;

namespace {

// f(p) = 0.5 * sum a_i (p_i - c_i)^2: a convex bowl with its minimum at c.
struct Bowl {
  Tensor<double> a, c;
  double value(const Tensor<double>& p) const { return 0.5 * (a.array() * (p.array() - c.array()).square()).sum(); }
  void gradient(Parameter<double>& p) const { p.grad.array() = a.array() * (p.value.array() - c.array()); }
};

template <class Opt>
double minimise(Opt& opt, Parameter<double>& p, const Bowl& bowl, int steps) {
  for (int i = 0; i < steps; ++i) {
    opt.zero_grad();
    bowl.gradient(p);
    opt.step();
  }
  return bowl.value(p.value);
}

}  // namespace

TEST_CASE("SGD and Adam minimise a convex quadratic") {
  const Bowl bowl{Tensor<double>({4}, {1, 2, 0.5, 3}), Tensor<double>({4}, {1, -2, 3, 0.5})};
  auto fresh = [] {
    Parameter<double> p({4});
    p.value.fill(5.0);
    return p;
  };
  Parameter<double> p1 = fresh(), p2 = fresh(), p3 = fresh(), p4 = fresh();
  const double start = bowl.value(p1.value);
  SGD<double> sgd({{"p", &p1}}, SGDOptions().lr(0.1));
  SGD<double> momentum({{"p", &p2}}, SGDOptions().lr(0.05).momentum(0.9));
  SGD<double> nesterov({{"p", &p3}}, SGDOptions().lr(0.05).momentum(0.9).nesterov(true));
  Adam<double> adam({{"p", &p4}}, AdamOptions().lr(0.1));
  CHECK(minimise(sgd, p1, bowl, 300) < 1e-8 * start);
  CHECK(minimise(momentum, p2, bowl, 300) < 1e-8 * start);
  CHECK(minimise(nesterov, p3, bowl, 300) < 1e-8 * start);
  CHECK(minimise(adam, p4, bowl, 500) < 1e-4 * start);
}

TEST_CASE("Optimizer options are set by name, the others keeping PyTorch's defaults") {
  const SGDOptions sgd = SGDOptions().lr(0.1).nesterov(true).momentum(0.9);
  CHECK(sgd.lr() == 0.1);
  CHECK(sgd.momentum() == 0.9);
  CHECK(sgd.nesterov());
  CHECK(sgd.dampening() == 0.0);
  CHECK(sgd.weight_decay() == 0.0);
  const AdamOptions adam = AdamOptions().weight_decay(0.05).decoupled_weight_decay(true);
  CHECK(adam.lr() == 1e-3);
  CHECK(adam.beta1() == 0.9);
  CHECK(adam.beta2() == 0.999);
  CHECK(adam.eps() == 1e-8);
  CHECK(adam.weight_decay() == 0.05);
  CHECK(adam.decoupled_weight_decay());
}

TEST_CASE("One SGD step with momentum, Nesterov and weight decay matches the formula") {
  Parameter<double> p({2});
  p.value = Tensor<double>({2}, {1.0, -2.0});
  SGD<double> opt({{"p", &p}}, SGDOptions().lr(0.1).momentum(0.9).weight_decay(0.01).nesterov(true));
  p.grad = Tensor<double>({2}, {0.5, 0.25});
  opt.step();
  // g = grad + wd p = (0.51, 0.23); buf = g; nesterov: g + mu buf = 1.9 g; p -= lr * 1.9 g
  CHECK(p.value[0] == Approx(1.0 - 0.1 * 1.9 * 0.51));
  CHECK(p.value[1] == Approx(-2.0 - 0.1 * 1.9 * 0.23));
  const double p0 = p.value[0];
  p.grad = Tensor<double>({2}, {0.5, 0.25});
  opt.step();
  const double g = 0.5 + 0.01 * p0, buf = 0.9 * 0.51 + g;
  CHECK(p.value[0] == Approx(p0 - 0.1 * (g + 0.9 * buf)));
}

TEST_CASE("One Adam step and one AdamW step match the formula") {
  Parameter<double> p({1});
  p.value[0] = 2.0;
  AdamOptions options = AdamOptions().lr(0.01).weight_decay(0.1);
  Adam<double> adam({{"p", &p}}, options);
  p.grad[0] = 0.3;
  adam.step();
  // g = 0.3 + 0.1 * 2 = 0.5; m = 0.05, v = 0.00025; mhat = 0.5, vhat = 0.25; step = lr * 0.5 / (0.5 + eps)
  CHECK(p.value[0] == Approx(2.0 - 0.01 * 0.5 / (0.5 + 1e-8)).epsilon(1e-12));

  Parameter<double> q({1});
  q.value[0] = 2.0;
  options.decoupled_weight_decay(true);
  Adam<double> adamw({{"q", &q}}, options);
  q.grad[0] = 0.3;
  adamw.step();
  // p = 2 * (1 - 0.01 * 0.1) = 1.998, then p -= lr * 0.3 / (0.3 + eps)
  CHECK(q.value[0] == Approx(1.998 - 0.01 * 0.3 / (0.3 + 1e-8)).epsilon(1e-12));
}

TEST_CASE("Learning-rate schedules follow their formulas") {
  Parameter<double> p({1});
  SGD<double> opt({{"p", &p}}, SGDOptions().lr(0.1));
  StepLR<double> step(opt, 2, 0.5);
  step.step();
  CHECK(opt.lr() == Approx(0.1));
  step.step();
  CHECK(opt.lr() == Approx(0.05));
  step.step();
  step.step();
  CHECK(opt.lr() == Approx(0.025));

  SGD<double> opt2({{"p", &p}}, SGDOptions().lr(0.2));
  CosineAnnealingLR<double> cosine(opt2, 10, 0.0);
  for (int i = 0; i < 5; ++i) cosine.step();
  CHECK(opt2.lr() == Approx(0.1));
  for (int i = 0; i < 5; ++i) cosine.step();
  CHECK(opt2.lr() == Approx(0.0).margin(1e-15));
}

TEST_CASE("OneCycleLR steps per batch through PyTorch's rates") {
  // torch 1.13: OneCycleLR(SGD(lr=0.1), max_lr=0.01, total_steps=20, pct_start=0.3, cycle_momentum=False),
  // the rate before the first step and after each of the next 19 (Debian's python3-torch).
  const double torch_rates[] = {0.0003999999999999993,  0.0013167184270002508,  0.003716718427000252,
                                0.006683281572999748,   0.009083281572999747,   0.01,
                                0.009874640062350875,   0.009504846320134737,   0.0089091617757105,
                                0.008117456539497631,   0.007169430017913008,   0.0061126202193628925,
                                0.00500002,             0.003887419780637108,   0.0028306099820869924,
                                0.00188258346050237,    0.0010908782242895004,  0.0004951936798652628,
                                0.00012539993764912555, 4e-08};
  Parameter<double> p({1});
  SGD<double> opt({{"p", &p}}, SGDOptions().lr(0.1));
  OneCycleLR<double> schedule(opt, 0.01, 20);
  CHECK(schedule.interval() == ScheduleInterval::batch);
  for (int t = 0; t < 20; ++t) {
    INFO("step " << t);
    CHECK(opt.lr() == Approx(torch_rates[t]).epsilon(1e-12));
    schedule.step();
  }
  CHECK_THROWS_WITH(OneCycleLR<double>(opt, 0.01, 3), Catch::Contains("3 steps leave no room"));
  CHECK_THROWS_AS(OneCycleLR<double>(opt, 0.01, 100, 1.0), ValueError);
}

TEST_CASE("OneCycleLR given a progress function sets the rate of the progress at each step") {
  Parameter<double> p({1});
  SGD<double> opt({{"p", &p}}, SGDOptions().lr(0.1));
  double progress = 0;
  OneCycleLR<double> schedule(opt, 0.01, [&progress] { return progress; }, 0.25, 10, 100);
  CHECK(opt.lr() == Approx(0.001));  // max_lr / div_factor
  const double expected[][2] = {{0.125, 0.001 + 0.009 * 0.5},  // half way up: the cosine's midpoint
                                {0.25, 0.01},                  // the peak
                                {0.625, 0.01 - (0.01 - 1e-5) * 0.5},
                                {1.0, 1e-5},                   // max_lr / div_factor / final_div_factor
                                {1.5, 1e-5}};                  // and no further
  for (const auto& [at, rate] : expected) {
    INFO("progress " << at);
    progress = at;
    schedule.step();
    CHECK(opt.lr() == Approx(rate).epsilon(1e-12));
  }
  CHECK_THROWS_AS(OneCycleLR<double>(opt, 0.01, std::function<double()>()), ValueError);
}

TEST_CASE("Optimizers update every element of a parameter large enough to be split between threads") {
  set_num_threads(2);
  Rng rng(7);
  const Index n = 300001;  // above the element-wise threshold, not a multiple of the pieces
  const Tensor<double> start = test::random_normal({n}, rng), grad = test::random_normal({n}, rng);
  Parameter<double> sgd_p({n}), adam_p({n});
  sgd_p.value = start;
  adam_p.value = start;
  SGD<double> sgd({{"p", &sgd_p}}, SGDOptions().lr(0.1).momentum(0.9).weight_decay(0.01).nesterov(true));
  Adam<double> adam({{"p", &adam_p}}, AdamOptions().lr(0.01));
  for (int step = 0; step < 2; ++step) {
    sgd_p.grad = grad;
    adam_p.grad = grad;
    sgd.step();
    adam.step();
  }
  double sgd_error = 0, adam_error = 0;
  for (Index i = 0; i < n; ++i) {
    // Two Nesterov steps: g1 = grad + wd p0, buf1 = g1, p1 = p0 - lr (g1 + mu buf1); then
    // g2 = grad + wd p1, buf2 = mu buf1 + g2, p2 = p1 - lr (g2 + mu buf2).
    const double g1 = grad[i] + 0.01 * start[i], p1 = start[i] - 0.1 * (g1 + 0.9 * g1);
    const double g2 = grad[i] + 0.01 * p1, buf2 = 0.9 * g1 + g2, p2 = p1 - 0.1 * (g2 + 0.9 * buf2);
    sgd_error = std::max(sgd_error, std::abs(sgd_p.value[i] - p2));
    // Two Adam steps with the same gradient: mhat = g and vhat = g^2 both times.
    const double adam_p2 = start[i] - 2 * 0.01 * grad[i] / (std::abs(grad[i]) + 1e-8);
    adam_error = std::max(adam_error, std::abs(adam_p.value[i] - adam_p2));
  }
  CHECK(sgd_error < 1e-12);
  CHECK(adam_error < 1e-9);
  adam.zero_grad();
  CHECK((adam_p.grad.array() == 0).all());
}

TEST_CASE("RMSprop and Adagrad minimise a convex quadratic") {
  const Bowl bowl{Tensor<double>({4}, {1, 2, 0.5, 3}), Tensor<double>({4}, {1, -2, 3, 0.5})};
  Parameter<double> p1({4}), p2({4}), p3({4});
  for (auto* p : {&p1, &p2, &p3}) p->value.fill(5.0);
  const double start = bowl.value(p1.value);
  RMSprop<double> rmsprop({{"p", &p1}}, RMSpropOptions().lr(0.01));
  RMSprop<double> centered({{"p", &p2}}, RMSpropOptions().lr(0.005).momentum(0.5).centered(true));
  Adagrad<double> adagrad({{"p", &p3}}, AdagradOptions().lr(1.0));
  CHECK(minimise(rmsprop, p1, bowl, 1500) < 1e-3 * start);
  CHECK(minimise(centered, p2, bowl, 1500) < 1e-3 * start);
  CHECK(minimise(adagrad, p3, bowl, 1500) < 1e-6 * start);
}

TEST_CASE("RMSprop's and Adagrad's options keep torch's defaults") {
  const RMSpropOptions rmsprop;
  CHECK(rmsprop.lr() == 0.01);
  CHECK(rmsprop.alpha() == 0.99);
  CHECK(rmsprop.eps() == 1e-8);
  CHECK(rmsprop.weight_decay() == 0.0);
  CHECK(rmsprop.momentum() == 0.0);
  CHECK_FALSE(rmsprop.centered());
  const AdagradOptions adagrad = AdagradOptions().lr_decay(0.5);
  CHECK(adagrad.lr() == 0.01);
  CHECK(adagrad.lr_decay() == 0.5);
  CHECK(adagrad.weight_decay() == 0.0);
  CHECK(adagrad.initial_accumulator_value() == 0.0);
  CHECK(adagrad.eps() == 1e-10);
  Parameter<double> p({1});
  CHECK_THROWS_AS(RMSprop<double>({{"p", &p}}, RMSpropOptions().alpha(-0.1)), ValueError);
  CHECK_THROWS_AS(Adagrad<double>({{"p", &p}}, AdagradOptions().lr_decay(-1)), ValueError);
}

TEST_CASE("Two RMSprop steps and two Adagrad steps match the formula") {
  Parameter<double> p({1}), q({1});
  p.value[0] = q.value[0] = 2.0;
  RMSprop<double> rmsprop({{"p", &p}}, RMSpropOptions().lr(0.1).alpha(0.5).weight_decay(0.25).momentum(0.5).centered(true));
  Adagrad<double> adagrad({{"q", &q}}, AdagradOptions().lr(0.1).lr_decay(0.5).weight_decay(0.25).initial_accumulator_value(1));
  double v = 0, m = 0, buf = 0, pv = 2.0, sum = 1, qv = 2.0;
  for (int t = 1; t <= 2; ++t) {
    p.grad[0] = q.grad[0] = 0.5 * t;
    rmsprop.step();
    adagrad.step();
    const double g = 0.5 * t + 0.25 * pv;
    v = 0.5 * v + 0.5 * g * g;
    m = 0.5 * m + 0.5 * g;
    buf = 0.5 * buf + g / (std::sqrt(v - m * m) + 1e-8);
    pv -= 0.1 * buf;
    const double h = 0.5 * t + 0.25 * qv;
    sum += h * h;
    qv -= 0.1 / (1 + (t - 1) * 0.5) * h / (std::sqrt(sum) + 1e-10);
    CHECK(p.value[0] == Approx(pv).epsilon(1e-12));
    CHECK(q.value[0] == Approx(qv).epsilon(1e-12));
  }
}

// Saves the optimizer's state after `before` steps, loads it into a fresh optimizer over a copy of the
// parameter and checks that both take the next steps alike: the checkpoint holds every buffer.
template <class Opt, class Options>
void check_state_round_trip(const Options& options, const std::vector<std::string>& entries) {
  Rng rng(3);
  Parameter<double> p({5}), q({5});
  p.value = test::random_normal({5}, rng);
  Opt original({{"p", &p}}, options);
  for (int t = 0; t < 3; ++t) {
    p.grad = test::random_normal({5}, rng);
    original.step();
  }
  StateDict state;
  original.save_state(state, "optimizer.");
  for (const auto& entry : entries) CHECK(state.contains("optimizer." + entry));
  q.value = p.value;
  Opt resumed({{"p", &q}}, options);
  resumed.load_state(state, "optimizer.");
  CHECK(resumed.steps() == 3);
  for (int t = 0; t < 2; ++t) {
    p.grad = q.grad = test::random_normal({5}, rng);
    original.step();
    resumed.step();
  }
  CHECK(max_abs_diff(p.value, q.value) == 0.0);
}

TEST_CASE("RMSprop's and Adagrad's state survives a checkpoint") {
  check_state_round_trip<RMSprop<double>>(RMSpropOptions().momentum(0.9).centered(true),
                                          {"lr", "steps", "square_avg.p", "momentum_buffer.p", "grad_avg.p"});
  check_state_round_trip<Adagrad<double>>(AdagradOptions().lr_decay(0.1).initial_accumulator_value(0.5),
                                          {"lr", "steps", "sum.p"});
}

TEST_CASE("LinearLR, SequentialLR and ReduceLROnPlateau refuse settings torch refuses") {
  Parameter<double> p({1});
  SGD<double> sgd({{"p", &p}}, SGDOptions().lr(0.1));
  CHECK_THROWS_AS(LinearLR<double>(sgd, 0.0), ValueError);
  CHECK_THROWS_AS(LinearLR<double>(sgd, 0.5, 1.5), ValueError);
  auto warmup = std::make_shared<LinearLR<double>>(sgd, 0.5, 1.0, 2);
  auto step = std::make_shared<StepLR<double>>(sgd, 2);
  CHECK_THROWS_WITH(SequentialLR<double>(sgd, {warmup, step}, {}), Catch::Contains("2 schedules need 1 milestones"));
  CHECK_THROWS_AS(SequentialLR<double>(sgd, {warmup, step, warmup}, {3, 3}), ValueError);
  SGD<double> other({{"p", &p}}, SGDOptions().lr(0.1));
  auto elsewhere = std::make_shared<StepLR<double>>(other, 2);
  CHECK_THROWS_WITH(SequentialLR<double>(sgd, {warmup, elsewhere}, {2}), Catch::Contains("another optimizer"));
  auto per_batch = std::make_shared<OneCycleLR<double>>(sgd, 0.1, 100);
  CHECK_THROWS_WITH(SequentialLR<double>(sgd, {warmup, per_batch}, {2}), Catch::Contains("all step per epoch or all per batch"));
  CHECK_THROWS_AS(ReduceLROnPlateau<double>(sgd, ReduceLROnPlateauOptions().mode("lowest")), ValueError);
  CHECK_THROWS_AS(ReduceLROnPlateau<double>(sgd, ReduceLROnPlateauOptions().threshold_mode("relative")), ValueError);
  CHECK_THROWS_AS(ReduceLROnPlateau<double>(sgd, ReduceLROnPlateauOptions().factor(1.0)), ValueError);
  ReduceLROnPlateau<double> plateau(sgd);
  CHECK_THROWS_WITH(plateau.step(), Catch::Contains("step(metric)"));
  CHECK_THROWS_WITH(step->step(0.5), Catch::Contains("takes no metric"));
}

TEST_CASE("SequentialLR starts every schedule from the optimizer's first rate, whatever the later ones set") {
  Parameter<double> p({1});
  SGD<double> sgd({{"p", &p}}, SGDOptions().lr(0.1));
  auto warmup = std::make_shared<LinearLR<double>>(sgd, 0.25, 1.0, 2);  // sets 0.025
  auto one_cycle_like = std::make_shared<LinearLR<double>>(sgd, 0.5, 0.5, 1);  // sets 0.05, from base 0.1
  SequentialLR<double> chain(sgd, {warmup, one_cycle_like}, {2});
  CHECK(sgd.lr() == Approx(0.025));
  chain.step();
  CHECK(sgd.lr() == Approx(0.1 * (0.25 + 0.75 / 2)));
  chain.step();  // the milestone: the second schedule at its t = 0
  CHECK(sgd.lr() == Approx(0.05));
}

TEST_CASE("SequentialLR's and ReduceLROnPlateau's state survives a checkpoint") {
  auto run = [](SGD<double>& sgd, LrScheduler<double>& schedule, int epochs, int first) {
    for (int e = first; e < first + epochs; ++e) {
      if (schedule.takes_metric()) {
        schedule.step(e < 2 ? 1.0 - 0.1 * e : 1.0);  // improves twice, then stalls
      } else {
        schedule.step();
      }
    }
    return sgd.lr();
  };
  auto sequential = [](SGD<double>& sgd) {
    auto warmup = std::make_shared<LinearLR<double>>(sgd, 0.5, 1.0, 2);
    auto step = std::make_shared<StepLR<double>>(sgd, 2, 0.5);
    return std::make_unique<SequentialLR<double>>(sgd, SequentialLR<double>::Schedules{warmup, step},
                                                  std::vector<long long>{2});
  };
  auto plateau = [](SGD<double>& sgd) {
    return std::make_unique<ReduceLROnPlateau<double>>(sgd, ReduceLROnPlateauOptions().patience(1).cooldown(1));
  };
  for (int kind = 0; kind < 2; ++kind) {
    INFO((kind == 0 ? "SequentialLR" : "ReduceLROnPlateau"));
    Parameter<double> p({1});
    SGD<double> whole_sgd({{"p", &p}}, SGDOptions().lr(0.1)), first_sgd({{"p", &p}}, SGDOptions().lr(0.1)),
        resumed_sgd({{"p", &p}}, SGDOptions().lr(0.1));
    std::unique_ptr<LrScheduler<double>> whole, first, resumed;
    if (kind == 0) {
      whole = sequential(whole_sgd), first = sequential(first_sgd), resumed = sequential(resumed_sgd);
    } else {
      whole = plateau(whole_sgd), first = plateau(first_sgd), resumed = plateau(resumed_sgd);
    }
    const double expected = run(whole_sgd, *whole, 9, 0);
    run(first_sgd, *first, 3, 0);
    StateDict state;
    first_sgd.save_state(state, "optimizer.");
    first->save_state(state, "schedule.");
    resumed_sgd.load_state(state, "optimizer.");
    resumed->load_state(state, "schedule.");
    CHECK(run(resumed_sgd, *resumed, 6, 3) == expected);
    CHECK(expected < 0.1);  // the schedule did change the rate
  }
}
