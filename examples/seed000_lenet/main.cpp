// Seed 000: a LeNet-like CNN (conv 1->6 k5, pool, conv 6->12 k5, pool, fc 192->120->60->10) trained with
// Adam. The seed's best setting: batch 20, lr 0.001, inputs standardised with the training set's own
// mean and deviation, 20 epochs: 89.23% test accuracy, 94.42% on the training data.
// --sweep trains the grid batch size x learning rate x {raw, standardised} instead and writes sweep.csv and
// its heat map, sweep.svg.
#include <sstream>

#include "common/example.hpp"

namespace {

struct Trial {
  fnn::Index batch_size;
  double lr;
  bool standardise;
};

struct TrialResult {
  fnn::Sequential<float> model;
  fnn::data::Normalize normalize;
  fnn::train::History history;
  double train_accuracy = 0, test_accuracy = 0;
};

// A single run (`experiment` names its checkpoint) or, with an empty name, one quiet trial of the sweep.
TrialResult run_trial(const example::Data& data, example::Settings s, const Trial& trial,
                      const std::string& experiment) {
  s.batch_size = trial.batch_size;
  const fnn::data::Normalize normalize = trial.standardise ? fnn::data::dataset_statistics(data.train)
                                                           : fnn::data::Normalize{};
  fnn::Rng rng(s.seed);
  auto train = example::make_loader(data.train, s, normalize, true, rng);
  s.batch_size = 1000;
  auto train_eval = example::make_loader(data.train, s, normalize, false, rng);
  auto test = example::make_loader(data.test, s, normalize, false, rng);
  TrialResult r{fnn::models::lenet<float>(rng), normalize, {}, 0, 0};
  fnn::Adam<float> adam(r.model.parameters(), fnn::AdamOptions().lr(trial.lr));
  fnn::CrossEntropyLoss<float> loss;
  if (experiment.empty()) s.quiet = true;
  fnn::train::FitOptions<float> options = example::fit_options(s, adam, experiment);
  options.test = &test;
  r.history = fnn::train::fit(r.model, loss, adam, train, options);
  r.train_accuracy = fnn::train::evaluate(r.model, loss, train_eval).accuracy;
  r.test_accuracy = r.history.last().test.accuracy;
  return r;
}

// The sweep's heat map: a row per batch size, a column per learning rate and kind of input.
fnn::plot::HeatMap sweep_heat_map(const std::vector<fnn::Index>& batch_sizes, const std::vector<double>& lrs) {
  fnn::plot::HeatMap map;
  map.title = "Test accuracy (%) over the sweep";
  map.row_title = "batch size";
  map.column_title = "learning rate, inputs";
  map.value_format = "%.2f";
  map.cell = 64;
  for (fnn::Index batch : batch_sizes) map.row_labels.push_back(std::to_string(batch));
  for (const char* inputs : {"raw", "standardised"}) {
    for (double lr : lrs) {
      std::ostringstream label;
      label << lr << ", " << inputs;
      map.column_labels.push_back(label.str());
    }
  }
  map.values.assign(map.row_labels.size() * map.column_labels.size(), 0.0);
  return map;
}

void sweep(const example::Data& data, const example::Settings& s, const std::vector<fnn::Index>& batch_sizes,
           const std::vector<double>& lrs) {
  std::ostringstream csv;
  csv << "batch_size,lr,inputs,train_accuracy,test_accuracy,seconds_per_epoch\n";
  fnn::plot::HeatMap map = sweep_heat_map(batch_sizes, lrs);
  std::printf("%-10s %-8s %-13s %-10s %-10s %s\n", "batch", "lr", "inputs", "train acc", "test acc", "s/epoch");
  for (std::size_t standardise = 0; standardise < 2; ++standardise) {
    for (std::size_t b = 0; b < batch_sizes.size(); ++b) {
      for (std::size_t l = 0; l < lrs.size(); ++l) {
        const TrialResult r = run_trial(data, s, {batch_sizes[b], lrs[l], standardise == 1}, "");
        const char* inputs = standardise ? "normal" : "not_normal";
        std::printf("%-10lld %-8g %-13s %-9.2f%% %-9.2f%% %.2f\n", static_cast<long long>(batch_sizes[b]), lrs[l],
                    inputs, 100 * r.train_accuracy, 100 * r.test_accuracy, r.history.median_seconds());
        std::fflush(stdout);
        csv << batch_sizes[b] << ',' << lrs[l] << ',' << inputs << ',' << r.train_accuracy << ',' << r.test_accuracy
            << ',' << r.history.median_seconds() << '\n';
        map.values[b * map.column_labels.size() + standardise * lrs.size() + l] = 100 * r.test_accuracy;
      }
    }
  }
  if (!s.writes_files()) return;  // rank 0's in a distributed run
  const std::string text = csv.str(), svg = fnn::plot::heat_map(map);
  fnn::write_file_atomically(s.out_dir + "/sweep.csv", text.data(), text.size());
  fnn::write_file_atomically(s.out_dir + "/sweep.svg", svg.data(), svg.size());
  std::printf("wrote %s/sweep.csv and sweep.svg\n", s.out_dir.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Seed 000: LeNet-like CNN with Adam; --sweep for the batch size x learning rate grid", "seed000_lenet");
  example::Settings s;
  s.epochs = 20;
  s.batch_size = 20;
  s.lr = 0.001;
  example::add_settings_flags(app, s);
  bool do_sweep = false, raw = false;
  std::vector<fnn::Index> batch_sizes{10, 20, 50, 100};
  std::vector<double> lrs{0.01, 0.001};
  app.add_flag("--raw", raw, "Train on raw [0, 1] inputs instead of standardised ones");
  app.add_flag("--sweep", do_sweep, "Train the grid instead of one model and write sweep.csv")
      ->excludes(app.get_option("--export-onnx"));  // one file, several models
  app.add_option("--sweep-batch-sizes", batch_sizes, "Batch sizes of the sweep")
      ->capture_default_str()
      ->transform(example::whole_number<fnn::Index>(1));
  app.add_option("--sweep-lrs", lrs, "Learning rates of the sweep")
      ->capture_default_str()
      ->check(example::number_above(0));
  return example::run(app, argc, argv, [&] {
    if (do_sweep && s.resume) throw fnn::ValueError("--resume continues a single run, not a --sweep");
    example::prepare(s, "out/seed000_lenet");
    const example::Data data = example::load_data(s);
    if (do_sweep) return sweep(data, s, batch_sizes, lrs);
    TrialResult r = run_trial(data, s, {s.batch_size, s.lr, !raw}, "seed000_lenet");
    std::printf("Accuracy on train data: %.2f%%\nAccuracy on test data : %.2f%%\n", 100 * r.train_accuracy,
                100 * r.test_accuracy);
    const fnn::metrics::ConfusionMatrix confusion =
        example::finish_run(s, {"seed000_lenet", "lenet", r.normalize, 0.8923, r.test_accuracy}, r.model, r.history,
                            data);
    example::print_test_metrics(confusion, false);
  });
}
