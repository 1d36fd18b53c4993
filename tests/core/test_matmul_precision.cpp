// A small convolutional model trained with bfloat16 matrix products (fnn::set_float32_matmul_precision)
// learns as it does in float32: the loss falls as far and the held-out accuracy is as high, from the same
// initial weights and batches. Where the build has AVX512-BF16 the two runs end with different weights
// (the products were rounded, forward and backward, on every thread); elsewhere with the same.
#include <catch2/catch.hpp>
#include <vector>

#include "support/random_tensor.hpp"

using namespace fnn;

namespace matmul_precision_test {

// Four classes of 12 x 12 images: a bar of 1 in the top, bottom, left or right quarter, under noise of
// standard deviation 2 (float32 reaches about 88% on it in 40 steps).
void bars(Index n, Tensor<float>& images, Targets& labels, Rng& rng) {
  images.resize({n, 1, 12, 12});
  labels.assign(static_cast<std::size_t>(n), 0);
  for (Index i = 0; i < n; ++i) {
    const auto label = static_cast<std::int32_t>(rng.below(4));
    labels[static_cast<std::size_t>(i)] = label;
    for (Index r = 0; r < 12; ++r) {
      for (Index c = 0; c < 12; ++c) {
        const bool bar = label == 0 ? r < 3 : label == 1 ? r >= 9 : label == 2 ? c < 3 : c >= 9;
        images(i, 0, r, c) = (bar ? 1.0f : 0.0f) + 2.0f * static_cast<float>(rng.normal());
      }
    }
  }
}

struct Run {
  float first_loss, last_loss;
  double accuracy;
  Tensor<float> first_weight;
};

Run train_bars(MatmulPrecision precision) {
  MatmulPrecisionScope scope(precision);
  Rng rng(31);
  Sequential<float> model;
  model.add(Conv2d<float>(1, 8, 3, rng, 1, 1));
  model.add(ReLU<float>());
  model.add(MaxPool2d<float>(2));
  model.add(Conv2d<float>(8, 16, 3, rng, 1, 1));
  model.add(ReLU<float>());
  model.add(MaxPool2d<float>(2));
  model.add(Flatten<float>());
  model.add(Linear<float>(16 * 3 * 3, 4, rng));
  CrossEntropyLoss<float> loss;
  SGD<float> optimizer(model.parameters(), SGDOptions().lr(0.05).momentum(0.9));
  Tensor<float> images;
  Targets labels;
  Run run{};
  for (int step = 0; step < 40; ++step) {
    bars(64, images, labels, rng);
    optimizer.zero_grad();
    const float value = loss.forward(model.forward(images), labels);
    model.backward(loss.backward());
    optimizer.step();
    if (step == 0) run.first_loss = value;
    run.last_loss = value;
  }
  model.eval();
  bars(1000, images, labels, rng);
  run.accuracy = metrics::accuracy(metrics::predicted_classes(model.forward(images)), labels);
  run.first_weight = model.parameters()[0].parameter->value;
  return run;
}

}  // namespace matmul_precision_test

using namespace matmul_precision_test;

TEST_CASE("a small conv model trains with bfloat16 products as with float32") {
  const int threads_before = num_threads();
  set_num_threads(2);  // the products run on OpenMP's threads, which must see the setting
  const Run float32 = train_bars(MatmulPrecision::float32);
  const Run bfloat16 = train_bars(MatmulPrecision::bfloat16);
  set_num_threads(threads_before);
  INFO("float32: loss " << float32.first_loss << " -> " << float32.last_loss << ", accuracy " << float32.accuracy);
  INFO("bfloat16: loss " << bfloat16.first_loss << " -> " << bfloat16.last_loss << ", accuracy " << bfloat16.accuracy);
  CHECK(float32.last_loss < 0.5f * float32.first_loss);
  CHECK(bfloat16.last_loss < 0.5f * bfloat16.first_loss);
  CHECK(float32.accuracy > 0.8);
  CHECK(bfloat16.accuracy > float32.accuracy - 0.03);
  const bool rounded = [] {
    MatmulPrecisionScope scope(MatmulPrecision::bfloat16);
    return float32_matmul_precision_in_use() == MatmulPrecision::bfloat16;
  }();
  CHECK((max_abs_diff(bfloat16.first_weight, float32.first_weight) > 0.0f) == rounded);
}
