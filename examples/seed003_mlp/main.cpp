// Seed 003: a 784-128-64-10 MLP trained with SGD (lr 0.001, momentum 0.9), batch 64, for 5 epochs,
// written as the seed's five functions with its output format. The seed reached 84.48% test accuracy.
#include "common/example.hpp"

using Model = fnn::Sequential<float>;
using Loader = fnn::data::DataLoader<float>;
using Criterion = fnn::CrossEntropyLoss<float>;

namespace {

example::Settings settings;
const fnn::data::Normalize normalization = fnn::data::mnist_normalization;  // (0.1307, 0.3081)

Loader get_data_loader(const fnn::data::Dataset& dataset, bool training, fnn::Rng& rng) {
  fnn::data::LoaderOptions options;
  options.batch_size = settings.batch_size;
  options.shuffle = training;
  options.normalize = normalization;
  return Loader(dataset, options, rng);
}

Model build_model(fnn::Rng& rng) { return fnn::models::mlp<float>(rng); }

fnn::train::History train_model(Model& model, Loader& train_loader, Criterion& criterion, int epochs) {
  fnn::SGD<float> optimizer(model.parameters(), fnn::SGDOptions().lr(settings.lr).momentum(0.9));
  example::Settings s = settings;
  s.epochs = epochs;
  fnn::train::FitOptions<float> options =
      example::fit_options(s, optimizer, "seed003_mlp", [](const fnn::train::EpochRecord& r, int) {
        char line[128];
        std::snprintf(line, sizeof line, "Train Epoch: %d  Accuracy: %lld/%lld(%.2f%%)  Loss: %.3f", r.epoch - 1,
                      r.train.correct, r.train.count, 100 * r.train.accuracy, r.train.loss);
        return std::string(line);
      });
  return fnn::train::fit(model, criterion, optimizer, train_loader, options);
}

double evaluate_model(Model& model, Loader& test_loader, Criterion& criterion, bool show_loss) {
  const fnn::train::PassResult r = fnn::train::evaluate(model, criterion, test_loader);
  if (show_loss) std::printf("Average loss: %.4f\n", r.loss);
  std::printf("Accuracy: %.2f%%\n", 100 * r.accuracy);
  return r.accuracy;
}

void predict_label(Model& model, const fnn::data::Dataset& test_images, fnn::Index index) {
  model.eval();
  const auto& logits = model.forward(fnn::data::image_tensor<float>(test_images, index, normalization));
  for (const auto& p : fnn::metrics::top_k(logits, 0, 3)) {
    std::printf("%s: %.2f%%\n", fnn::data::fashion_mnist_class_name(p.label).c_str(), 100 * p.probability);
  }
}

void visualize_image(const fnn::data::Dataset& images, fnn::Index index) {
  if (!settings.writes_files()) return;  // rank 0's in a distributed run
  fnn::write_gray_png(settings.out_dir + "/image.png", images.image(index), static_cast<int>(images.cols()),
                      static_cast<int>(images.rows()));
  std::printf("Ground Truth Label: %s\n", fnn::data::fashion_mnist_class_name(images.label(index)).c_str());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Seed 003: MLP 784-128-64-10, SGD with momentum, the seed's five functions", "seed003_mlp");
  settings.epochs = 5;
  settings.batch_size = 64;
  settings.lr = 0.001;
  example::add_settings_flags(app, settings);
  fnn::Index index = 1;
  app.add_option("--index", index, "Test image to classify and save as image.png")
      ->capture_default_str()
      ->transform(example::whole_number<fnn::Index>(0));
  return example::run(app, argc, argv, [&] {
    example::prepare(settings, "out/seed003_mlp");
    const example::Data data = example::load_data(settings);
    if (index < 0 || index >= data.test.size()) throw fnn::ValueError("--index is outside the test set");
    fnn::Rng rng(settings.seed);
    Loader train_loader = get_data_loader(data.train, true, rng);
    Loader test_loader = get_data_loader(data.test, false, rng);
    Model model = build_model(rng);
    Criterion criterion;
    fnn::train::History history = train_model(model, train_loader, criterion, settings.epochs);
    const double test_accuracy = evaluate_model(model, test_loader, criterion, true);
    predict_label(model, data.test, index);
    visualize_image(data.test, index);
    example::finish_run(settings, {"seed003_mlp", "mlp", normalization, 0.8448, test_accuracy}, model, history, data);
  });
}
