// The Fashion-MNIST models of the extras: PyTorch's parameter names and counts, the summary, modes, shape
// errors, and the Keras-initialised VGG-like model.
#include <catch2/catch.hpp>
#include <cmath>
#include <map>
#include <sstream>

#include <fnn/extras.hpp>

#include "support/random_tensor.hpp"

using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using namespace fnn;

TEST_CASE("Sequential names parameters as PyTorch does and counts them") {
  Rng rng(2);
  auto model = models::lenet<float>(rng);
  const auto params = model.parameters();
  REQUIRE(params.size() == 10);
  CHECK(params[0].name == "0.weight");
  CHECK(params[1].name == "0.bias");
  CHECK(params[2].name == "3.weight");
  CHECK(params[9].name == "11.bias");
  // conv 6*25+6, conv 12*6*25+12, fc 192*120+120, 120*60+60, 60*10+10
  CHECK(model.parameter_count() == 156 + 1812 + 23160 + 7260 + 610);
  CHECK(model.output_shape({5, 1, 28, 28}) == Shape{5, 10});
}

TEST_CASE("Sequential summary prints output shapes and parameter counts") {
  Rng rng(3);
  auto model = models::vgg_like<float>(rng);
  std::ostringstream out;
  model.summary({1, 1, 28, 28}, out);
  CHECK_THAT(out.str(), Contains("[1, 32, 28, 28]") && Contains("[1, 64, 7, 7]") && Contains("[1, 3136]") &&
                            Contains("1,606,144") && Contains("Total parameters: 1,676,266"));
}

TEST_CASE("Sequential train and eval reach every layer") {
  Rng rng(4);
  auto model = models::mlp_dropout<double>(rng);
  model.eval();
  const auto x = test::random_normal({2, 1, 28, 28}, rng);
  const Tensor<double> first = model.forward(x);
  CHECK(max_abs_diff(first, model.forward(x)) == 0.0);  // dropout off
  model.train();
  CHECK(max_abs_diff(first, model.forward(x)) > 0.0);
}

TEST_CASE("Sequential reports the layer that rejects a shape") {
  Rng rng(5);
  auto model = models::mlp<float>(rng);
  CHECK_THROWS_WITH(model.forward(Tensor<float>({2, 1, 28, 27})),
                    StartsWith("Sequential input [2, 1, 28, 27], layer 1: Linear(in_features=784") &&
                        Contains("[2, 756]"));
}

TEST_CASE("Seed 004's architectures 1 and 2 have the parameters of fnn's readings of the seed's outlines") {
  Rng rng(6);
  auto arch1 = models::by_name<float>("keras_arch1", rng);
  CHECK(arch1.parameter_count() == 848330);  // the seed's Keras count
  CHECK(arch1.output_shape({2, 1, 28, 28}) == Shape{2, 10});
  auto arch2 = models::by_name<float>("keras_arch2", rng);
  CHECK(arch2.parameter_count() == 495530);  // the seed reports 493,772, which no reading reaches
  CHECK(arch2.output_shape({2, 1, 28, 28}) == Shape{2, 10});
}

TEST_CASE("The VGG-like model with Keras's defaults starts as Keras builds it") {
  Rng rng(6);
  auto model = models::by_name<double>("vgg_like_bn_keras", rng);
  CHECK(model.parameter_count() == 1677674);  // the seed's Keras count
  // glorot_uniform kernels: U(-b, b), b = sqrt(6 / (fan_in + fan_out)), fans counting kernel pixels.
  const std::map<std::string, double> bounds = {{"0.weight", std::sqrt(6.0 / (9 + 32 * 9))},
                                                {"3.weight", std::sqrt(6.0 / (32 * 9 + 32 * 9))},
                                                {"8.weight", std::sqrt(6.0 / (32 * 9 + 64 * 9))},
                                                {"20.weight", std::sqrt(6.0 / (3136 + 512))},
                                                {"24.weight", std::sqrt(6.0 / (512 + 10))}};
  for (const auto& p : model.parameters()) {
    INFO(p.name);
    const auto values = p.parameter->value.array();
    if (bounds.count(p.name)) {
      const double bound = bounds.at(p.name);
      CHECK(values.abs().maxCoeff() <= bound);
      CHECK(values.abs().maxCoeff() > 0.9 * bound);  // spread over the whole range
    } else if (p.parameter->value.numel() > 0 && p.name.find(".bias") != std::string::npos) {
      CHECK(values.abs().maxCoeff() == 0.0);  // zero biases, BatchNorm's included
    }
  }
  // BatchNormalization's momentum 0.99: one training step moves the running mean 1% of the way.
  model.train();
  Tensor<double> x({2, 1, 28, 28});
  x.array() = 1.0;
  model.forward(x);
  double running_mean = NAN;
  for (const auto& b : model.buffers()) {
    if (b.name == "1.running_mean") running_mean = (*b.tensor)[0];
  }
  const Tensor<double>& conv_output = model[0].forward(x);  // [2, 32, 28, 28]
  double channel_mean = 0;
  for (Index n = 0; n < 2; ++n) {
    for (Index i = 0; i < 28 * 28; ++i) channel_mean += conv_output.data()[n * 32 * 784 + i];
  }
  channel_mean /= 2 * 784;
  CHECK(running_mean == Approx(0.01 * channel_mean).epsilon(1e-9));
}

TEST_CASE("The ResNet has torch's parameter names and He et al.'s counts, and keeps the shapes of its stages") {
  Rng rng(7);
  auto model = models::resnet<float>(rng);  // ResNet-8: one basic block per stage
  CHECK(model.parameter_count() == 77754);
  CHECK(model.output_shape({3, 1, 28, 28}) == Shape{3, 10});
  std::ostringstream out;
  model.summary({1, 1, 28, 28}, out);
  CHECK_THAT(out.str(), Contains("[1, 16, 28, 28]") && Contains("[1, 32, 14, 14]") && Contains("[1, 64, 7, 7]"));
  const auto params = model.parameters();
  CHECK(params.front().name == "0.weight");         // the stem's convolution, without a bias
  CHECK(params[3].name == "3.body.0.weight");       // the first block keeps the shape: no shortcut layer
  CHECK(params[9].name == "5.body.0.weight");       // the second downsamples,
  CHECK(params[15].name == "5.shortcut.0.weight");  // through a 1x1 convolution
  CHECK(params.back().name == "11.bias");           // Linear(64, 10)
  CHECK(models::by_name<float>("resnet14", rng).parameter_count() == 174970);
  CHECK(models::by_name<float>("resnet20", rng).parameter_count() == 272186);  // the paper's 0.27M
  CHECK_THROWS_WITH(models::resnet<float>(rng, 0), Contains("at least one block"));
}
