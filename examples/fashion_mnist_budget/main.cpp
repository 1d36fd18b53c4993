// Not a seed experiment: the most accurate Fashion-MNIST model fnn trains in a given wall-clock time, from
// the first training step to the final test accuracy, evaluations included (--minutes; loading the data
// is not counted). The model: seed 004's VGG-like network with BatchNorm (fnn::models::vgg_like). The
// recipe: SGD with Nesterov momentum 0.9 and weight decay on the weights only (none on biases and
// BatchNorm), a one-cycle schedule up to --lr that follows the time budget's progress, so that it
// completes however many steps the machine manages (fnn/train/time_budget.hpp), label smoothing, random
// crops (padding 2) and horizontal flips, inputs standardised with the training set's statistics. The
// model at the end of the budget is the one reported: no epoch is picked by its test accuracy. The
// seed's dropout rates unless --block-dropout and --dense-dropout change them.
// --validation F holds out a fraction F of the training images and reports the accuracy on them, for
// choosing settings without the test set. --seeds N trains N runs with seeds --seed, --seed + 1, ...
// and prints the mean, the lowest and the highest test accuracy; the runs go to OUT/budget-record.json
// (a record; with --record DIR also to DIR).
#include <algorithm>
#include <memory>
#include <numeric>
#include <optional>
#include <tuple>

#include "common/example.hpp"
#include "common/record.hpp"

namespace {

struct Recipe {
  double weight_decay = 5e-4;
  double label_smoothing = 0.1;
  double validation = 0;
  bool flip_average = false;
  fnn::models::VggDropout dropout;
};

struct RunResult {
  std::uint64_t seed = 0;
  double test_accuracy = 0, validation_accuracy = 0;
  double seconds = 0;    // from the first step to the final evaluation's end
  int epochs = 0;        // begun; the last one may stop short
  long long images = 0;  // training images seen
};

// One run of the recipe with the seed in `s`, writing its files under the name `experiment`.
RunResult train_one(const example::Settings& s, const Recipe& recipe, const example::Data& loaded,
                    const std::string& experiment) {
  fnn::Rng rng(s.seed);
  example::Data data = loaded;
  fnn::data::Dataset held_out;
  if (recipe.validation > 0) std::tie(data.train, held_out) = fnn::data::split(data.train, 1 - recipe.validation, rng);
  const fnn::data::Normalize normalize = fnn::data::dataset_statistics(data.train);
  fnn::data::Augmentation augmentation;
  augmentation.crop_padding = 2;
  augmentation.horizontal_flip = true;
  auto train = example::make_loader(data.train, s, normalize, true, rng, augmentation);
  example::Settings evaluation = s;
  evaluation.batch_size = 500;
  auto test = example::make_loader(data.test, evaluation, normalize, false, rng);
  fnn::Sequential<float> model =
      fnn::models::vgg_like<float>(rng, true, fnn::models::LayerDefaults::pytorch, recipe.dropout);
  const auto sgd_options = fnn::SGDOptions().lr(s.lr).momentum(0.9).nesterov(true);
  fnn::SGD<float> sgd(fnn::weight_decay_groups(model.parameters(), recipe.weight_decay), sgd_options);
  fnn::CrossEntropyLoss<float> loss(recipe.label_smoothing);
  fnn::train::FitOptions<float> options = example::fit_options(s, sgd, experiment);
  options.schedule = std::make_shared<fnn::OneCycleLR<float>>(sgd, s.lr, options.budget->progress_source());
  options.test = &test;
  std::optional<fnn::data::DataLoader<float>> validate;
  if (recipe.validation > 0) {
    options.validation = &validate.emplace(example::make_loader(held_out, evaluation, normalize, false, rng));
  }
  fnn::HorizontalFlipAverage<float> averaged(model);
  fnn::Layer<float>& classifier = recipe.flip_average ? static_cast<fnn::Layer<float>&>(averaged) : model;
  const fnn::train::History history = fnn::train::fit(classifier, loss, sgd, train, options);
  const fnn::train::EpochRecord& last = history.last();
  std::printf("%s: test accuracy %.2f%% after %.1f minutes (%d epochs begun)\n", experiment.c_str(),
              100 * last.test.accuracy, last.elapsed_seconds / 60, last.epoch);
  if (recipe.validation > 0) std::printf("validation accuracy: %.2f%%\n", 100 * last.validation.accuracy);
  example::finish_run(s, {experiment, "vgg_like_bn", normalize, 0, last.test.accuracy}, model, history, data,
                      &classifier);
  long long images = 0;
  for (const fnn::train::EpochRecord& r : history.rows()) images += r.train.count;
  return {s.seed, last.test.accuracy, last.validation.accuracy, last.elapsed_seconds, last.epoch, images};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("The most accurate VGG-like model fnn trains on Fashion-MNIST within a wall-clock budget",
               "fashion_mnist_budget");
  example::Settings s;
  s.batch_size = 128;
  s.lr = 0.1;
  s.minutes = 10;
  example::add_settings_flags(app, s);
  CLI::Option* minutes = example::add_budget_flag(app, s)->capture_default_str();
  app.remove_option(app.get_option("--epochs"));  // the budget decides
  app.remove_option(app.get_option("--cosine"));  // the one-cycle schedule follows the budget
  app.get_option("--lr")->description("Peak learning rate of the one-cycle schedule");
  app.get_option("--quick")->description("Smoke test: 2,000 training and 1,000 test images, 0.2 minutes");
  app.get_option("--resume")->description("Continue the run from its checkpoint, within the budget it started with");
  Recipe recipe;
  int seeds = 1;
  app.add_option("--seeds", seeds, "Train this many runs, with seeds --seed, --seed + 1, ..., and summarise them")
      ->capture_default_str()
      ->transform(example::whole_number(1, 100))
      ->excludes(app.get_option("--export-onnx"));  // one file, several models
  app.add_option("--weight-decay", recipe.weight_decay, "SGD weight decay of the convolution and Linear weights")
      ->capture_default_str()
      ->check(example::number_in(0.0, 1.0));
  app.add_option("--label-smoothing", recipe.label_smoothing, "Label smoothing of the cross-entropy loss")
      ->capture_default_str()
      ->check(example::number_in(0.0, 1.0));
  app.add_option("--validation", recipe.validation,
                 "Hold out this fraction of the training images and report the accuracy on them")
      ->capture_default_str()
      ->check(example::number_in(0.0, 0.5));
  app.add_option("--block-dropout", recipe.dropout.after_blocks, "Dropout rate after each conv block")
      ->capture_default_str()
      ->check(example::number_in(0.0, 0.99));
  app.add_option("--dense-dropout", recipe.dropout.after_dense, "Dropout rate after the hidden dense layer")
      ->capture_default_str()
      ->check(example::number_in(0.0, 0.99));
  app.add_flag("--flip-average", recipe.flip_average,
               "Test-time augmentation: average the outputs for each test image and its mirror image");
  std::string record_dir;
  app.add_option("--record", record_dir, "Also write the runs' record to this folder (docs/records/budget)");
  return example::run(app, argc, argv, [&] {
    example::prepare(s, "out/fashion_mnist_budget");
    if (s.quick && minutes->count() == 0) s.minutes = 0.2;
    const example::Data data = example::load_data(s);
    nlohmann::json record = example::record_metadata("budget", s, argc, argv);
    record["library"] = "fnn";
    record["minutes"] = s.minutes;
    record["validation"] = recipe.validation;
    std::vector<RunResult> results;
    const std::uint64_t first_seed = s.seed;
    for (int k = 0; k < seeds; ++k) {
      example::Settings run = s;
      run.seed = first_seed + static_cast<std::uint64_t>(k);
      char experiment[64];
      std::snprintf(experiment, sizeof experiment, "vgg_bn_%gmin_seed%llu", s.minutes,
                    static_cast<unsigned long long>(run.seed));
      results.push_back(train_one(run, recipe, data, experiment));
      const RunResult& r = results.back();
      record["runs"].push_back({{"seed", r.seed},
                                {"test_accuracy", r.test_accuracy},
                                {"validation_accuracy", recipe.validation > 0 ? nlohmann::json(r.validation_accuracy)
                                                                              : nlohmann::json(nullptr)},
                                {"seconds", r.seconds},
                                {"epochs", r.epochs},
                                {"images", r.images}});
    }
    std::vector<double> accuracies;
    for (const RunResult& r : results) accuracies.push_back(r.test_accuracy);
    const double mean = std::accumulate(accuracies.begin(), accuracies.end(), 0.0) / accuracies.size();
    const auto [lowest, highest] = std::minmax_element(accuracies.begin(), accuracies.end());
    std::printf("\n%d run%s of %g minutes: test accuracy mean %.2f%%, min %.2f%%, max %.2f%%\n", seeds,
                seeds > 1 ? "s" : "", s.minutes, 100 * mean, 100 * *lowest, 100 * *highest);
    record["mean_test_accuracy"] = mean;
    record["min_test_accuracy"] = *lowest;
    record["max_test_accuracy"] = *highest;
    if (!s.writes_files()) return;  // a distributed run's record is rank 0's
    const std::string path = example::write_record(record, s.out_dir, record_dir);
    if (!path.empty()) std::printf("record: %s\n", path.c_str());
  });
}
