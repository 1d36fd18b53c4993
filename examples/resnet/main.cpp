// Not a seed experiment: a small ResNet on Fashion-MNIST, the ResNet of He et al. for small images
// (fnn::models::resnet: a stem conv, three stages of basic blocks with 16, 32 and 64 channels, global
// average pooling, Linear(64, 10)), with --blocks basic blocks per stage: 1 is ResNet-8, 2 ResNet-14, 3
// ResNet-20. The recipe: SGD with Nesterov momentum 0.9 and weight decay 5e-4 on the weights (none on
// biases and BatchNorm), a one-cycle schedule per batch up to --lr over the epochs, or over the time
// budget with --minutes (--cosine: cosine per epoch from --lr instead), inputs standardised with the
// training set's mean and deviation, random crops (padding 2) and horizontal flips in training
// (--no-augment turns them off). --validation F holds out a fraction F of the training images and reports
// the accuracy on them after every epoch, for choosing settings without the test set; --flip-average
// classifies each test image by the mean of the outputs for it and its mirror.
#include <memory>
#include <optional>
#include <tuple>

#include "common/example.hpp"

int main(int argc, char** argv) {
  CLI::App app("A small ResNet (basic blocks, 16/32/64 channels) with SGD, one-cycle schedule and augmentation",
               "resnet");
  example::Settings s;
  s.epochs = 8;
  s.batch_size = 128;
  s.lr = 0.1;
  example::add_settings_flags(app, s);
  example::add_budget_flag(app, s)->excludes(app.get_option("--cosine"))->excludes(app.get_option("--epochs"));
  app.get_option("--lr")->description("Peak learning rate of the one-cycle schedule (the start with --cosine)");
  app.get_option("--cosine")
      ->description("Cosine schedule from --lr down to 0 over the epochs, per epoch, in place of the one-cycle one");
  int blocks = 1;
  app.add_option("--blocks", blocks, "Basic blocks per stage: 1 (ResNet-8), 2 (ResNet-14) or 3 (ResNet-20)")
      ->capture_default_str()
      ->transform(example::whole_number(1, 3));
  double weight_decay = 5e-4;
  app.add_option("--weight-decay", weight_decay, "SGD weight decay of the convolution and Linear weights")
      ->capture_default_str()
      ->check(example::number_in(0.0, 1.0));
  bool augment = true;
  app.add_flag("--augment,!--no-augment", augment,
               "Random crops (padding 2) and horizontal flips of the training images (default)")
      ->default_str("true");  // for the report and summary, which list the defaults too
  double validation = 0;
  app.add_option("--validation", validation,
                 "Hold out this fraction of the training images and report the accuracy on them after every epoch")
      ->capture_default_str()
      ->check(example::number_in(0.0, 0.5));
  bool flip_average = false;
  app.add_flag("--flip-average", flip_average,
               "Test-time augmentation: average the outputs for each test image and its mirror image");
  return example::run(app, argc, argv, [&] {
    example::prepare(s, "out/resnet");
    example::Data data = example::load_data(s);
    fnn::Rng rng(s.seed);
    fnn::data::Dataset held_out;
    if (validation > 0) std::tie(data.train, held_out) = fnn::data::split(data.train, 1 - validation, rng);
    const fnn::data::Normalize normalize = fnn::data::dataset_statistics(data.train);
    fnn::data::Augmentation augmentation;
    augmentation.crop_padding = augment ? 2 : 0;
    augmentation.horizontal_flip = augment;
    auto train = example::make_loader(data.train, s, normalize, true, rng, augmentation);
    example::Settings evaluation = s;
    evaluation.batch_size = 500;
    auto test = example::make_loader(data.test, evaluation, normalize, false, rng);
    const std::string architecture = "resnet" + std::to_string(6 * blocks + 2);  // also the experiment's name
    fnn::Sequential<float> model = fnn::models::resnet<float>(rng, blocks);
    model.summary({1, 1, 28, 28});
    const auto sgd_options = fnn::SGDOptions().lr(s.lr).momentum(0.9).nesterov(true);
    fnn::SGD<float> sgd(fnn::weight_decay_groups(model.parameters(), weight_decay), sgd_options);
    fnn::CrossEntropyLoss<float> loss;
    fnn::train::FitOptions<float> options = example::fit_options(s, sgd, architecture);
    options.test = &test;
    std::optional<fnn::data::DataLoader<float>> validate;
    if (validation > 0) {
      options.validation = &validate.emplace(example::make_loader(held_out, evaluation, normalize, false, rng));
    }
    if (options.budget) {
      options.schedule = std::make_shared<fnn::OneCycleLR<float>>(sgd, s.lr, options.budget->progress_source());
    } else if (!s.cosine) {
      const long long steps = s.epochs * train.batches_per_epoch();
      options.schedule = std::make_shared<fnn::OneCycleLR<float>>(sgd, s.lr, steps);
    }
    fnn::HorizontalFlipAverage<float> averaged(model);
    fnn::Layer<float>& classifier = flip_average ? static_cast<fnn::Layer<float>&>(averaged) : model;
    const fnn::train::History history = fnn::train::fit(classifier, loss, sgd, train, options);
    if (validation > 0) std::printf("validation accuracy: %.2f%%\n", 100 * history.last().validation.accuracy);
    const fnn::metrics::ConfusionMatrix confusion = example::finish_run(
        s, {architecture, architecture, normalize, 0, history.last().test.accuracy}, model, history, data, &classifier);
    example::print_test_metrics(confusion, true);
  });
}
