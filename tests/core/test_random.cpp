#include <catch2/catch.hpp>
#include <fnn/fnn.hpp>
#include <set>

TEST_CASE("Rng is reproducible from its seed and differs between seeds") {
  fnn::Rng a(42), b(42), c(43);
  for (int i = 0; i < 100; ++i) {
    const auto x = a.next();
    CHECK(x == b.next());
    CHECK(x != c.next());
  }
}

TEST_CASE("Rng state can be saved and restored") {
  fnn::Rng a(7);
  a.next();
  const auto state = a.state();
  const double first = a.uniform();
  a.set_state(state);
  CHECK(a.uniform() == first);
}

TEST_CASE("Rng distributions have the right range and moments") {
  fnn::Rng rng(1);
  const int n = 200000;
  double sum = 0, sum_sq = 0, usum = 0;
  std::vector<int> counts(7, 0);
  for (int i = 0; i < n; ++i) {
    const double z = rng.normal();
    sum += z;
    sum_sq += z * z;
    const double u = rng.uniform();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    usum += u;
    const auto k = rng.below(7);
    REQUIRE(k < 7);
    ++counts[k];
  }
  CHECK(sum / n == Approx(0.0).margin(0.01));
  CHECK(sum_sq / n == Approx(1.0).epsilon(0.01));
  CHECK(usum / n == Approx(0.5).epsilon(0.01));
  for (int c : counts) CHECK(c == Approx(n / 7.0).epsilon(0.03));
}

TEST_CASE("Rng forks are independent streams fixed by the parent seed") {
  fnn::Rng a(5), b(5);
  fnn::Rng fa = a.fork(), fb = b.fork();
  CHECK(fa.next() == fb.next());
  CHECK(fa.next() != a.next());
}

// The values of the xoshiro authors' reference jump, run in an independent (Python) implementation.
TEST_CASE("Rng::jump advances by 2^128 draws as the reference jump does") {
  fnn::Rng rng(42);
  rng.jump();
  CHECK(rng.next() == 0x50086ef83cbf4f4aULL);
  rng.jump();
  CHECK(rng.next() == 0x1f591f213a3cb979ULL);
}
