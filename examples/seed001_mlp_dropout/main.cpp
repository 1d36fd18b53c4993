// Seed 001: fully-connected networks with dropout, LogSoftmax + NLLLoss and Adam, batch 64, on an 80/20
// train/validation split of the training set, inputs normalised with mean 0.5 and deviation 0.5.
//   model 1: 784-128-64-10, dropout 0.25, lr 0.003, 25 epochs (seed: 87.42% test accuracy)
//   model 2: 784-512-256-128-64-10, dropout 0.25, lr 0.0007, 35 epochs (seed: 88.65%)
// Prints training and validation loss per epoch, then classifies one test image with its probabilities.
#include "common/example.hpp"

namespace {

struct Variant {
  const char* name;
  const char* architecture;
  double lr;
  int epochs;
  double seed_accuracy;
};

const Variant variants[] = {
    {"seed001_mlp_dropout_model1", "mlp_dropout", 0.003, 25, 0.8742},
    {"seed001_mlp_dropout_model2", "deep_mlp_dropout", 0.0007, 35, 0.8865},
};

void classify(fnn::Sequential<float>& model, const fnn::data::Dataset& test, fnn::Index index) {
  model.eval();
  const auto& log_probs = model.forward(fnn::data::image_tensor<float>(test, index, fnn::data::symmetric_normalization));
  std::printf("test image %lld, true class %s:\n", static_cast<long long>(index),
              fnn::data::fashion_mnist_class_name(test.label(index)).c_str());
  for (const auto& p : fnn::metrics::top_k(log_probs, 0, fnn::data::fashion_mnist_num_classes)) {
    std::printf("  %-12s %6.2f%%  %s\n", fnn::data::fashion_mnist_class_name(p.label).c_str(), 100 * p.probability,
                std::string(static_cast<std::size_t>(40 * p.probability + 0.5), '#').c_str());
  }
}

void run_variant(const Variant& v, example::Settings s, const example::Data& data, int epochs_flag, double lr_flag,
                 fnn::Index index) {
  s.epochs = s.quick ? 1 : (epochs_flag > 0 ? epochs_flag : v.epochs);
  s.lr = lr_flag > 0 ? lr_flag : v.lr;
  std::printf("\n%s: %d epochs, Adam lr %g\n", v.name, s.epochs, s.lr);
  fnn::Rng rng(s.seed);
  const auto [train_set, validation_set] = fnn::data::split(data.train, 0.8, rng);
  const auto normalize = fnn::data::symmetric_normalization;
  auto train = example::make_loader(train_set, s, normalize, true, rng);
  auto validation = example::make_loader(validation_set, s, normalize, false, rng);
  auto test = example::make_loader(data.test, s, normalize, false, rng);
  fnn::Sequential<float> model = fnn::models::by_name<float>(v.architecture, rng);
  fnn::Adam<float> adam(model.parameters(), fnn::AdamOptions().lr(s.lr));
  fnn::NLLLoss<float> loss;
  fnn::train::FitOptions<float> options = example::fit_options(s, adam, v.name);
  options.validation = &validation;
  const fnn::train::History history = fnn::train::fit(model, loss, adam, train, options);
  const double accuracy = fnn::train::evaluate(model, loss, test).accuracy;
  std::printf("%s test accuracy: %.2f%%\n", v.name, 100 * accuracy);
  classify(model, data.test, index);
  example::finish_run(s, {v.name, v.architecture, normalize, v.seed_accuracy, accuracy}, model, history, data);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Seed 001: MLPs with dropout, LogSoftmax + NLLLoss, Adam, 80/20 validation split", "seed001_mlp_dropout");
  example::Settings s;
  s.batch_size = 64;
  example::add_settings_flags(app, s);
  // --epochs and --lr default to each model's own setting: 0 here stands for "not given".
  s.epochs = 0;
  s.lr = 0;
  app.get_option("--epochs")->default_str("25 / 35");
  app.get_option("--lr")->default_str("0.003 / 0.0007");
  int which = 0;
  fnn::Index index = 0;
  app.add_option("--model", which, "1 or 2; both when omitted")->transform(example::whole_number(1, 2));
  app.add_option("--index", index, "Test image to classify")
      ->capture_default_str()
      ->transform(example::whole_number<fnn::Index>(0));
  return example::run(app, argc, argv, [&] {
    const int epochs_flag = s.epochs;
    example::prepare(s, "out/seed001_mlp_dropout");
    const example::Data data = example::load_data(s);
    if (index < 0 || index >= data.test.size()) throw fnn::ValueError("--index is outside the test set");
    for (int m = 1; m <= 2; ++m) {
      if (which == 0 || which == m) run_variant(variants[m - 1], s, data, epochs_flag, s.lr, index);
    }
  });
}
