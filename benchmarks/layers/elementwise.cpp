// The memory-bound layers at the VGG-like model's shapes (batch 64): ReLU, MaxPool2d and BatchNorm2d, forward and
// backward, in GB/s of tensor traffic (input read, output written; backward also reads the output gradient). MaxPool2d
// and BatchNorm2d are first checked against plain loops in double.
#include <algorithm>
#include <cmath>

#include "common/bench_util.hpp"

namespace {

struct MapShape {
  fnn::Index n, c, h, w;
  fnn::Shape shape() const { return {n, c, h, w}; }
  double bytes() const { return static_cast<double>(n * c * h * w) * sizeof(float); }
};

const MapShape shapes[] = {{64, 32, 28, 28}, {64, 64, 14, 14}};

fnn::Tensor<double> max_pool_reference(const fnn::Tensor<float>& x) {
  const fnn::Index n = x.size(0), c = x.size(1), ho = x.size(2) / 2, wo = x.size(3) / 2;
  fnn::Tensor<double> y({n, c, ho, wo});
  for (fnn::Index a = 0; a < n; ++a)
    for (fnn::Index b = 0; b < c; ++b)
      for (fnn::Index i = 0; i < ho; ++i)
        for (fnn::Index j = 0; j < wo; ++j)
          y(a, b, i, j) = std::max({x(a, b, 2 * i, 2 * j), x(a, b, 2 * i, 2 * j + 1), x(a, b, 2 * i + 1, 2 * j),
                                    x(a, b, 2 * i + 1, 2 * j + 1)});
  return y;
}

// Training-mode batch normalisation with unit weight and zero bias: each channel standardised with its batch mean and
// (biased) variance.
fnn::Tensor<double> batch_norm_reference(const fnn::Tensor<float>& x, double eps) {
  const fnn::Index n = x.size(0), c = x.size(1), plane = x.size(2) * x.size(3);
  fnn::Tensor<double> y(x.shape());
  for (fnn::Index b = 0; b < c; ++b) {
    double sum = 0, sum_sq = 0;
    for (fnn::Index a = 0; a < n; ++a)
      for (fnn::Index p = 0; p < plane; ++p) sum += x[(a * c + b) * plane + p];
    const double mean = sum / static_cast<double>(n * plane);
    for (fnn::Index a = 0; a < n; ++a)
      for (fnn::Index p = 0; p < plane; ++p) sum_sq += std::pow(x[(a * c + b) * plane + p] - mean, 2);
    const double scale = 1 / std::sqrt(sum_sq / static_cast<double>(n * plane) + eps);
    for (fnn::Index a = 0; a < n; ++a)
      for (fnn::Index p = 0; p < plane; ++p) y[(a * c + b) * plane + p] = (x[(a * c + b) * plane + p] - mean) * scale;
  }
  return y;
}

fnn::Tensor<double> relu_reference(const fnn::Tensor<float>& x) {
  fnn::Tensor<double> y(x.shape());
  for (fnn::Index i = 0; i < x.numel(); ++i) y[i] = std::max(0.0f, x[i]);
  return y;
}

// Times forward (or forward then backward) of `layer` on a random map of the shape, after checking its forward against
// `reference`. Traffic: forward reads the input and writes its output; backward reads the output gradient and writes
// the input gradient.
template <class L, class Reference>
void run(benchmark::State& state, L& layer, bool backward, Reference&& reference) {
  const MapShape s = shapes[state.range(0)];
  bench::threads_argument(state, 1);
  const auto x = bench::random_tensor(s.shape(), 1);
  if (!bench::matches_reference(state, "forward", layer.forward(x), reference(x))) return;
  const auto dy = bench::random_tensor(layer.forward(x).shape(), 2);
  const double traffic = s.bytes() + static_cast<double>(dy.numel()) * sizeof(float);
  for (auto _ : state) {
    if (backward) {
      benchmark::DoNotOptimize(layer.backward(dy).data());
    } else {
      benchmark::DoNotOptimize(layer.forward(x).data());
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(traffic * static_cast<double>(state.iterations())));
}

void BM_ReLU(benchmark::State& state) {
  fnn::ReLU<float> relu;
  run(state, relu, state.range(2) != 0, relu_reference);
}

void BM_MaxPool2d(benchmark::State& state) {
  fnn::MaxPool2d<float> pool(2);
  run(state, pool, state.range(2) != 0, max_pool_reference);
}

void BM_BatchNorm2d(benchmark::State& state) {
  fnn::BatchNorm2d<float> norm(shapes[state.range(0)].c);
  run(state, norm, state.range(2) != 0, [](const fnn::Tensor<float>& x) { return batch_norm_reference(x, 1e-5); });
}

void arguments(benchmark::internal::Benchmark* b) {
  b->ArgNames({"shape", "threads", "backward"});
  for (long i = 0; i < static_cast<long>(std::size(shapes)); ++i)
    for (long backward : {0, 1})
      for (long threads : {1, 2}) b->Args({i, threads, backward});
  b->Unit(benchmark::kMicrosecond)->UseRealTime();
}

}  // namespace

BENCHMARK(BM_ReLU)->Apply(arguments);
BENCHMARK(BM_MaxPool2d)->Apply(arguments);
BENCHMARK(BM_BatchNorm2d)->Apply(arguments);
