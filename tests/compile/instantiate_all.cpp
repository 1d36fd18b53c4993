// Instantiates every class template of fnn for float and double, so that each compiler and standard
// the test suite builds this file with (g++ and clang++, C++17 and C++20, -Werror) sees all of it.
#include <fnn/extras.hpp>

namespace fnn {
#define FNN_INSTANTIATE(Scalar)          \
  template class Tensor<Scalar>;         \
  template class Linear<Scalar>;         \
  template class Conv2d<Scalar>;         \
  template class MaxPool2d<Scalar>;      \
  template class AvgPool2d<Scalar>;      \
  template class AdaptiveAvgPool2d<Scalar>; \
  template class ReLU<Scalar>;           \
  template class Dropout<Scalar>;        \
  template class Dropout2d<Scalar>;      \
  template class Flatten<Scalar>;        \
  template class LogSoftmax<Scalar>;     \
  template class Softmax<Scalar>;        \
  template class Sigmoid<Scalar>;        \
  template class Tanh<Scalar>;           \
  template class LeakyReLU<Scalar>;      \
  template class ELU<Scalar>;            \
  template class GELU<Scalar>;           \
  template class SiLU<Scalar>;           \
  template class Identity<Scalar>;       \
  template class BatchNorm1d<Scalar>;    \
  template class BatchNorm2d<Scalar>;    \
  template class LayerNorm<Scalar>;      \
  template class GroupNorm<Scalar>;      \
  template class Sequential<Scalar>;     \
  template class Residual<Scalar>;       \
  template class Add<Scalar>;            \
  template class Concat<Scalar>;         \
  template class DataParallel<Scalar>;   \
  template class HorizontalFlipAverage<Scalar>; \
  template class NLLLoss<Scalar>;        \
  template class CrossEntropyLoss<Scalar>; \
  template class MSELoss<Scalar>;        \
  template class L1Loss<Scalar>;         \
  template class SmoothL1Loss<Scalar>;   \
  template class HuberLoss<Scalar>;      \
  template class BCELoss<Scalar>;        \
  template class BCEWithLogitsLoss<Scalar>; \
  template class SGD<Scalar>;            \
  template class Adam<Scalar>;           \
  template class RMSprop<Scalar>;         \
  template class Adagrad<Scalar>;         \
  template class StepLR<Scalar>;         \
  template class CosineAnnealingLR<Scalar>; \
  template class OneCycleLR<Scalar>;     \
  template class LinearLR<Scalar>;      \
  template class SequentialLR<Scalar>;  \
  template class ReduceLROnPlateau<Scalar>; \
  template class ExponentialMovingAverage<Scalar>; \
  template class data::DataLoader<Scalar>;
FNN_INSTANTIATE(float)
FNN_INSTANTIATE(double)
#undef FNN_INSTANTIATE
}  // namespace fnn

int main() {
  fnn::Rng rng(1);
  auto model = fnn::models::lenet<float>(rng);
  fnn::Tensor<float> x({2, 1, 28, 28});
  return model.forward(x).shape() == fnn::Shape{2, 10} ? 0 : 1;
}
