// classify_images (classify.hpp).
#include "common/classify.hpp"

#include <cstdio>
#include <fnn/extras.hpp>

namespace example {

void classify_images(fnn::Layer<float>& model, const std::vector<std::string>& images,
                     const fnn::data::Normalize& normalize, int k) {
  model.eval();
  for (const std::string& path : images) {
    const fnn::data::Dataset one = fnn::data::fashion_mnist_like(fnn::read_gray_image(path));
    const auto& scores = model.forward(fnn::data::image_tensor<float>(one, 0, normalize));
    std::printf("%s\n", path.c_str());
    for (const auto& p : fnn::metrics::top_k(scores, 0, k)) {
      std::printf("  %-12s %6.2f%%\n", fnn::data::fashion_mnist_class_name(p.label).c_str(), 100 * p.probability);
    }
  }
}

}  // namespace example
