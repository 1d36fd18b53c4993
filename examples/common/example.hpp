#pragma once
// What every example program shares and the library does not need: command-line flags (CLI11), error
// reporting with exit status 2, the run's output folder, and the files a finished run leaves there (model,
// history, figures, report, summary.json through nlohmann/json); example.cpp has the code.
#include <CLI/CLI.hpp>
#include <charconv>
#include <cstdint>
#include <fnn/extras.hpp>
#include <functional>
#include <limits>
#include <string>
#include <system_error>

// The fnn templates the example programs use are instantiated once, in example.cpp, rather than in each
// program (EXAMPLE_FNN_TEMPLATES(extern template) here, EXAMPLE_FNN_TEMPLATES(template) there): the
// layers' kernels are the bulk of a program's compile time, and each program would otherwise compile them
// again.
#define EXAMPLE_FNN_TEMPLATES(INSTANTIATE)                                                                    \
  namespace fnn {                                                                                            \
  INSTANTIATE class Conv2d<float>;                                                                           \
  INSTANTIATE class Linear<float>;                                                                           \
  INSTANTIATE class MaxPool2d<float>;                                                                        \
  INSTANTIATE class ReLU<float>;                                                                             \
  INSTANTIATE class Dropout<float>;                                                                          \
  INSTANTIATE class Flatten<float>;                                                                          \
  INSTANTIATE class LogSoftmax<float>;                                                                       \
  INSTANTIATE class BatchNorm1d<float>;                                                                      \
  INSTANTIATE class BatchNorm2d<float>;                                                                      \
  INSTANTIATE class Sequential<float>;                                                                       \
  INSTANTIATE class DataParallel<float>;                                                                     \
  INSTANTIATE class HorizontalFlipAverage<float>;                                                            \
  INSTANTIATE class CrossEntropyLoss<float>;                                                                 \
  INSTANTIATE class NLLLoss<float>;                                                                          \
  INSTANTIATE class SGD<float>;                                                                              \
  INSTANTIATE class Adam<float>;                                                                             \
  INSTANTIATE class CosineAnnealingLR<float>;                                                                \
  INSTANTIATE class OneCycleLR<float>;                                                                       \
  INSTANTIATE class ExponentialMovingAverage<float>;                                                         \
  INSTANTIATE class data::Loader<float>;                                                                     \
  INSTANTIATE class data::DataLoader<float>;                                                                 \
  INSTANTIATE train::History train::fit(Layer<float>&, CrossEntropyLoss<float>&, Optimizer<float>&,          \
                                        data::Loader<float>&, const train::FitOptions<float>&);               \
  INSTANTIATE train::History train::fit(Layer<float>&, NLLLoss<float>&, Optimizer<float>&,                   \
                                        data::Loader<float>&, const train::FitOptions<float>&);               \
  INSTANTIATE train::PassResult train::evaluate(Layer<float>&, CrossEntropyLoss<float>&,                     \
                                                data::Loader<float>&, metrics::ConfusionMatrix*);             \
  INSTANTIATE train::PassResult train::evaluate(Layer<float>&, NLLLoss<float>&, data::Loader<float>&,         \
                                                metrics::ConfusionMatrix*);                                   \
  INSTANTIATE Targets train::predict(Layer<float>&, data::Loader<float>&);                                   \
  }
EXAMPLE_FNN_TEMPLATES(extern template)

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
  double minutes = 0;   // with add_budget_flag: a wall-clock budget in place of --epochs (0: none)
  bool resume = false;  // continue from the checkpoint in the output folder
  bool finite_checks = true;
  bool quiet = false;   // no progress line and no line per epoch
  std::string matmul_precision = "float32";  // of float products' operands: float32 or bfloat16
  std::string export_onnx;  // also write the trained model there as ONNX (onnx_export.hpp)
  bool distributed = false;           // train data-parallel on the processes mpirun started (distributed.hpp)
  double distributed_timeout = 600;   // seconds a process waits in a collective before ending the job
  bool sync_batchnorm = false;        // with --distributed: BatchNorm's statistics over every process
  fnn::distributed::Communicator* processes = nullptr;  // with --distributed, set by prepare
  const CLI::App* app = nullptr;  // the flags as given, for the report

  // Rank 0 alone writes the run's files in a distributed run.
  bool writes_files() const { return !processes || processes->rank() == 0; }
};

// Checks for flags, in place of CLI11's own, which let wrong values through: CLI11 reads "-1" for an
// unsigned seed as 18446744073709551615, a number beyond 64 bits as the largest one, "010" as octal, and
// NaN as within any range; and its PositiveNumber names the range 0 to DBL_MAX, written out in full.

// A whole number from `least` to `most`, in plain decimal; give it to an option's transform(), which
// hands CLI11 the number written out again, so that CLI11 reads it as decimal too. The usage names the
// range as CLI11's own checks do ("INT:POSITIVE").
template <class Integer>
CLI::Validator whole_number(Integer least, Integer most = std::numeric_limits<Integer>::max()) {
  const std::string range = std::to_string(least) + " to " + std::to_string(most);
  const bool open_ended = most == std::numeric_limits<Integer>::max();
  const std::string usage = open_ended && least == 0   ? "NONNEGATIVE"
                            : open_ended && least == 1 ? "POSITIVE"
                                                       : "in [" + std::to_string(least) + " - " + std::to_string(most) +
                                                             "]";
  return CLI::Validator(
      [least, most, range](std::string& value) {
        Integer parsed{};
        const char* end = value.data() + value.size();
        const auto [stop, error] = std::from_chars(value.data(), end, parsed);
        if (error != std::errc() || stop != end || parsed < least || parsed > most) {
          return "expected a whole number from " + range + ", got " + value;
        }
        value = std::to_string(parsed);
        return std::string();
      },
      usage);
}

// A finite number: from `least` to `most`; at least `least`; above `least`.
CLI::Validator number_in(double least, double most);
CLI::Validator number_at_least(double least);
CLI::Validator number_above(double least);

// The flags of Settings, parsed into `s`.
void add_settings_flags(CLI::App& app, Settings& s);

// --minutes, for a program whose schedule can follow a time budget's progress (fit_options makes the
// budget): training then ends, evaluated, within that many minutes, and --epochs is not used.
CLI::Option* add_budget_flag(CLI::App& app, Settings& s);

// Parses the flags and runs `body`. A bad flag prints one line and the usage; any fnn error prints one
// line; both exit with status 2.
int run(CLI::App& app, int argc, char** argv, const std::function<void()>& body);

// Starts the processes of a --distributed run (distributed.hpp), applies thread count and quick mode, and
// makes sure the output folder exists and is writable before any training starts.
void prepare(Settings& s, const std::string& default_out);

// The training and test sets, cut down in quick mode.
struct Data {
  fnn::data::Dataset train, test;
};
Data load_data(const Settings& s);

// A loader over `dataset` with the run's batch size.
fnn::data::DataLoader<float> make_loader(const fnn::data::Dataset& dataset, const Settings& s,
                                         const fnn::data::Normalize& normalize, bool shuffle, fnn::Rng& rng,
                                         const fnn::data::Augmentation& augment = {});

// What every training run passes to fit: the epochs or the --minutes budget, the progress (a live line on
// a terminal, a line per epoch in `epoch_format` anywhere), the --cosine schedule, and, when the run has an
// experiment name, a checkpoint EXPERIMENT.checkpoint in the output folder after every epoch, which
// --resume continues.
fnn::train::FitOptions<float> fit_options(
    const Settings& s, fnn::Optimizer<float>& optimizer, const std::string& experiment,
    fnn::train::ProgressPrinter::EpochFormat epoch_format = fnn::train::epoch_line);

// Prints the confusion matrix and, optionally, the per-class report.
void print_test_metrics(const fnn::metrics::ConfusionMatrix& confusion, bool per_class_report);

// What a finished run reports; EXPERIMENT.summary.json holds it, which the reproduce program reads back.
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

// Reads EXPERIMENT.summary.json back (predict, reproduce). A field that is missing or of the wrong type,
// or a normalisation that is not positive, is an IoError naming the file and the field.
Summary read_summary(const std::string& path);

// Writes a finished run's files into the output folder: EXPERIMENT.fnn (the model), .history.csv,
// .summary.json, the figures and .report.html. `summary` arrives with the experiment, architecture,
// normalisation and accuracies. `classifier` (the model itself when null) classifies the test set for the
// report; the test set's confusion matrix is returned. In a distributed run, rank 0 alone writes them (the
// other processes return an empty matrix).
fnn::metrics::ConfusionMatrix finish_run(const Settings& s, Summary summary, fnn::Sequential<float>& model,
                                         const fnn::train::History& history, const Data& data,
                                         fnn::Layer<float>* classifier = nullptr);

}  // namespace example
