// Tabular data: an MLP per table on scikit-learn's small data sets, read from the files Debian's
// python3-sklearn installs, as they are: iris, wine and breast cancer (classification; a first line of
// counts and class names, the class in the last column) and diabetes (regression; whitespace-separated,
// gzip-compressed, features and targets in two files). Each table is split 75/25 by the seed, the
// features (and, for diabetes, the target) standardised on the training part, and one hidden layer of
// 100 ReLUs started and trained with Adam as scikit-learn's MLPClassifier and MLPRegressor are by default.
// benchmarks/sklearn/tabular.py runs scikit-learn and PyTorch on the same splits for comparison.
#include <nlohmann/json.hpp>

#include "common/example.hpp"

namespace {

struct Table {
  const char* name;
  bool regression;
};
const Table tables[] = {{"iris", false}, {"wine", false}, {"breast_cancer", false}, {"diabetes", true}};

struct Options {
  int epochs = 200;
  fnn::Index hidden = 100;
  fnn::Index batch_size = 200;  // scikit-learn's min(200, samples)
  double lr = 0.001;
  double alpha = 1e-4;  // scikit-learn's L2 penalty
  double test_fraction = 0.25;
  std::uint64_t seed = 1;
  int threads = 1;
  std::string data_dir = FNN_SKLEARN_DATA;
  std::string out_dir = "tabular-results";
  std::vector<std::string> only;
  bool quick = false;
  bool quiet = false;
};

// The table's features and targets, as a data set.
fnn::data::TensorDataset<float> load(const Table& table, const Options& o) {
  using fnn::data::DelimitedOptions;
  const std::string folder = o.data_dir + "/";
  if (!table.regression) {
    const std::string file = std::string(table.name == std::string("wine") ? "wine_data" : table.name) + ".csv";
    const auto text = fnn::data::read_delimited(folder + file, DelimitedOptions().skip_lines(1).header(false));
    return fnn::data::classification_table<float>(text, -1);
  }
  const auto whitespace = DelimitedOptions().delimiter(' ').header(false);
  const auto x = fnn::data::read_delimited(folder + "diabetes_data_raw.csv.gz", whitespace);
  const auto y = fnn::data::read_delimited(folder + "diabetes_target.csv.gz", whitespace);
  return fnn::data::TensorDataset<float>(x.tensor<float>(), y.tensor<float>());
}

// A Linear layer started as scikit-learn's MLPs start theirs: weights and biases both uniform in
// +-sqrt(6 / (fan_in + fan_out)) (Glorot), so that the three libraries compared train the same model.
fnn::Linear<float> scikit_learn_linear(fnn::Index in, fnn::Index out, fnn::Rng& rng) {
  fnn::Linear<float> layer(in, out, rng);
  fnn::init::glorot_uniform(layer.weight().value, in, out, rng);
  fnn::init::glorot_uniform(layer.bias().value, in, out, rng);
  return layer;
}

// Trains and tests one table; returns its line of results.
nlohmann::json run_table(const Table& table, const Options& o, fnn::report::HtmlReport& report) {
  fnn::data::TensorDataset<float> all = load(table, o);
  fnn::Rng rng(o.seed);
  auto [train, test] = fnn::data::split(all, 1 - o.test_fraction, rng);
  const auto features = fnn::data::Standardizer<float>::fit(train.features());
  features.apply(train.features());
  features.apply(test.features());
  if (table.regression) {
    const auto targets = fnn::data::Standardizer<float>::fit(train.values());
    targets.apply(train.values());
    targets.apply(test.values());  // R^2 does not change under the same affine map of targets and predictions
  }

  const fnn::Index inputs = train.features().size(1);
  const fnn::Index outputs = table.regression ? train.values().size(1) : all.num_classes();
  fnn::Sequential<float> model;
  model.add(scikit_learn_linear(inputs, o.hidden, rng));
  model.add(fnn::ReLU<float>());
  model.add(scikit_learn_linear(o.hidden, outputs, rng));

  fnn::data::BatchOptions batches;
  batches.batch_size = std::min(o.batch_size, train.size());
  // scikit-learn adds alpha/2 |W|^2 to each batch's summed loss and divides by the batch size: a decay of
  // alpha / batch size on the weights, none on the biases.
  const double decay = o.alpha / static_cast<double>(batches.batch_size);
  fnn::Adam<float> optimizer(fnn::weight_decay_groups(model.parameters(), decay), fnn::AdamOptions().lr(o.lr));
  batches.shuffle = true;
  fnn::data::TensorLoader<float> train_loader(train, batches, rng);
  fnn::data::TensorLoader<float> test_loader(test, {256});
  fnn::train::FitOptions<float> fit;
  fit.epochs = o.quick ? 5 : o.epochs;
  fit.test = &test_loader;
  fit.check_finite = true;
  if (!o.quiet) {
    fit.on_epoch = [&](const fnn::train::EpochRecord& r) {
      if (r.epoch == fit.epochs || r.epoch % 50 == 0)
        std::printf("%-14s %s\n", table.name, fnn::train::epoch_line(r, fit.epochs).c_str());
    };
  }
  const auto start = std::chrono::steady_clock::now();
  fnn::train::History history;
  if (table.regression) {
    fnn::MSELoss<float> loss;
    history = fnn::train::fit(model, loss, optimizer, train_loader, fit);
  } else {
    fnn::CrossEntropyLoss<float> loss;
    history = fnn::train::fit(model, loss, optimizer, train_loader, fit);
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  history.write_csv(o.out_dir + "/" + table.name + ".history.csv");

  const fnn::train::PassResult& result = history.last().test;
  const double score = table.regression ? result.r2 : result.accuracy;
  const char* metric = table.regression ? "test R^2" : "test accuracy";
  report.heading(table.name);
  report.table({"samples", "features", "epochs", metric, "seconds (training and testing)"},
               {{std::to_string(all.size()), std::to_string(inputs), std::to_string(fit.epochs), std::to_string(score),
                 std::to_string(seconds)}});
  report.figure(fnn::svg_data_uri(fnn::report::history_chart(history, false)), "Loss per epoch");
  report.figure(fnn::svg_data_uri(fnn::report::history_chart(history, true)),
                table.regression ? "R^2 per epoch" : "Accuracy per epoch");

  std::vector<fnn::Index> test_rows;  // the split, so that other libraries can train on the same one
  fnn::Rng again(o.seed);
  const auto permutation = fnn::data::random_permutation(all.size(), again);
  const auto train_size = static_cast<std::size_t>(train.size());
  test_rows.assign(permutation.begin() + static_cast<std::ptrdiff_t>(train_size), permutation.end());
  std::sort(test_rows.begin(), test_rows.end());
  return {{"table", table.name},   {"task", table.regression ? "regression" : "classification"},
          {"metric", metric},      {"score", score},
          {"seconds", seconds},    {"epochs", fit.epochs},
          {"samples", all.size()}, {"test_rows", test_rows}};
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app("MLPs on scikit-learn's tables: iris, wine, breast cancer (classification) and diabetes (regression)",
               "tabular");
  app.add_option("--epochs", o.epochs, "Training epochs per table")
      ->capture_default_str()
      ->transform(example::whole_number(1));
  app.add_option("--hidden", o.hidden, "Units of the hidden layer")
      ->capture_default_str()
      ->transform(example::whole_number<fnn::Index>(1));
  app.add_option("--batch-size", o.batch_size, "Mini-batch size (at most the training samples)")
      ->capture_default_str()
      ->transform(example::whole_number<fnn::Index>(1));
  app.add_option("--lr", o.lr, "Adam's learning rate")->capture_default_str()->check(example::number_above(0));
  app.add_option("--alpha", o.alpha, "L2 penalty on the weights, as scikit-learn's alpha")
      ->capture_default_str()
      ->check(example::number_at_least(0));
  app.add_option("--test-fraction", o.test_fraction, "Share of each table held out for testing")
      ->capture_default_str()
      ->check(example::number_in(0.05, 0.95));
  app.add_option("--seed", o.seed, "Seed of the split, the initial weights and the shuffling")
      ->capture_default_str()
      ->transform(example::whole_number<std::uint64_t>(0));
  app.add_option("--threads", o.threads, "OpenMP threads (these models are too small for more than one)")
      ->capture_default_str()
      ->transform(example::whole_number(1));
  app.add_option("--data", o.data_dir, "Folder of scikit-learn's data files")->capture_default_str();
  app.add_option("--out", o.out_dir, "Output folder for the results, histories and report")->capture_default_str();
  app.add_option("--only", o.only, "Tables to run (default: all)")
      ->check(CLI::IsMember({"iris", "wine", "breast_cancer", "diabetes"}));
  app.add_flag("--quick", o.quick, "Smoke test: 5 epochs per table");
  app.add_flag("--quiet", o.quiet, "No line per table");
  return example::run(app, argc, argv, [&] {
    fnn::set_num_threads(o.threads);
    example::Settings folder;
    folder.out_dir = o.out_dir;
    folder.threads = o.threads;
    example::prepare(folder, o.out_dir);
    fnn::report::HtmlReport report("fnn on scikit-learn's tables");
    report.paragraph("One hidden layer of " + std::to_string(o.hidden) + " ReLUs, Adam (lr " + std::to_string(o.lr) +
                     "), seed " + std::to_string(o.seed) + ", " + std::to_string(100 * o.test_fraction) +
                     "% of each table held out for testing; features standardised on the training part.");
    nlohmann::json results = nlohmann::json::array();
    for (const Table& table : tables) {
      if (!o.only.empty() && std::find(o.only.begin(), o.only.end(), table.name) == o.only.end()) continue;
      results.push_back(run_table(table, o, report));
    }
    const std::string json = nlohmann::json{{"seed", o.seed}, {"threads", o.threads}, {"results", results}}.dump(1);
    fnn::write_file_atomically(o.out_dir + "/tabular.json", json.data(), json.size());
    report.write(o.out_dir + "/tabular.report.html");
  });
}
