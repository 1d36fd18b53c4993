// fnn_throughput: how fast fnn trains and runs one seed model, measured as benchmarks/pytorch/throughput.py
// measures PyTorch, and printed as one JSON object for benchmarks/compare.py.
//   train_images_per_second      --passes passes (1 unless given) over the first --images training images
//                                at the seed's batch size: shuffling, conversion to float, forward, loss,
//                                backward, optimizer
//   inference_images_per_second  forward passes over a batch of 1000 test images in eval mode (median)
//   latency_us                   one test image through the model in eval mode (median)
//   train_peak_rss_mb            the process's peak resident memory after training (before inference)
//   peak_rss_mb                  the process's peak resident memory at the end
//   matmul_precision             the precision the float products took (--matmul-precision bfloat16 is
//                                float32 in a build without AVX512-BF16)
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <vector>

#include "common/seed_models.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// The first `n` images of a data set (all of them when n is 0 or larger than the set).
fnn::data::Dataset first_images(const fnn::data::Dataset& all, fnn::Index n) {
  if (n <= 0 || n >= all.size()) return all;
  const auto pixels = static_cast<std::ptrdiff_t>(n * all.image_size());
  std::vector<std::uint8_t> images(all.pixels().begin(), all.pixels().begin() + pixels);
  std::vector<std::int32_t> labels;
  for (fnn::Index i = 0; i < n; ++i) labels.push_back(all.label(i));
  return fnn::data::Dataset(std::move(images), std::move(labels), all.rows(), all.cols());
}

// Median seconds of `repeats` calls of `run` (after one untimed call).
template <class F>
double median_seconds(int repeats, F&& run) {
  run();
  std::vector<double> times;
  for (int r = 0; r < repeats; ++r) {
    const auto start = Clock::now();
    run();
    times.push_back(seconds_since(start));
  }
  return median(times);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Training and inference throughput of one seed model (JSON on stdout)", "fnn_throughput");
  std::string model_name, data_dir = fnn::data::default_data_dir();
  int threads = 2, inference_repeats = 20, latency_repeats = 2000;
  fnn::Index images = 0;
  std::string names;
  for (const auto& m : bench::seed_models()) names += " " + m.name;
  app.add_option("--model", model_name, "One of:" + names)->required();
  app.add_option("--threads", threads, "Threads")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--images", images, "Training images in the timed pass (0: the whole training set)")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  app.add_option("--inference-repeats", inference_repeats, "Timed batches of 1000")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--latency-repeats", latency_repeats, "Timed single images")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  app.add_option("--data", data_dir, "Fashion-MNIST folder")->capture_default_str();
  std::string precision = "float32";
  app.add_option("--matmul-precision", precision, "Operands of the float products")
      ->capture_default_str()
      ->check(CLI::IsMember({"float32", "bfloat16"}));
  int passes = 1;
  app.add_option("--passes", passes, "Timed training passes over the --images")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  bool fixed_threads = false;
  app.add_flag("--fixed-threads", fixed_threads,
               "Train on every thread throughout (fnn::train::fit's default follows the load: ThreadTuner)");
  CLI11_PARSE(app, argc, argv);

  try {
    const bench::SeedModel& spec = bench::seed_model(model_name);
    fnn::set_num_threads(threads);
    fnn::set_float32_matmul_precision(precision == "bfloat16" ? fnn::MatmulPrecision::bfloat16
                                                               : fnn::MatmulPrecision::float32);
    const fnn::data::Dataset train = first_images(fnn::data::load_fashion_mnist(data_dir, true), images);
    const fnn::data::Dataset test = fnn::data::load_fashion_mnist(data_dir, false);
    bench::Trainer trainer(spec, 1);

    fnn::Rng rng(1);
    fnn::data::LoaderOptions options;
    options.batch_size = spec.batch_size;
    options.shuffle = true;
    fnn::data::DataLoader<float> train_loader(train, options, rng);
    const fnn::data::Dataset warm_up = first_images(train, 20 * spec.batch_size);
    fnn::data::DataLoader<float> warm_up_loader(warm_up, options, rng);
    trainer.train_epoch(warm_up_loader);  // first-touch allocation of every buffer
    std::optional<fnn::train::ThreadTuner> tuner;
    if (!fixed_threads) tuner.emplace();
    const auto start = Clock::now();
    long long trained = 0;
    fnn::train::PassResult pass;
    for (int p = 0; p < passes; ++p) {
      pass = trainer.train_epoch(train_loader, nullptr, tuner ? &*tuner : nullptr);
      trained += pass.count;
    }
    const double train_seconds = seconds_since(start);
    tuner.reset();  // inference on every thread
    const double train_peak_mb = fnn::train::peak_resident_mb();

    auto& model = trainer.model();
    model.eval();
    fnn::data::LoaderOptions eval_options;
    eval_options.batch_size = 1000;
    fnn::data::DataLoader<float> test_loader(test, eval_options);
    fnn::data::Batch<float> batch;
    test_loader.start_epoch();
    test_loader.next(batch);
    const double batch_seconds = median_seconds(inference_repeats, [&] { model.forward(batch.inputs); });
    fnn::Tensor<float> one({1, 1, 28, 28});
    std::copy(batch.inputs.data(), batch.inputs.data() + one.numel(), one.data());
    const double single_seconds = median_seconds(latency_repeats, [&] { model.forward(one); });

    const nlohmann::json result{
        {"framework", "fnn"},
        {"model", spec.name},
        {"threads", threads},
        {"batch_size", spec.batch_size},
        {"train_images", trained},
        {"train_accuracy", pass.accuracy},  // of the last pass
        {"train_images_per_second", static_cast<double>(trained) / train_seconds},
        {"inference_images_per_second", 1000.0 / batch_seconds},
        {"latency_us", single_seconds * 1e6},
        {"train_peak_rss_mb", train_peak_mb},
        {"peak_rss_mb", fnn::train::peak_resident_mb()},
        {"matmul_precision", fnn::to_string(fnn::float32_matmul_precision_in_use())},
    };
    std::printf("%s\n", result.dump().c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fnn_throughput: %s\n", e.what());
    return 1;
  }
  return 0;
}
