#pragma once
// What predict and onnx_import share: classifying image files with a model that scores Fashion-MNIST's
// ten classes.
#include <fnn/fnn.hpp>
#include <string>
#include <vector>

namespace example {

// Prints, for each PNG or JPEG in `images`, its `k` most likely classes with their probabilities. Each
// image becomes a 28x28 grayscale image with Fashion-MNIST's polarity, normalised by `normalize`.
void classify_images(fnn::Layer<float>& model, const std::vector<std::string>& images,
                     const fnn::data::Normalize& normalize, int k);

}  // namespace example
