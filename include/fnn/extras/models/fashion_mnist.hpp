#pragma once
// The architectures of the five Fashion-MNIST experiments fnn reproduces (../shared/seeds/), and a small
// ResNet, each as a Sequential whose parameter names match the same model written as torch.nn.Sequential
// in PyTorch. Every model takes [N, 1, 28, 28] images and returns [N, 10] logits (or log-probabilities
// where the seed ends in LogSoftmax).
#include <string>
#include <utility>
#include <vector>

#include "fnn/init/init.hpp"
#include "fnn/layers/adaptive_avgpool2d.hpp"
#include "fnn/layers/batchnorm.hpp"
#include "fnn/layers/conv2d.hpp"
#include "fnn/layers/dropout.hpp"
#include "fnn/layers/flatten.hpp"
#include "fnn/layers/linear.hpp"
#include "fnn/layers/log_softmax.hpp"
#include "fnn/layers/maxpool2d.hpp"
#include "fnn/layers/relu.hpp"
#include "fnn/layers/residual.hpp"
#include "fnn/layers/sequential.hpp"

namespace fnn::models {

// conv(k) -> ReLU -> 2x2 max-pool: the block both LeNet-like seeds stack twice.
template <class Scalar>
void add_conv_relu_pool(Sequential<Scalar>& m, Index in, Index out, Index k, Rng& rng) {
  m.add(Conv2d<Scalar>(in, out, k, rng));
  m.add(ReLU<Scalar>());
  m.add(MaxPool2d<Scalar>(2));
}

// Seed 000: LeNet-like CNN. conv 1->6 k5, pool, conv 6->12 k5, pool, fc 192->120->60->10.
template <class Scalar>
Sequential<Scalar> lenet(Rng& rng) {
  Sequential<Scalar> m;
  add_conv_relu_pool(m, 1, 6, 5, rng);
  add_conv_relu_pool(m, 6, 12, 5, rng);
  m.add(Flatten<Scalar>());
  m.add(Linear<Scalar>(192, 120, rng));
  m.add(ReLU<Scalar>());
  m.add(Linear<Scalar>(120, 60, rng));
  m.add(ReLU<Scalar>());
  m.add(Linear<Scalar>(60, 10, rng));
  return m;
}

// A fully-connected network on flattened images: Linear-ReLU(-Dropout) for each hidden width, then a
// Linear to 10 classes, optionally followed by LogSoftmax. The MLP seeds differ only in these choices.
template <class Scalar>
Sequential<Scalar> mlp(Rng& rng, const std::vector<Index>& hidden, double dropout, bool log_softmax) {
  Sequential<Scalar> m;
  m.add(Flatten<Scalar>());
  Index in = 784;
  for (Index width : hidden) {
    m.add(Linear<Scalar>(in, width, rng));
    m.add(ReLU<Scalar>());
    if (dropout > 0) m.add(Dropout<Scalar>(dropout, rng));
    in = width;
  }
  m.add(Linear<Scalar>(in, 10, rng));
  if (log_softmax) m.add(LogSoftmax<Scalar>());
  return m;
}

// Seed 001, first model: 784-128-64-10 with dropout 0.25 after each hidden layer, ending in LogSoftmax.
template <class Scalar>
Sequential<Scalar> mlp_dropout(Rng& rng) {
  return mlp<Scalar>(rng, {128, 64}, 0.25, true);
}

// Seed 001, second model: more fully-connected layers, each followed by dropout 0.25, ending in LogSoftmax.
template <class Scalar>
Sequential<Scalar> deep_mlp_dropout(Rng& rng) {
  return mlp<Scalar>(rng, {512, 256, 128, 64}, 0.25, true);
}

// Seed 003: 784-128-64-10, no dropout, logits out.
template <class Scalar>
Sequential<Scalar> mlp(Rng& rng) {
  return mlp<Scalar>(rng, {128, 64}, 0.0, false);
}

// Seed 002: conv 1->20 k5, pool, conv 20->50 k5, pool, fc 800->500->10.
template <class Scalar>
Sequential<Scalar> cnn_20_50(Rng& rng) {
  Sequential<Scalar> m;
  add_conv_relu_pool(m, 1, 20, 5, rng);
  add_conv_relu_pool(m, 20, 50, 5, rng);
  m.add(Flatten<Scalar>());
  m.add(Linear<Scalar>(800, 500, rng));
  m.add(ReLU<Scalar>());
  m.add(Linear<Scalar>(500, 10, rng));
  return m;
}

// Seed 004's architectures 1 and 2 are given as outlines and Keras parameter counts (848,330 and
// 493,772). scripts/seed004_readings.py searches the readings of each outline (kernel size, widths,
// Keras's 'valid' or 'same' padding, BatchNorm after any convolution or the hidden dense layer, the
// hidden layer's width) for those counts.

// Architecture 1: conv-conv-pool-dropout, conv-pool-dropout, one hidden dense layer. 3x3 kernels with
// Keras's default 'valid' padding, 16, 32 and 64 channels, a BatchNorm after the second and third
// convolutions, dense 512: exactly the seed's 848,330 parameters (BatchNorm's weights and biases counted,
// as for architecture 3), and the only reading with one padding throughout that gives them.
template <class Scalar>
Sequential<Scalar> keras_arch1(Rng& rng) {
  Sequential<Scalar> m;
  m.add(Conv2d<Scalar>(1, 16, 3, rng));  // 28 -> 26
  m.add(ReLU<Scalar>());
  m.add(Conv2d<Scalar>(16, 32, 3, rng));  // 26 -> 24 -> pool 12
  m.add(BatchNorm2d<Scalar>(32));
  m.add(ReLU<Scalar>());
  m.add(MaxPool2d<Scalar>(2));
  m.add(Dropout<Scalar>(0.25, rng));
  m.add(Conv2d<Scalar>(32, 64, 3, rng));  // 12 -> 10 -> pool 5
  m.add(BatchNorm2d<Scalar>(64));
  m.add(ReLU<Scalar>());
  m.add(MaxPool2d<Scalar>(2));
  m.add(Dropout<Scalar>(0.25, rng));
  m.add(Flatten<Scalar>());
  m.add(Linear<Scalar>(64 * 5 * 5, 512, rng));
  m.add(ReLU<Scalar>());
  m.add(Dropout<Scalar>(0.5, rng));
  m.add(Linear<Scalar>(512, 10, rng));
  return m;
}

// Architecture 2: two blocks of conv(4x4)-pool-dropout, one hidden dense layer. No reading gives the
// seed's count: the closest (2 short) pad a 4x4 kernel by Keras's 'same', one row more on one side than
// on the other, which Conv2d's padding does not do. This one, 'valid' padding, 64 and 96 channels and
// dense 256, has 495,530 parameters, 0.4% more, the closest with 'valid' padding throughout.
template <class Scalar>
Sequential<Scalar> keras_arch2(Rng& rng) {
  Sequential<Scalar> m;
  m.add(Conv2d<Scalar>(1, 64, 4, rng));  // 28 -> 25 -> pool 12
  m.add(ReLU<Scalar>());
  m.add(MaxPool2d<Scalar>(2));
  m.add(Dropout<Scalar>(0.25, rng));
  m.add(Conv2d<Scalar>(64, 96, 4, rng));  // 12 -> 9 -> pool 4
  m.add(ReLU<Scalar>());
  m.add(MaxPool2d<Scalar>(2));
  m.add(Dropout<Scalar>(0.25, rng));
  m.add(Flatten<Scalar>());
  m.add(Linear<Scalar>(96 * 4 * 4, 256, rng));
  m.add(ReLU<Scalar>());
  m.add(Dropout<Scalar>(0.5, rng));
  m.add(Linear<Scalar>(256, 10, rng));
  return m;
}

// How a model's layers start: as PyTorch's torch.nn makes them, or as Keras does (glorot_uniform kernels,
// zero biases, BatchNormalization with momentum 0.99 and epsilon 1e-3, which is PyTorch's momentum 0.01).
enum class LayerDefaults { pytorch, keras };

namespace detail {
template <class Scalar>
void keras_initialise(Parameter<Scalar>& weight, Parameter<Scalar>& bias, Index fan_in, Index fan_out, Rng& rng) {
  init::glorot_uniform(weight.value, fan_in, fan_out, rng);
  bias.value.array() = Scalar(0);
}
}  // namespace detail

// Seed 004, architecture 3 (VGG-like): two blocks of conv3-relu-conv3-relu-pool-dropout with 32 and
// 64 channels ('same' padding), then dense 3136->512, dropout, 512->10. With `batchnorm`, a
// BatchNorm2d follows every convolution and a BatchNorm1d the hidden dense layer: the seed's count of
// 1,677,674 parameters is exactly this model with its BatchNorm weights and biases. With Keras's
// `defaults`, it starts as the seed's Keras model did. `dropout` holds the seed's rates unless changed.
struct VggDropout {
  double after_blocks = 0.25;
  double after_dense = 0.5;
};

template <class Scalar>
Sequential<Scalar> vgg_like(Rng& rng, bool batchnorm = false, LayerDefaults defaults = LayerDefaults::pytorch,
                            VggDropout dropout = {}) {
  const bool keras = defaults == LayerDefaults::keras;
  const double eps = keras ? 1e-3 : 1e-5, momentum = keras ? 0.01 : 0.1;
  Sequential<Scalar> m;
  auto conv = [&](Index in, Index out) {
    Conv2d<Scalar> layer(in, out, 3, rng, 1, 1);
    if (keras) detail::keras_initialise(layer.weight(), layer.bias(), in * 9, out * 9, rng);
    m.add(std::move(layer));
    if (batchnorm) m.add(BatchNorm2d<Scalar>(out, eps, momentum));
    m.add(ReLU<Scalar>());
  };
  auto dense = [&](Index in, Index out) {
    Linear<Scalar> layer(in, out, rng);
    if (keras) detail::keras_initialise(layer.weight(), layer.bias(), in, out, rng);
    m.add(std::move(layer));
  };
  Index in = 1;
  for (Index width : {32, 64}) {
    conv(in, width);
    conv(width, width);
    m.add(MaxPool2d<Scalar>(2));
    m.add(Dropout<Scalar>(dropout.after_blocks, rng));
    in = width;
  }
  m.add(Flatten<Scalar>());
  dense(64 * 7 * 7, 512);
  if (batchnorm) m.add(BatchNorm1d<Scalar>(512, eps, momentum));
  m.add(ReLU<Scalar>());
  m.add(Dropout<Scalar>(dropout.after_dense, rng));
  dense(512, 10);
  return m;
}

// A ResNet basic block without its final ReLU (torchvision's BasicBlock): conv3x3-BN-ReLU-conv3x3-BN
// plus the shortcut, the identity while the shape stays, else a 1x1 convolution of the same stride and a
// BN. The convolutions have no bias, as the BN that follows each would cancel it.
template <class Scalar>
Residual<Scalar> basic_block(Index in, Index out, Index stride, Rng& rng) {
  Sequential<Scalar> body;
  body.add(Conv2d<Scalar>(in, out, 3, rng, stride, 1, false));
  body.add(BatchNorm2d<Scalar>(out));
  body.add(ReLU<Scalar>());
  body.add(Conv2d<Scalar>(out, out, 3, rng, 1, 1, false));
  body.add(BatchNorm2d<Scalar>(out));
  if (stride == 1 && in == out) return Residual<Scalar>(std::move(body));
  Sequential<Scalar> shortcut;
  shortcut.add(Conv2d<Scalar>(in, out, 1, rng, stride, 0, false));
  shortcut.add(BatchNorm2d<Scalar>(out));
  return Residual<Scalar>(std::move(body), std::move(shortcut));
}

// Not a seed: the ResNet of He et al. for small images, 6n + 2 layers deep. A stem conv3x3-BN-ReLU to 16
// channels, three stages of n basic blocks (each followed by its ReLU) with 16, 32 and 64 channels at
// 28x28, 14x14 and 7x7 (the first block of stages 2 and 3 has stride 2), global average pooling and a
// Linear(64, 10). n = 1 is ResNet-8 (77,754 parameters), n = 2 ResNet-14, n = 3 ResNet-20 (272,186).
template <class Scalar>
Sequential<Scalar> resnet(Rng& rng, Index blocks_per_stage = 1) {
  if (blocks_per_stage < 1) throw ValueError("fnn::models::resnet: a stage needs at least one block");
  Sequential<Scalar> m;
  m.add(Conv2d<Scalar>(1, 16, 3, rng, 1, 1, false));
  m.add(BatchNorm2d<Scalar>(16));
  m.add(ReLU<Scalar>());
  Index in = 16;
  for (Index width : {16, 32, 64}) {
    for (Index b = 0; b < blocks_per_stage; ++b) {
      m.add(basic_block<Scalar>(in, width, b == 0 && width != 16 ? 2 : 1, rng));
      m.add(ReLU<Scalar>());
      in = width;
    }
  }
  m.add(AdaptiveAvgPool2d<Scalar>(1, 1));
  m.add(Flatten<Scalar>());
  m.add(Linear<Scalar>(64, 10, rng));
  return m;
}

// The architectures above by name, for programs that load a saved model ("lenet", "vgg_like_bn", ...).
inline const std::vector<std::string>& architecture_names() {
  static const std::vector<std::string> names{
      "lenet",    "mlp_dropout", "deep_mlp_dropout",  "cnn_20_50", "mlp",      "keras_arch1", "keras_arch2",
      "vgg_like", "vgg_like_bn", "vgg_like_bn_keras", "resnet8",   "resnet14", "resnet20"};
  return names;
}

template <class Scalar>
Sequential<Scalar> by_name(const std::string& name, Rng& rng) {
  if (name == "lenet") return lenet<Scalar>(rng);
  if (name == "mlp_dropout") return mlp_dropout<Scalar>(rng);
  if (name == "deep_mlp_dropout") return deep_mlp_dropout<Scalar>(rng);
  if (name == "cnn_20_50") return cnn_20_50<Scalar>(rng);
  if (name == "mlp") return mlp<Scalar>(rng);
  if (name == "keras_arch1") return keras_arch1<Scalar>(rng);
  if (name == "keras_arch2") return keras_arch2<Scalar>(rng);
  if (name == "vgg_like") return vgg_like<Scalar>(rng, false);
  if (name == "vgg_like_bn") return vgg_like<Scalar>(rng, true);
  if (name == "vgg_like_bn_keras") return vgg_like<Scalar>(rng, true, LayerDefaults::keras);
  if (name == "resnet8") return resnet<Scalar>(rng, 1);
  if (name == "resnet14") return resnet<Scalar>(rng, 2);
  if (name == "resnet20") return resnet<Scalar>(rng, 3);
  std::string known;
  for (const auto& n : architecture_names()) known += (known.empty() ? "" : ", ") + n;
  throw ValueError("unknown architecture '" + name + "' (known: " + known + ")");
}

}  // namespace fnn::models
