// Whole steps of the five seed models (common/seed_models.hpp), 1 and 2 threads:
//   BM_TrainStep   forward, loss, backward and optimizer step on one batch of the seed's batch size
//   BM_Inference   a forward pass in eval mode over a batch of 1000 images
// The batches hold random pixels scaled to [0, 1]; the data pipeline is in fnn_throughput's figures.
#include "common/bench_util.hpp"
#include "common/seed_models.hpp"

namespace {

const bench::SeedModel& model_argument(const benchmark::State& state) {
  return bench::seed_models()[static_cast<std::size_t>(state.range(0))];
}

fnn::Tensor<float> random_images(fnn::Index n) {
  auto images = bench::random_tensor({n, 1, 28, 28}, 3);
  images.array() = images.array().abs();
  return images;
}

void BM_TrainStep(benchmark::State& state) {
  const auto& spec = model_argument(state);
  bench::threads_argument(state, 1);
  state.SetLabel(spec.name + " batch " + std::to_string(spec.batch_size));
  bench::Trainer trainer(spec, 1);
  const auto images = random_images(spec.batch_size);
  fnn::Targets labels(static_cast<std::size_t>(spec.batch_size));
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<std::int32_t>(i % 10);
  trainer.step(images, labels);
  for (auto _ : state) benchmark::DoNotOptimize(trainer.step(images, labels));
  bench::set_images_per_second(state, static_cast<double>(spec.batch_size));
}

void BM_Inference(benchmark::State& state) {
  const auto& spec = model_argument(state);
  bench::threads_argument(state, 1);
  state.SetLabel(spec.name + " batch 1000");
  bench::Trainer trainer(spec, 1);
  trainer.model().eval();
  const auto images = random_images(1000);
  trainer.model().forward(images);
  for (auto _ : state) benchmark::DoNotOptimize(trainer.model().forward(images).data());
  bench::set_images_per_second(state, 1000);
}

}  // namespace

BENCHMARK(BM_TrainStep)->Apply(bench::shape_and_thread_arguments<5>);
BENCHMARK(BM_Inference)->Apply(bench::shape_and_thread_arguments<5>);
