#pragma once
// What every example program shares and the library does not need: command-line flags (CLI11), error
// reporting with exit status 2, the run's output folder, and its summary.json (nlohmann/json).
#include <CLI/CLI.hpp>
#include <filesystem>
#include <fnn/fnn.hpp>
#include <fstream>
#include <functional>
#include <memory>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

namespace example {

// The settings every training example takes, with the seed's values as defaults.
struct Settings {
  int epochs = 1;
  fnn::Index batch_size = 64;
  double lr = 0.01;
  std::uint64_t seed = 1;
  int threads = fnn::num_threads();
  std::string data_dir = fnn::data::default_data_dir();
  std::string out_dir;
  bool quick = false;   // a small subset for one epoch (unless --epochs is given): the smoke test
  bool epochs_given = false;
  bool cosine = false;  // fnn's improvement: cosine learning-rate schedule over the run
  bool resume = false;  // continue from the checkpoint in the output folder
  bool finite_checks = true;
};

inline void add_settings_flags(CLI::App& app, Settings& s) {
  app.add_option("--epochs", s.epochs, "Training epochs")
      ->capture_default_str()
      ->check(CLI::PositiveNumber)
      ->each([&s](const std::string&) { s.epochs_given = true; });
  app.add_option("--batch-size", s.batch_size, "Mini-batch size")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--lr", s.lr, "Learning rate")->capture_default_str()->check(CLI::NonNegativeNumber);
  app.add_option("--seed", s.seed, "Seed of every random draw")->capture_default_str();
  app.add_option("--threads", s.threads, "OpenMP threads")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--data", s.data_dir, "Fashion-MNIST folder (or set FNN_DATA)")->capture_default_str();
  app.add_option("--out", s.out_dir, "Output folder for the model, history and summary")->capture_default_str();
  app.add_flag("--quick", s.quick, "Smoke test: 2,000 training and 1,000 test images, one epoch unless --epochs");
  app.add_flag("--cosine", s.cosine, "Cosine learning-rate schedule from --lr down to 0 over the epochs");
  app.add_flag("--resume", s.resume,
               "Continue the run from its checkpoint in the output folder (saved after every epoch) up to --epochs");
  app.add_flag("--finite-checks,!--no-finite-checks", s.finite_checks,
               "Stop at the first NaN or infinity in any layer's output or gradient (default; the loss is always checked)");
}

// Parses the flags and runs `body`. A bad flag prints one line and the usage; any fnn error prints one
// line; both exit with status 2.
inline int run(CLI::App& app, int argc, char** argv, const std::function<void()>& body) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << app.get_name() << ": " << e.what() << "\n\n" << app.help();
    return 2;
  }
  try {
    body();
    return 0;
  } catch (const fnn::Error& e) {
    std::cerr << app.get_name() << ": error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << app.get_name() << ": unexpected error: " << e.what() << "\n";
    return 1;
  }
}

// Applies thread count and quick mode, and makes sure the output folder exists and is writable before
// any training starts.
inline void prepare(Settings& s, const std::string& default_out) {
  fnn::set_num_threads(s.threads);
  if (s.quick && !s.epochs_given) s.epochs = 1;
  if (s.out_dir.empty()) s.out_dir = default_out;
  std::error_code ec;
  std::filesystem::create_directories(s.out_dir, ec);
  const std::string probe = s.out_dir + "/.write-test";
  if (ec || !std::ofstream(probe)) {
    throw fnn::IoError(s.out_dir + ": the output folder cannot be created or written");
  }
  std::filesystem::remove(probe);
}

// The training and test sets, cut down in quick mode.
struct Data {
  fnn::data::Dataset train, test;
};

inline Data load_data(const Settings& s) {
  Data d{fnn::data::load_fashion_mnist(s.data_dir, true), fnn::data::load_fashion_mnist(s.data_dir, false)};
  if (s.quick) {
    fnn::Rng rng(s.seed);
    d.train = fnn::data::split(d.train, 2000.0 / static_cast<double>(d.train.size()), rng).first;
    d.test = fnn::data::split(d.test, 1000.0 / static_cast<double>(d.test.size()), rng).first;
  }
  return d;
}

// A loader over `dataset` with the run's batch size.
inline fnn::data::DataLoader<float> make_loader(const fnn::data::Dataset& dataset, const Settings& s,
                                                const fnn::data::Normalize& normalize, bool shuffle, fnn::Rng& rng,
                                                const fnn::data::Augmentation& augment = {}) {
  fnn::data::LoaderOptions options;
  options.batch_size = s.batch_size;
  options.shuffle = shuffle;
  options.normalize = normalize;
  options.augment = augment;
  return fnn::data::DataLoader<float>(dataset, options, rng);
}

// Prints one line per epoch.
inline std::function<void(const fnn::train::EpochRecord&)> print_epochs(int epochs) {
  return [epochs](const fnn::train::EpochRecord& r) { std::cout << fnn::train::epoch_line(r, epochs) << std::endl; };
}

// What every training run passes to fit: the epochs, a line per epoch, the --cosine schedule, and, when
// the run has an experiment name, a checkpoint EXPERIMENT.checkpoint in the output folder after every
// epoch, which --resume continues.
inline fnn::train::FitOptions<float> fit_options(const Settings& s, fnn::Optimizer<float>& optimizer,
                                                 const std::string& experiment) {
  fnn::train::FitOptions<float> options;
  options.epochs = s.epochs;
  options.on_epoch = print_epochs(s.epochs);
  options.check_finite = s.finite_checks;
  if (s.cosine) options.schedule = std::make_shared<fnn::CosineAnnealingLR<float>>(optimizer, s.epochs);
  if (!experiment.empty()) {
    options.checkpoint = s.out_dir + "/" + experiment + ".checkpoint";
    options.resume = s.resume;
    if (s.resume) std::cout << "resuming from " << options.checkpoint << std::endl;
  }
  return options;
}

// Evaluates on `loader` and prints the confusion matrix and, optionally, the per-class report.
template <class Loss>
fnn::train::PassResult print_test_metrics(fnn::Layer<float>& model, Loss& loss,
                                          fnn::data::DataLoader<float>& loader, bool per_class_report) {
  fnn::metrics::ConfusionMatrix confusion(fnn::data::fashion_mnist_num_classes);
  const fnn::train::PassResult r = fnn::train::evaluate(model, loss, loader, &confusion);
  const auto& names = fnn::data::fashion_mnist_class_names();
  std::cout << '\n';
  confusion.print(std::cout, names);
  if (per_class_report) {
    std::cout << '\n';
    fnn::metrics::classification_report(confusion).print(std::cout, names);
  }
  return r;
}

// summary.json: what the reproduce program reads back.
struct Summary {
  std::string experiment;
  std::string architecture;  // a name fnn::models::by_name knows, for the predict program
  fnn::data::Normalize normalize;
  double seed_accuracy = 0;  // the seed document's reported test accuracy
  double test_accuracy = 0;
  int epochs = 0;
  double seconds_per_epoch = 0;
  double images_per_second = 0;
  long long parameters = 0;
};

inline void write_summary(const Settings& s, const Summary& summary) {
  const nlohmann::json j = {{"experiment", summary.experiment},
                            {"architecture", summary.architecture},
                            {"normalize_mean", summary.normalize.mean},
                            {"normalize_std", summary.normalize.stddev},
                            {"seed_accuracy", summary.seed_accuracy},
                            {"test_accuracy", summary.test_accuracy}, {"epochs", summary.epochs},
                            {"seconds_per_epoch", summary.seconds_per_epoch},
                            {"images_per_second", summary.images_per_second},
                            {"parameters", summary.parameters},       {"quick", s.quick},
                            {"seed", s.seed},                         {"threads", s.threads},
                            {"batch_size", s.batch_size},             {"lr", s.lr}};
  const std::string text = j.dump(2) + "\n";
  const std::string path = s.out_dir + "/" + summary.experiment + ".summary.json";
  fnn::write_file_atomically(path, text.data(), text.size());
}

// Writes a finished run's files into the output folder: EXPERIMENT.fnn (the model), .history.csv and
// .summary.json. `summary` arrives with the experiment, architecture, normalisation and accuracies.
inline void finish_run(const Settings& s, Summary summary, fnn::Sequential<float>& model,
                       const fnn::train::History& history) {
  const std::string stem = s.out_dir + "/" + summary.experiment;
  history.write_csv(stem + ".history.csv");
  fnn::save(model, stem + ".fnn");
  summary.epochs = static_cast<int>(history.rows().size());
  summary.seconds_per_epoch = history.median_seconds();
  summary.images_per_second = history.median_images_per_second();
  summary.parameters = model.parameter_count();
  write_summary(s, summary);
}

}  // namespace example
