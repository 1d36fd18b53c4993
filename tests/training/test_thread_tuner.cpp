// ThreadTuner on a simulated machine whose speed depends on the threads running and on a competing load,
// and on a fake clock that the simulated steps move on: it keeps every thread on an idle machine, probing
// rarely; it takes fewer threads soon after another program takes a core, and all of them again soon
// after it leaves; and it lifts its limit when it ends.
#include <catch2/catch.hpp>
#include <fnn/fnn.hpp>
#include <functional>

using namespace fnn;
using train::ThreadTuner;

namespace {

// Samples per second with `threads` running, as a function of the simulated time.
using Speed = std::function<double(int threads, double now)>;

struct SimulatedRun {
  double now = 100;  // the fake clock, from an arbitrary origin
  double seconds_at[9] = {};  // seconds trained with each count of threads running
  long long samples = 0;

  int steps_per_pass = 200;

  // Steps of 64 samples until `until` on the fake clock, in passes of steps_per_pass steps.
  void train(ThreadTuner& tuner, const Speed& speed, double until) {
    while (now < until) {
      tuner.start_pass();
      for (long long pass_samples = 64; pass_samples <= steps_per_pass * 64 && now < until; pass_samples += 64) {
        const int threads = active_threads();
        const double step = 64 / speed(threads, now);
        now += step;
        seconds_at[threads] += step;
        samples += 64;
        tuner.step_done(pass_samples);
      }
      now += 1;  // an evaluation between passes, which the tuner must not count
    }
  }
};

// Two cores; another program takes one of them between `from` and `to`. Idle, one thread is 0.55 of two;
// loaded, two threads wait for the one that shares its core (0.3 of idle) and one thread keeps its 0.55.
Speed two_cores(double from = 1e300, double to = 1e300) {
  return [=](int threads, double now) {
    const bool loaded = now >= from && now < to;
    if (threads == 1) return 550.0;
    return loaded ? 300.0 : 1000.0;
  };
}

}  // namespace

TEST_CASE("ThreadTuner keeps every thread on an idle machine and probes it rarely") {
  set_num_threads(2);
  SimulatedRun run;
  {
    ThreadTuner tuner([&] { return run.now; });
    run.train(tuner, two_cores(), run.now + 600);
    CHECK(tuner.threads() == 2);
    // Probes back off to one window in max_interval: about 1% of the time on one thread (0.55 of the speed).
    CHECK(run.seconds_at[1] < 0.02 * 600);
    CHECK(run.seconds_at[1] > 0);  // it did probe
  }
  CHECK(active_threads() == 2);
}

TEST_CASE("ThreadTuner runs one thread while another program takes a core, and two when it leaves") {
  set_num_threads(2);
  SimulatedRun run;
  const double load_from = run.now + 300, load_to = run.now + 600;
  ThreadTuner tuner([&] { return run.now; });
  run.train(tuner, two_cores(load_from, load_to), load_from);
  CHECK(tuner.threads() == 2);
  const double before_load = run.seconds_at[1];
  run.train(tuner, two_cores(load_from, load_to), load_from + 5);
  CHECK(tuner.threads() == 1);  // a slower window calls a probe at once: one thread within seconds
  run.train(tuner, two_cores(load_from, load_to), load_to);
  CHECK(tuner.threads() == 1);
  CHECK(run.seconds_at[1] - before_load > 0.9 * (load_to - load_from));  // while loaded, mostly one thread
  // Once the load leaves, one thread runs as fast as before: only a probe finds two faster again, at the
  // latest after max_interval windows.
  run.train(tuner, two_cores(load_from, load_to),
            load_to + 2 * ThreadTuner::max_interval * ThreadTuner::window_seconds + 10);
  CHECK(tuner.threads() == 2);
}

TEST_CASE("ThreadTuner measures across passes shorter than its window") {
  set_num_threads(2);
  SimulatedRun run;
  run.steps_per_pass = 2;  // 0.13 s of steps, then a second of evaluation
  ThreadTuner tuner([&] { return run.now; });
  run.train(tuner, two_cores(run.now), run.now + 300);
  CHECK(tuner.threads() == 1);
  set_num_threads(2);
}

TEST_CASE("ThreadTuner finds the best count among several threads by steps of one") {
  set_num_threads(4);
  SimulatedRun run;
  // Four threads on four cores, one taken: three threads are fastest.
  const Speed speed = [](int threads, double) {
    const double rates[] = {0, 300, 560, 800, 420};
    return rates[threads];
  };
  ThreadTuner tuner([&] { return run.now; });
  run.train(tuner, speed, run.now + 300);
  CHECK(tuner.threads() == 3);
  CHECK(run.seconds_at[3] > 0.9 * 300);
  set_num_threads(2);
}

TEST_CASE("ThreadTuner with one thread changes nothing") {
  set_num_threads(1);
  SimulatedRun run;
  ThreadTuner tuner([&] { return run.now; });
  run.train(tuner, two_cores(), run.now + 60);
  CHECK(tuner.threads() == 1);
  CHECK(active_threads() == 1);
  set_num_threads(2);
}
