// The compiled part of examples/common: the bodies of example.hpp's functions, and the one instantiation
// of the fnn templates every example program uses (example.hpp declares them extern).
#include "common/example.hpp"

#include "common/distributed.hpp"
#include "common/onnx_export.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>
#include <type_traits>

EXAMPLE_FNN_TEMPLATES(template)

namespace example {

namespace {

// 0.99, 1000, 1e-05: as short as the number allows.
std::string plain(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

// A check that reads the whole value as a finite number and takes it when `accept` does; `range` ends
// the message, "expected a number <range>, got <value>".
CLI::Validator number_check(const std::string& range, const std::string& usage,
                            const std::function<bool(double)>& accept) {
  return CLI::Validator(
      [range, accept](std::string& value) {
        char* stop = nullptr;
        const double parsed = std::strtod(value.c_str(), &stop);
        if (value.empty() || stop != value.c_str() + value.size() || !std::isfinite(parsed) || !accept(parsed)) {
          return "expected a number " + range + ", got " + value;
        }
        return std::string();
      },
      usage);
}

}  // namespace

CLI::Validator number_in(double least, double most) {
  return number_check("from " + plain(least) + " to " + plain(most), "in [" + plain(least) + " - " + plain(most) + "]",
                      [least, most](double v) { return v >= least && v <= most; });
}

CLI::Validator number_at_least(double least) {
  return number_check("of at least " + plain(least), least == 0 ? "NONNEGATIVE" : ">= " + plain(least),
                      [least](double v) { return v >= least; });
}

CLI::Validator number_above(double least) {
  return number_check("above " + plain(least), least == 0 ? "POSITIVE" : "> " + plain(least),
                      [least](double v) { return v > least; });
}

void add_settings_flags(CLI::App& app, Settings& s) {
  s.app = &app;
  app.add_option("--epochs", s.epochs, "Training epochs")
      ->capture_default_str()
      ->transform(whole_number(1))
      ->each([&s](const std::string&) { s.epochs_given = true; });
  app.add_option("--batch-size", s.batch_size, "Mini-batch size")
      ->capture_default_str()
      ->transform(whole_number<fnn::Index>(1));
  app.add_option("--lr", s.lr, "Learning rate")->capture_default_str()->check(number_at_least(0));
  app.add_option("--seed", s.seed, "Seed of every random draw")
      ->capture_default_str()
      ->transform(whole_number<std::uint64_t>(0));
  app.add_option("--threads", s.threads, "OpenMP threads")->capture_default_str()->transform(whole_number(1));
  app.add_option("--data", s.data_dir, "Fashion-MNIST folder (or set FNN_DATA)")->capture_default_str();
  app.add_option("--out", s.out_dir, "Output folder for the model, history and summary")->capture_default_str();
  app.add_flag("--quick", s.quick, "Smoke test: 2,000 training and 1,000 test images, one epoch unless --epochs");
  app.add_flag("--cosine", s.cosine, "Cosine learning-rate schedule from --lr down to 0 over the epochs");
  app.add_flag("--resume", s.resume,
               "Continue the run from its checkpoint in the output folder (saved after every epoch) up to --epochs");
  app.add_flag("--finite-checks,!--no-finite-checks", s.finite_checks,
               "Stop at the first NaN or infinity in any layer's output or gradient (default; the loss is always checked)")
      ->default_str("true");  // for the report and summary, which list the defaults too
  app.add_flag("--quiet", s.quiet, "No progress line during an epoch and no line after it");
  app.add_option("--matmul-precision", s.matmul_precision,
                 "Operands of the float matrix products (convolutions, linear layers): float32, or bfloat16 summed "
                 "in float32 where the build has AVX512-BF16 (elsewhere float32, with a note)")
      ->capture_default_str()
      ->check(CLI::IsMember({"float32", "bfloat16"}));
  app.add_option("--export-onnx", s.export_onnx, "Also write the trained model as an ONNX file (opset 13)")
      ->check(onnx_export_possible());
  CLI::Option* distributed =
      app.add_flag("--distributed", s.distributed,
                   "Train data-parallel on the processes mpirun starts (mpirun -np 2 PROGRAM --distributed); OpenMP "
                   "threads per process: the cores over the processes on the machine");
  app.add_flag("--sync-batchnorm", s.sync_batchnorm,
               "With --distributed: BatchNorm takes its statistics over every process's part of the batch, as one "
               "process with the whole batch (else each process's own)")
      ->needs(distributed);
  app.add_option("--distributed-timeout", s.distributed_timeout,
                 "Seconds a process waits for the others in one exchange before it ends the job")
      ->capture_default_str()
      ->check(number_above(0));
}

CLI::Option* add_budget_flag(CLI::App& app, Settings& s) {
  return app
      .add_option("--minutes", s.minutes,
                  "Wall-clock budget from the first training step to the final evaluation, in place of --epochs")
      ->check(number_above(0));
}

int run(CLI::App& app, int argc, char** argv, const std::function<void()>& body) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << app.get_name() << ": " << e.what() << "\n\n" << app.help();
    return 2;
  }
  int status = 0;
  try {
    body();
    end_processes();
    return 0;
  } catch (const fnn::Error& e) {
    std::cerr << app.get_name() << rank_label() << ": error: " << e.what() << "\n";
    status = 2;
  } catch (const std::exception& e) {
    std::cerr << app.get_name() << rank_label() << ": unexpected error: " << e.what() << "\n";
    status = 1;
  }
  end_job(status);
  return status;
}

void prepare(Settings& s, const std::string& default_out) {
  start_processes(s);
  fnn::set_num_threads(s.threads);
  fnn::set_float32_matmul_precision(s.matmul_precision == "bfloat16" ? fnn::MatmulPrecision::bfloat16
                                                                      : fnn::MatmulPrecision::float32);
  if (fnn::to_string(fnn::float32_matmul_precision_in_use()) != s.matmul_precision) {
    std::cerr << "note: --matmul-precision " << s.matmul_precision
              << " needs a build for a CPU with AVX512-BF16; the products stay float32\n";
  }
  if (s.quick && !s.epochs_given) s.epochs = 1;
  if (s.out_dir.empty()) s.out_dir = default_out;
  if (!s.writes_files()) return;
  std::error_code ec;
  std::filesystem::create_directories(s.out_dir, ec);
  const std::string probe = s.out_dir + "/.write-test";
  if (ec || !std::ofstream(probe)) {
    throw fnn::IoError(s.out_dir + ": the output folder cannot be created or written");
  }
  std::filesystem::remove(probe);
}

namespace {

// The subset --quick takes of `set`, `size` samples chosen by `rng`. `role` ("training", "test") names the
// set when it holds fewer.
fnn::data::Dataset quick_subset(const fnn::data::Dataset& set, fnn::Index size, const char* role, fnn::Rng& rng,
                                const Settings& s) {
  if (set.size() < size) {
    throw fnn::IoError("Fashion-MNIST in " + s.data_dir + ": the " + role + " set holds " + std::to_string(set.size()) +
                       " images, too few for --quick, which takes " + std::to_string(size) + " of them");
  }
  return fnn::data::split(set, static_cast<double>(size) / static_cast<double>(set.size()), rng).first;
}

}  // namespace

Data load_data(const Settings& s) {
  Data d{fnn::data::load_fashion_mnist(s.data_dir, true), fnn::data::load_fashion_mnist(s.data_dir, false)};
  if (s.quick) {
    fnn::Rng rng(s.seed);
    d.train = quick_subset(d.train, 2000, "training", rng, s);
    d.test = quick_subset(d.test, 1000, "test", rng, s);
  }
  return d;
}

fnn::data::DataLoader<float> make_loader(const fnn::data::Dataset& dataset, const Settings& s,
                                                const fnn::data::Normalize& normalize, bool shuffle, fnn::Rng& rng,
                                                const fnn::data::Augmentation& augment) {
  fnn::data::LoaderOptions options;
  options.batch_size = s.batch_size;
  options.shuffle = shuffle;
  options.normalize = normalize;
  options.augment = augment;
  return fnn::data::DataLoader<float>(dataset, options, rng);
}

fnn::train::FitOptions<float> fit_options(
    const Settings& s, fnn::Optimizer<float>& optimizer, const std::string& experiment,
    fnn::train::ProgressPrinter::EpochFormat epoch_format) {
  fnn::train::FitOptions<float> options;
  options.epochs = s.epochs;
  if (s.minutes > 0) options.budget = std::make_shared<fnn::train::TimeBudget>(60 * s.minutes);
  if (!s.quiet) {  // after the budget, which makes the epoch lines leave out the number of epochs
    // Under mpirun the standard output is a terminal that mpirun forwards, often to a log: one line per epoch.
    const bool live = fnn::train::ProgressPrinter::stdout_is_terminal() && !s.processes;
    fnn::train::ProgressPrinter(std::cout, live, epoch_format).attach(options);
  }
  options.check_finite = s.finite_checks;
  options.communicator = s.processes;
  options.synchronise_batchnorm = s.sync_batchnorm;
  if (s.cosine) options.schedule = std::make_shared<fnn::CosineAnnealingLR<float>>(optimizer, s.epochs);
  if (!experiment.empty()) {
    options.checkpoint = s.out_dir + "/" + experiment + ".checkpoint";
    options.resume = s.resume;
    if (s.resume) std::cout << "resuming from " << options.checkpoint << std::endl;
  }
  return options;
}

void print_test_metrics(const fnn::metrics::ConfusionMatrix& confusion, bool per_class_report) {
  if (confusion.total() == 0) return;  // a process of a distributed run other than rank 0 (finish_run)
  const auto& names = fnn::data::fashion_mnist_class_names();
  std::cout << '\n';
  confusion.print(std::cout, names);
  if (per_class_report) {
    std::cout << '\n';
    fnn::metrics::classification_report(confusion).print(std::cout, names);
  }
}

namespace {

// The flags as given or defaulted, for the report and summary: "name", "value"; --epochs as run (--quick
// makes its default 1).
std::vector<std::pair<std::string, std::string>> flag_values(const Settings& s) {
  std::vector<std::pair<std::string, std::string>> flags;
  if (!s.app) return flags;
  std::istringstream config(s.app->config_to_str(true, false));
  for (std::string line; std::getline(config, line);) {
    const std::size_t equals = line.find('=');
    if (equals == std::string::npos) continue;
    const std::string name = "--" + line.substr(0, equals);
    flags.emplace_back(name, name == "--epochs" ? std::to_string(s.epochs) : line.substr(equals + 1));
  }
  return flags;
}

// EXPERIMENT.summary.json: the summary, the run's main settings and every flag as given or defaulted.
void write_summary(const Settings& s, const Summary& summary) {
  nlohmann::json j = {{"experiment", summary.experiment},
                      {"architecture", summary.architecture},
                      {"normalize_mean", summary.normalize.mean},
                      {"normalize_std", summary.normalize.stddev},
                      {"seed_accuracy", summary.seed_accuracy},
                      {"test_accuracy", summary.test_accuracy},
                      {"epochs", summary.epochs},
                      {"seconds_per_epoch", summary.seconds_per_epoch},
                      {"images_per_second", summary.images_per_second},
                      {"parameters", summary.parameters},
                      {"quick", s.quick},
                      {"seed", s.seed},
                      {"threads", s.threads},
                      {"batch_size", s.batch_size},
                      {"lr", s.lr}};
  for (const auto& [name, value] : flag_values(s)) j["flags"][name] = value;
  const std::string text = j.dump(2) + "\n";
  const std::string path = s.out_dir + "/" + summary.experiment + ".summary.json";
  fnn::write_file_atomically(path, text.data(), text.size());
}

// The run's figures and report (fnn::report::write_training_report), with `classifier` classifying the
// test set; returns the test set's confusion matrix.
fnn::metrics::ConfusionMatrix write_report(const Settings& s, const Summary& summary, fnn::Sequential<float>& model,
                                           const fnn::train::History& history, const Data& data,
                                           fnn::Layer<float>& classifier) {
  fnn::data::LoaderOptions test_options;
  test_options.batch_size = 1000;
  test_options.normalize = summary.normalize;
  fnn::data::DataLoader<float> test(data.test, test_options);
  const fnn::Targets predicted = fnn::train::predict(classifier, test);
  fnn::report::TrainingRun run;
  run.experiment = summary.experiment;
  run.reproduces = s.app ? s.app->get_description() : "";
  run.settings = flag_values(s);
  std::ostringstream layers;
  model.summary({1, 1, data.test.rows(), data.test.cols()}, layers);
  run.model_summary = layers.str();
  run.history = history;
  run.confusion = fnn::metrics::ConfusionMatrix(fnn::data::fashion_mnist_num_classes);
  run.confusion.add(predicted, data.test.labels());
  run.class_names = fnn::data::fashion_mnist_class_names();
  run.seed_accuracy = summary.seed_accuracy;
  const fnn::Targets first(predicted.begin(), predicted.begin() + std::min<std::size_t>(predicted.size(), 40));
  run.figures.push_back({"predictions", "The first test images with their predicted classes",
                         fnn::report::prediction_grid(data.test, first, run.class_names)});
  run.figures.push_back({"samples", "Training images of each class",
                         fnn::report::class_samples(data.train, 10, run.class_names)});
  std::cout << "report: " << fnn::report::write_training_report(s.out_dir + "/" + summary.experiment, run)
            << std::endl;
  return run.confusion;
}

// The field `key` of the summary `j`, read from `path`: a std::string, a double or a whole number (int,
// long long). A field that is missing or of another type is an IoError naming the file and the field.
template <class Field>
Field summary_field(const nlohmann::json& j, const char* key, const std::string& path) {
  const auto field = j.find(key);
  if (field == j.end()) throw fnn::IoError(path + ": the field \"" + key + "\" is missing");
  const char* expected = "a number";
  if constexpr (std::is_same_v<Field, std::string>) {
    if (field->is_string()) return field->template get<std::string>();
    expected = "a string";
  } else if constexpr (std::is_integral_v<Field>) {
    const bool fits = field->is_number_integer() &&
                      field->template get<double>() >= static_cast<double>(std::numeric_limits<Field>::lowest()) &&
                      field->template get<double>() <= static_cast<double>(std::numeric_limits<Field>::max());
    if (fits) return field->template get<Field>();
    expected = "a whole number";
  } else {
    if (field->is_number()) return field->template get<double>();
  }
  std::string value = field->dump();
  if (value.size() > 40) value = value.substr(0, 37) + "...";
  throw fnn::IoError(path + ": the field \"" + key + "\" should be " + expected + ", it is " + field->type_name() +
                     " " + value);
}

}  // namespace

Summary read_summary(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw fnn::IoError(path + ": cannot open the summary");
  const nlohmann::json j = nlohmann::json::parse(file, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    throw fnn::IoError(path + ": not a summary written by an fnn example (not a JSON object)");
  }
  Summary summary;
  summary.experiment = summary_field<std::string>(j, "experiment", path);
  summary.architecture = summary_field<std::string>(j, "architecture", path);
  summary.normalize.mean = summary_field<double>(j, "normalize_mean", path);
  summary.normalize.stddev = summary_field<double>(j, "normalize_std", path);
  if (!(summary.normalize.stddev > 0)) {
    throw fnn::IoError(path + ": the field \"normalize_std\" should be positive, it is " +
                       plain(summary.normalize.stddev));
  }
  summary.seed_accuracy = summary_field<double>(j, "seed_accuracy", path);
  summary.test_accuracy = summary_field<double>(j, "test_accuracy", path);
  summary.epochs = summary_field<int>(j, "epochs", path);
  summary.seconds_per_epoch = summary_field<double>(j, "seconds_per_epoch", path);
  summary.images_per_second = summary_field<double>(j, "images_per_second", path);
  summary.parameters = summary_field<long long>(j, "parameters", path);
  return summary;
}

fnn::metrics::ConfusionMatrix finish_run(const Settings& s, Summary summary, fnn::Sequential<float>& model,
                                                const fnn::train::History& history, const Data& data,
                                                fnn::Layer<float>* classifier) {
  if (!s.writes_files()) return fnn::metrics::ConfusionMatrix(fnn::data::fashion_mnist_num_classes);
  const std::string stem = s.out_dir + "/" + summary.experiment;
  history.write_csv(stem + ".history.csv");
  fnn::save(model, stem + ".fnn");
  if (!s.export_onnx.empty()) export_onnx(model, s.export_onnx, {1, 1, data.test.rows(), data.test.cols()});
  summary.epochs = static_cast<int>(history.rows().size());
  summary.seconds_per_epoch = history.median_seconds();
  summary.images_per_second = history.median_samples_per_second();
  summary.parameters = model.parameter_count();
  write_summary(s, summary);
  return write_report(s, summary, model, history, data, classifier ? *classifier : model);
}

}  // namespace example
