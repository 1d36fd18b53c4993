// Classifies any PNG or JPEG with a model saved by one of the training examples: the image becomes a
// 28x28 grayscale image with Fashion-MNIST's polarity, is normalised as in training, and the three most
// likely classes are printed with their probabilities.
//   predict out/seed002_cnn/seed002_cnn.fnn shirt.jpg
// The architecture and normalisation come from the .summary.json written beside the model.
#include <string>

#include "common/classify.hpp"
#include "common/example.hpp"

namespace {

// The model the summary names, untrained; an unknown name is the summary file's fault.
fnn::Sequential<float> architecture(const example::Summary& summary, const std::string& summary_path) {
  fnn::Rng rng(0);
  try {
    return fnn::models::by_name<float>(summary.architecture, rng);
  } catch (const fnn::ValueError& e) {
    throw fnn::IoError(summary_path + ": the field \"architecture\": " + e.what());
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Classify images with a saved fnn model", "predict");
  std::string model_path;
  std::vector<std::string> images;
  int k = 3;
  app.add_option("model", model_path, "Model file written by a training example (NAME.fnn)")->required()->check(CLI::ExistingFile);
  app.add_option("images", images, "PNG or JPEG files")->required()->check(CLI::ExistingFile);
  app.add_option("--top", k, "How many classes to print")
      ->capture_default_str()
      ->transform(example::whole_number(1, 10));
  return example::run(app, argc, argv, [&] {
    const std::string summary_path = model_path.substr(0, model_path.rfind(".fnn")) + ".summary.json";
    const example::Summary summary = example::read_summary(summary_path);
    fnn::Sequential<float> model = architecture(summary, summary_path);
    fnn::load(model, model_path);
    example::classify_images(model, images, summary.normalize, k);
  });
}
