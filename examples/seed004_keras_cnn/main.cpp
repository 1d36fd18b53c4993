// Seed 004: three Keras CNNs, trained with Adam (lr 0.001) for 10 epochs; the seed reports test accuracies
// of 91.34% (architecture 1), 93.02% (architecture 2) and 94.8% (architecture 3, VGG-like).
// Prints the parameter count, the confusion matrix and the per-class precision / recall / F1 table.
// Architecture 3 has a BatchNorm after every convolution and after the dense layer: that is what the
// seed's count of 1,677,674 parameters adds up to (--no-batchnorm removes them). Architectures 1 and 2
// are fnn's readings of the seed's outlines (fnn::models::keras_arch1 and keras_arch2).
// fnn's own improvements, off by default: --flip (random horizontal flip), --augment (random crop with
// padding 2 as well as the flip), --erase P (random erasing of a rectangle with probability P, as
// torchvision's RandomErasing), --flip-average (test images classified by the mean of the outputs for
// the image and its mirror image), --label-smoothing, --sgd (SGD with Nesterov momentum 0.9 and weight
// decay 5e-4 in place of Adam), --weight-decay W (AdamW), --one-cycle (warm-up then cosine, per batch),
// --keras-defaults (the layers initialised as Keras does), --ema D (evaluation with an exponential moving
// average of the weights, decay D; --ema-warmup W, the constant of its warm-up), --block-dropout and
// --dense-dropout (architecture 3's dropout rates, 0.25 and 0.5 as in the seed) and --cosine (cosine
// learning-rate schedule down to 0 over the run, which every training example offers).
#include <optional>

#include "common/example.hpp"

int main(int argc, char** argv) {
  CLI::App app("Seed 004: three Keras CNN architectures up to a VGG-like model", "seed004_keras_cnn");
  example::Settings s;
  s.epochs = 10;
  s.batch_size = 64;
  s.lr = 0.001;
  example::add_settings_flags(app, s);
  int arch = 3;
  bool batchnorm = true, flip = false, augment = false, sgd = false, flip_average = false;
  app.add_option("--arch", arch, "Architecture 1, 2 or 3 (VGG-like)")
      ->capture_default_str()
      ->transform(example::whole_number(1, 3));
  app.add_flag("--batchnorm,!--no-batchnorm", batchnorm, "Architecture 3 with its BatchNorm layers (default)")
      ->default_str("true");  // for the report and summary, which list the defaults too
  bool keras_defaults = false;
  app.add_flag("--keras-defaults", keras_defaults,
               "Architecture 3 with Keras's layer defaults: Glorot-uniform kernels, zero biases, BatchNorm momentum "
               "0.99 and epsilon 1e-3");
  fnn::models::VggDropout dropout;
  app.add_option("--block-dropout", dropout.after_blocks, "Architecture 3: dropout rate after each conv block")
      ->capture_default_str()
      ->check(example::number_in(0.0, 0.99));
  app.add_option("--dense-dropout", dropout.after_dense, "Architecture 3: dropout rate after the hidden dense layer")
      ->capture_default_str()
      ->check(example::number_in(0.0, 0.99));
  app.add_flag("--flip", flip, "Random horizontal flip of the training images");
  app.add_flag("--augment", augment, "Random crop (padding 2) and horizontal flip of the training images");
  double erase = 0;
  app.add_option("--erase", erase, "Random erasing: probability that a training image loses a random rectangle")
      ->capture_default_str()
      ->check(example::number_in(0.0, 1.0));
  double label_smoothing = 0;
  app.add_option("--label-smoothing", label_smoothing, "Label smoothing of the cross-entropy loss")
      ->capture_default_str()
      ->check(example::number_in(0.0, 1.0));
  app.add_flag("--flip-average", flip_average,
               "Test-time augmentation: average the outputs for each test image and its mirror image");
  bool one_cycle = false;
  app.add_flag("--one-cycle", one_cycle,
               "One-cycle schedule per batch: warm-up from --lr/25 to --lr over 30% of the steps, then cosine down");
  double ema_decay = 0;
  app.add_option("--ema", ema_decay,
                 "Evaluate (and save) an exponential moving average of the weights with this decay per step; 0: off")
      ->capture_default_str()
      ->check(example::number_in(0.0, 0.99999));
  double ema_warmup = 10;
  app.add_option("--ema-warmup", ema_warmup,
                 "The average's decay is min(D, (1 + n) / (W + n)) after n steps: larger W forgets the early steps "
                 "sooner; 1 means no warm-up")
      ->capture_default_str()
      ->check(example::number_in(1.0, 1000.0));
  CLI::Option* sgd_flag =
      app.add_flag("--sgd", sgd, "SGD with Nesterov momentum 0.9 and weight decay 5e-4 in place of Adam");
  double weight_decay = 0;
  app.add_option("--weight-decay", weight_decay, "AdamW: Adam with this decoupled weight decay (torch.optim.AdamW)")
      ->capture_default_str()
      ->check(example::number_in(0.0, 1.0))
      ->excludes(sgd_flag);
  return example::run(app, argc, argv, [&] {
    example::prepare(s, "out/seed004_keras_cnn");
    const example::Data data = example::load_data(s);
    fnn::Rng rng(s.seed);
    fnn::data::Augmentation augmentation;
    augmentation.crop_padding = augment ? 2 : 0;
    augmentation.horizontal_flip = augment || flip;
    augmentation.erase_probability = erase;
    auto train = example::make_loader(data.train, s, {}, true, rng, augmentation);
    auto test = example::make_loader(data.test, s, {}, false, rng);
    const std::string architecture =
        arch == 1 ? "keras_arch1"
        : arch == 2 ? "keras_arch2"
        : !batchnorm ? "vgg_like"
        : keras_defaults ? "vgg_like_bn_keras"
                         : "vgg_like_bn";
    fnn::Sequential<float> model =
        arch == 3 ? fnn::models::vgg_like<float>(rng, batchnorm,
                                                 keras_defaults ? fnn::models::LayerDefaults::keras
                                                                : fnn::models::LayerDefaults::pytorch,
                                                 dropout)
                  : fnn::models::by_name<float>(architecture, rng);
    model.summary({1, 1, 28, 28});
    std::unique_ptr<fnn::Optimizer<float>> optimizer;
    if (sgd) {
      const auto sgd_options = fnn::SGDOptions().lr(s.lr).momentum(0.9).weight_decay(5e-4).nesterov(true);
      optimizer = std::make_unique<fnn::SGD<float>>(model.parameters(), sgd_options);
    } else {
      const auto adam_options =
          fnn::AdamOptions().lr(s.lr).weight_decay(weight_decay).decoupled_weight_decay(weight_decay > 0);
      optimizer = std::make_unique<fnn::Adam<float>>(model.parameters(), adam_options);
    }
    fnn::CrossEntropyLoss<float> loss(label_smoothing);
    const std::string experiment = "seed004_arch" + std::to_string(arch);
    fnn::train::FitOptions<float> options = example::fit_options(s, *optimizer, experiment);
    options.test = &test;
    std::optional<fnn::ExponentialMovingAverage<float>> average;
    if (ema_decay > 0) options.average = &average.emplace(model, ema_decay, ema_warmup);
    if (one_cycle) {
      const long long steps = s.epochs * train.batches_per_epoch();
      options.schedule = std::make_shared<fnn::OneCycleLR<float>>(*optimizer, s.lr, steps);
    }
    fnn::HorizontalFlipAverage<float> averaged(model);
    fnn::Layer<float>& classifier = flip_average ? static_cast<fnn::Layer<float>&>(averaged) : model;
    const fnn::train::History history = fnn::train::fit(classifier, loss, *optimizer, train, options);
    const double seed_accuracy[] = {0.9134, 0.9302, 0.948};
    const fnn::metrics::ConfusionMatrix confusion =
        example::finish_run(s, {experiment, architecture, {}, seed_accuracy[arch - 1], history.last().test.accuracy},
                            model, history, data, &classifier);
    example::print_test_metrics(confusion, true);
  });
}
