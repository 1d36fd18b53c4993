// fnn_distributed_bench: what data-parallel training costs on the processes mpirun starts, for each seed
// model, printed by rank 0 as one JSON object for benchmarks/distributed/measure.py:
//   allreduce_ms             median time of one all-reduce of the model's gradients (as many floats as it
//                            has trainable parameters) through MpiCommunicator; allreduce_fastest_ms the
//                            fastest, what it costs when no other program holds the cores
//   exchange_ms              median time of GradientAverager::average, what every step adds: the gradients
//                            copied into one bucket, the all-reduce, and the copy back; exchange_fastest_ms
//   train_images_per_second  one data-parallel pass over the first --images training images at the seed's
//                            global batch size, every process training its part, as fit trains it
//   mpirun -np 2 fnn_distributed_bench    # or -np 1 --bind-to none ... --threads 2 for one process
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fnn/distributed/mpi.hpp>
#include <nlohmann/json.hpp>
#include <vector>

#include "common/seed_models.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// Milliseconds of `repeats` calls of `run` on rank 0, every call started together on every process (a
// barrier first), after one untimed call: the median and the fastest (what a call costs when no other
// program holds the cores the processes wait on).
struct Timing {
  double median_ms, fastest_ms;
};
template <class F>
Timing time_ms(fnn::distributed::Communicator& world, int repeats, F&& run) {
  run();
  std::vector<double> times;
  for (int r = 0; r < repeats; ++r) {
    world.barrier();
    const auto start = Clock::now();
    run();
    times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  return {median(times), *std::min_element(times.begin(), times.end())};
}

// The first `n` images of a data set.
fnn::data::Dataset first_images(const fnn::data::Dataset& all, fnn::Index n) {
  n = std::min(n, all.size());
  std::vector<std::uint8_t> images(all.pixels().begin(),
                                   all.pixels().begin() + static_cast<std::ptrdiff_t>(n * all.image_size()));
  std::vector<std::int32_t> labels;
  for (fnn::Index i = 0; i < n; ++i) labels.push_back(all.label(i));
  return fnn::data::Dataset(std::move(images), std::move(labels), all.rows(), all.cols());
}

nlohmann::json measure(const bench::SeedModel& spec, const fnn::data::Dataset& train,
                       fnn::distributed::MpiCommunicator& world, int repeats) {
  bench::Trainer trainer(spec, 1);
  const auto params = trainer.model().parameters();
  std::size_t gradients = 0;
  for (const auto& p : params) {
    if (p.parameter->requires_grad) gradients += static_cast<std::size_t>(p.parameter->grad.numel());
  }
  std::vector<float> bucket(gradients, 1.0f);
  const Timing allreduce = time_ms(world, repeats, [&] { world.all_reduce_sum(bucket.data(), bucket.size()); });
  fnn::distributed::GradientAverager<float> averager(params, world);
  const Timing exchange =
      time_ms(world, repeats, [&] { averager.average(spec.batch_size / world.size(), spec.batch_size); });

  fnn::Rng rng(1);
  fnn::data::LoaderOptions options;
  options.batch_size = spec.batch_size;
  options.shuffle = true;
  const fnn::data::Dataset warm_up_images = first_images(train, 10 * spec.batch_size);
  fnn::data::DataLoader<float> warm_up(warm_up_images, options, rng);
  fnn::data::DataLoader<float> loader(train, options, rng);
  warm_up.shard(world.rank(), world.size());
  loader.shard(world.rank(), world.size());
  fnn::distributed::synchronise_replicas(trainer.model(), world);
  trainer.train_epoch(warm_up, &world);  // first-touch allocation of every buffer
  world.barrier();
  const auto start = Clock::now();
  const fnn::train::PassResult pass = trainer.train_epoch(loader, &world);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return {{"model", spec.name},
          {"batch_size", spec.batch_size},
          {"parameters", gradients},
          {"gradient_bytes", gradients * sizeof(float)},
          {"allreduce_ms", allreduce.median_ms},
          {"allreduce_fastest_ms", allreduce.fastest_ms},
          {"exchange_ms", exchange.median_ms},
          {"exchange_fastest_ms", exchange.fastest_ms},
          {"train_images", pass.count},
          {"train_images_per_second", static_cast<double>(pass.count) / seconds}};
}

}  // namespace

int main(int argc, char** argv) {
  fnn::distributed::MpiSession session(argc, argv);
  CLI::App app("The cost of data-parallel training of the seed models (JSON on rank 0's stdout)",
               "fnn_distributed_bench");
  std::vector<std::string> models;
  for (const auto& m : bench::seed_models()) models.push_back(m.name);
  int threads = 1, repeats = 30;
  fnn::Index images = 6400;
  std::string data_dir = fnn::data::default_data_dir();
  app.add_option("--models", models, "Seed models")->capture_default_str();
  app.add_option("--threads", threads, "OpenMP threads per process")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--images", images, "Training images in the timed pass")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--repeats", repeats, "Timed all-reduces per model")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--data", data_dir, "Fashion-MNIST folder")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    fnn::distributed::MpiCommunicator world;
    fnn::set_num_threads(threads);
    const fnn::data::Dataset train = first_images(fnn::data::load_fashion_mnist(data_dir, true), images);
    nlohmann::json result{{"ranks", world.size()}, {"threads", threads}, {"models", nlohmann::json::array()}};
    for (const std::string& name : models)
      result["models"].push_back(measure(bench::seed_model(name), train, world, repeats));
    if (world.rank() == 0) std::printf("%s\n", result.dump().c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fnn_distributed_bench: %s\n", e.what());
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
  return 0;
}
