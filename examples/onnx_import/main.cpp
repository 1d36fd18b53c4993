// Runs a model exported to ONNX (by torch.onnx.export, an example's --export-onnx, any exporter of the
// operators fnn reads: docs/onnx.md) in fnn: prints the model's layers, then classifies PNG or JPEG images
// as predict does, each a 28x28 grayscale image with Fashion-MNIST's polarity, normalised by the pixel
// mean and deviation the model was trained with (--mean and --std; PyTorch's ToTensor alone: 0 and 1).
//   onnx_import lenet.onnx shirt.png --mean 0.2860 --std 0.3530
#include <fnn/onnx.hpp>
#include <string>
#include <vector>

#include "common/classify.hpp"
#include "common/example.hpp"

int main(int argc, char** argv) {
  CLI::App app("Classify images with a model from an ONNX file", "onnx_import");
  std::string model_path;
  std::vector<std::string> images;
  fnn::data::Normalize normalize;
  int k = 3;
  app.add_option("model", model_path, "ONNX model file")->required()->check(CLI::ExistingFile);
  app.add_option("images", images, "PNG or JPEG files to classify")->check(CLI::ExistingFile);
  app.add_option("--mean", normalize.mean, "Pixel mean (pixels in [0, 1]) the model's inputs were normalised by")
      ->capture_default_str()
      ->check(example::number_in(-1, 1));
  app.add_option("--std", normalize.stddev, "Pixel deviation the model's inputs were divided by")
      ->capture_default_str()
      ->check(example::number_above(0));
  app.add_option("--top", k, "How many classes to print")
      ->capture_default_str()
      ->transform(example::whole_number(1, 10));
  return example::run(app, argc, argv, [&] {
    fnn::Sequential<float> model = fnn::onnx::load<float>(model_path);
    const fnn::Shape image{1, 1, 28, 28};
    fnn::Shape scores;
    try {
      scores = model.output_shape(image);
    } catch (const fnn::ShapeError& e) {
      throw fnn::ShapeError(model_path +
                            ": the model does not take a 28x28 grayscale image [1, 1, 28, 28]: " + e.what());
    }
    if (scores != fnn::Shape{1, fnn::data::fashion_mnist_num_classes}) {
      throw fnn::ShapeError(model_path + ": the model computes " + scores.str() +
                            " for an image, not the scores of Fashion-MNIST's 10 classes");
    }
    model.summary(image);
    example::classify_images(model, images, normalize, k);
  });
}
