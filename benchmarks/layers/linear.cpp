// Linear forward and backward at the seed models' shapes (their batch sizes), 1 and 2 threads, each checked against the
// plain loops in double first.
#include "common/bench_util.hpp"
#include "common/reference.hpp"

namespace {

struct LinearShape {
  fnn::Index n, in, out;
  double flops() const { return 2.0 * static_cast<double>(n * in * out); }
};

// LeNet-like's first dense layer, the MLPs' layers, seed 002's and the VGG-like's hidden layers.
const LinearShape shapes[] = {{20, 192, 120}, {64, 784, 128}, {64, 128, 64}, {75, 800, 500}, {64, 3136, 512}};

struct LinearFixture {
  LinearShape s;
  fnn::Rng rng{7};
  fnn::Linear<float> linear;
  fnn::Tensor<float> x, dy;

  explicit LinearFixture(const LinearShape& shape)
      : s(shape),
        linear(s.in, s.out, rng),
        x(bench::random_tensor({s.n, s.in}, 1)),
        dy(bench::random_tensor({s.n, s.out}, 2)) {}

  bool matches(benchmark::State& state) {
    fnn::Tensor<double> dx, dweight;
    bench::reference::linear_backward(x, linear.weight().value, dy, dx, dweight);
    const auto y = bench::reference::linear_forward(x, linear.weight().value, linear.bias().value);
    linear.zero_grad();
    return bench::matches_reference(state, "forward", linear.forward(x), y) &&
           bench::matches_reference(state, "input gradient", linear.backward(dy), dx) &&
           bench::matches_reference(state, "weight gradient", linear.weight().grad, dweight);
  }
};

void label(benchmark::State& state, const LinearShape& s) {
  state.SetLabel("N" + std::to_string(s.n) + " " + std::to_string(s.in) + "->" + std::to_string(s.out));
}

void BM_LinearForward(benchmark::State& state) {
  LinearFixture f(shapes[state.range(0)]);
  bench::threads_argument(state, 1);
  label(state, f.s);
  if (!f.matches(state)) return;
  for (auto _ : state) benchmark::DoNotOptimize(f.linear.forward(f.x).data());
  bench::set_gflops(state, f.s.flops());
}

void BM_LinearBackward(benchmark::State& state) {
  LinearFixture f(shapes[state.range(0)]);
  bench::threads_argument(state, 1);
  label(state, f.s);
  if (!f.matches(state)) return;
  f.linear.forward(f.x);
  for (auto _ : state) benchmark::DoNotOptimize(f.linear.backward(f.dy).data());
  bench::set_gflops(state, 2 * f.s.flops());
}

}  // namespace

BENCHMARK(BM_LinearForward)->Apply(bench::shape_and_thread_arguments<std::size(shapes)>);
BENCHMARK(BM_LinearBackward)->Apply(bench::shape_and_thread_arguments<std::size(shapes)>);
