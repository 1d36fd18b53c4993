// Classifies any PNG or JPEG with a model saved by one of the training examples: the image becomes a
// 28x28 grayscale image with Fashion-MNIST's polarity, is normalised as in training, and the three most
// likely classes are printed with their probabilities.
//   predict out/seed002_cnn/seed002_cnn.fnn shirt.jpg
// The architecture and normalisation come from the .summary.json written beside the model.
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>

#include "common/example.hpp"

int main(int argc, char** argv) {
  CLI::App app("Classify images with a saved fnn model", "predict");
  std::string model_path;
  std::vector<std::string> images;
  int k = 3;
  app.add_option("model", model_path, "Model file written by a training example (NAME.fnn)")->required()->check(CLI::ExistingFile);
  app.add_option("images", images, "PNG or JPEG files")->required()->check(CLI::ExistingFile);
  app.add_option("--top", k, "How many classes to print")->capture_default_str()->check(CLI::Range(1, 10));
  return example::run(app, argc, argv, [&] {
    const std::string summary_path = model_path.substr(0, model_path.rfind(".fnn")) + ".summary.json";
    std::ifstream summary_file(summary_path);
    if (!summary_file) throw fnn::IoError(summary_path + ": cannot open the summary written beside the model");
    const nlohmann::json summary = nlohmann::json::parse(summary_file, nullptr, false);
    if (summary.is_discarded() || !summary.contains("architecture") || !summary.contains("normalize_mean") ||
        !summary.contains("normalize_std")) {
      throw fnn::IoError(summary_path + ": not a summary written by an fnn example");
    }
    fnn::Rng rng(0);
    auto model = fnn::models::by_name<float>(summary["architecture"].get<std::string>(), rng);
    fnn::load(model, model_path);
    model.eval();
    const fnn::data::Normalize normalize{summary["normalize_mean"].get<double>(), summary["normalize_std"].get<double>()};
    for (const std::string& path : images) {
      const fnn::data::Dataset one = fnn::data::fashion_mnist_like(fnn::read_gray_image(path));
      const auto& scores = model.forward(fnn::data::image_tensor<float>(one, 0, normalize));
      std::printf("%s\n", path.c_str());
      for (const auto& p : fnn::metrics::top_k(scores, 0, k)) {
        std::printf("  %-12s %6.2f%%\n", fnn::data::fashion_mnist_class_name(p.label).c_str(), 100 * p.probability);
      }
    }
  });
}
