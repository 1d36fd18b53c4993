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
