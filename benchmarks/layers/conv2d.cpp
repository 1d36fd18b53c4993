// Conv2d forward and backward at the seed models' shapes (their batch sizes), 1 and 2 threads. Each shape is first
// checked against the direct convolution in double (common/reference.hpp).
#include "common/bench_util.hpp"
#include "common/reference.hpp"

namespace {

using bench::reference::ConvShape;

// The convolutions of the seed models: LeNet-like (batch 20), seed 002's CNN (75), VGG-like (64).
const ConvShape shapes[] = {
    {20, 1, 28, 28, 6, 5, 0},  {20, 6, 12, 12, 12, 5, 0},  {75, 1, 28, 28, 20, 5, 0},  {75, 20, 12, 12, 50, 5, 0},
    {64, 1, 28, 28, 32, 3, 1}, {64, 32, 28, 28, 32, 3, 1}, {64, 32, 14, 14, 64, 3, 1}, {64, 64, 14, 14, 64, 3, 1},
};

struct ConvFixture {
  ConvShape s;
  fnn::Rng rng{7};
  fnn::Conv2d<float> conv;
  fnn::Tensor<float> x, dy;

  explicit ConvFixture(const ConvShape& shape)
      : s(shape),
        conv(s.c, s.o, s.k, rng, 1, s.pad),
        x(bench::random_tensor({s.n, s.c, s.h, s.w}, 1)),
        dy(bench::random_tensor({s.n, s.o, s.ho(), s.wo()}, 2)) {}

  bool forward_matches(benchmark::State& state) {
    const auto expected = bench::reference::conv_forward(s, x, conv.weight().value, conv.bias().value);
    return bench::matches_reference(state, "forward", conv.forward(x), expected);
  }

  bool backward_matches(benchmark::State& state) {
    fnn::Tensor<double> dx, dweight;
    bench::reference::conv_backward(s, x, conv.weight().value, dy, dx, dweight);
    conv.forward(x);
    conv.zero_grad();
    return bench::matches_reference(state, "input gradient", conv.backward(dy), dx) &&
           bench::matches_reference(state, "weight gradient", conv.weight().grad, dweight);
  }
};

void label(benchmark::State& state, const ConvShape& s) {
  state.SetLabel("N" + std::to_string(s.n) + " " + std::to_string(s.c) + "->" + std::to_string(s.o) + " k" +
                 std::to_string(s.k) + " " + std::to_string(s.h) + "x" + std::to_string(s.w));
}

void BM_Conv2dForward(benchmark::State& state) {
  ConvFixture f(shapes[state.range(0)]);
  bench::threads_argument(state, 1);
  label(state, f.s);
  if (!f.forward_matches(state)) return;
  for (auto _ : state) benchmark::DoNotOptimize(f.conv.forward(f.x).data());
  bench::set_gflops(state, f.s.flops());
}

// Backward alone (after one forward): dW, db and dx, twice the forward's multiply-adds.
void BM_Conv2dBackward(benchmark::State& state) {
  ConvFixture f(shapes[state.range(0)]);
  bench::threads_argument(state, 1);
  label(state, f.s);
  if (!f.backward_matches(state)) return;
  f.conv.forward(f.x);
  for (auto _ : state) benchmark::DoNotOptimize(f.conv.backward(f.dy).data());
  bench::set_gflops(state, 2 * f.s.flops());
}

}  // namespace

BENCHMARK(BM_Conv2dForward)->Apply(bench::shape_and_thread_arguments<std::size(shapes)>);
BENCHMARK(BM_Conv2dBackward)->Apply(bench::shape_and_thread_arguments<std::size(shapes)>);
