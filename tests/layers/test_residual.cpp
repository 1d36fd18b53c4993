// Residual, Add and Concat: layers made of parallel branches. Their sums and joins are worked out by
// hand, their gradients checked by finite differences, and a ResNet basic block built from them is
// gradient-checked, trained, cloned, saved and loaded.
#include <catch2/catch.hpp>
#include <algorithm>
#include <string>
#include <tuple>
#include <vector>

#include "support/gradcheck_helpers.hpp"
#include "support/random_tensor.hpp"
#include "support/temp_folder.hpp"

using Catch::Matchers::Contains;
using namespace fnn;

namespace residual_test {

template <class Item>
std::vector<std::string> names(const std::vector<Item>& items) {
  std::vector<std::string> out;
  for (const auto& item : items) out.push_back(item.name);
  return out;
}

// A ResNet basic block, torchvision's BasicBlock: conv3x3-BN-ReLU-conv3x3-BN plus the shortcut, then ReLU.
// The shortcut is the identity when the shape stays, else a 1x1 convolution of the same stride and a BN.
template <class S>
Sequential<S> basic_block(Index in, Index out, Index stride, Rng& rng) {
  Sequential<S> body;
  body.add(Conv2d<S>(in, out, 3, rng, stride, 1, false));
  body.add(BatchNorm2d<S>(out));
  body.add(ReLU<S>());
  body.add(Conv2d<S>(out, out, 3, rng, 1, 1, false));
  body.add(BatchNorm2d<S>(out));
  Sequential<S> block;
  if (stride == 1 && in == out) {
    block.add(Residual<S>(std::move(body)));
  } else {
    Sequential<S> shortcut;
    shortcut.add(Conv2d<S>(in, out, 1, rng, stride, 0, false));
    shortcut.add(BatchNorm2d<S>(out));
    block.add(Residual<S>(std::move(body), std::move(shortcut)));
  }
  block.add(ReLU<S>());
  return block;
}

// A stem, a downsampling block and a plain one, then a classifier: for [N, 1, 8, 8] images.
template <class S>
Sequential<S> small_resnet(Rng& rng) {
  Sequential<S> m;
  m.add(Conv2d<S>(1, 4, 3, rng, 1, 1, false));
  m.add(BatchNorm2d<S>(4));
  m.add(ReLU<S>());
  m.add(basic_block<S>(4, 6, 2, rng));
  m.add(basic_block<S>(6, 6, 1, rng));
  m.add(Flatten<S>());
  m.add(Linear<S>(6 * 4 * 4, 2, rng));
  return m;
}

// Eight 8x8 images per class: class 1 has the brighter left half.
void halves(Tensor<float>& images, Targets& labels, Rng& rng) {
  const Index n = 16;
  images.resize({n, 1, 8, 8});
  labels.assign(static_cast<std::size_t>(n), 0);
  for (Index i = 0; i < n; ++i) {
    labels[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(i % 2);
    for (Index r = 0; r < 8; ++r)
      for (Index c = 0; c < 8; ++c)
        images(i, 0, r, c) = ((c < 4) == (i % 2 == 1) ? 1.0f : -1.0f) + 0.3f * static_cast<float>(rng.normal());
  }
}

}  // namespace residual_test

using namespace residual_test;

TEST_CASE("Residual adds the body's output to the input, or to the shortcut's") {
  Rng rng(1);
  Linear<double> linear(2, 2, rng);
  linear.weight().value = Tensor<double>({2, 2}, {1, 2, 3, 4});
  linear.bias().value = Tensor<double>({2}, {0.5, -0.5});
  Residual<double> identity(linear);
  const Tensor<double> x({1, 2}, {1, -1});
  const auto& y = identity.forward(x);  // body: (1 - 2 + 0.5, 3 - 4 - 0.5) = (-0.5, -1.5)
  CHECK(y[0] == 0.5);
  CHECK(y[1] == -2.5);
  // dx = dy + W^T dy; dW += dy x^T
  const auto& dx = identity.backward(Tensor<double>({1, 2}, {1, 10}));
  CHECK(dx[0] == 1 + 1 + 30);
  CHECK(dx[1] == 10 + 2 + 40);
  CHECK(names(identity.parameters()) == std::vector<std::string>{"body.weight", "body.bias"});
  CHECK_THROWS_WITH(identity.shortcut(), Contains("identity"));

  Linear<double> doubling(2, 2, rng, false);
  doubling.weight().value = Tensor<double>({2, 2}, {2, 0, 0, 2});
  Residual<double> projected(linear, doubling);
  const auto& z = projected.forward(x);
  CHECK(z[0] == -0.5 + 2);
  CHECK(z[1] == -1.5 - 2);
  CHECK(names(projected.parameters()) == std::vector<std::string>{"body.weight", "body.bias", "shortcut.weight"});
  CHECK(projected.name() == "Residual(body=" + linear.name() + ", shortcut=" + doubling.name() + ")");
}

TEST_CASE("Add sums its branches and Concat joins them along the channels") {
  Rng rng(2);
  const Tensor<double> x({2, 2, 1, 2}, {1, 2, 3, 4, 5, 6, 7, 8});
  Add<double> add;
  add.add_identity();
  add.add(ReLU<double>());
  add.add(MaxPool2d<double>(1));
  const auto& sum = add.forward(x);
  for (Index i = 0; i < x.numel(); ++i) CHECK(sum[i] == 3 * x[i]);
  CHECK(add.parameters().empty());
  const auto& dx = add.backward(x);
  for (Index i = 0; i < x.numel(); ++i) CHECK(dx[i] == 3 * x[i]);

  Concat<double> concat;
  concat.add_identity();
  Conv2d<double>& conv = concat.add(Conv2d<double>(2, 1, 1, rng));
  conv.weight().value = Tensor<double>({1, 2, 1, 1}, {1, -1});
  conv.bias().value.zero();
  const auto& y = concat.forward(x);
  REQUIRE(y.shape() == Shape{2, 3, 1, 2});
  // Sample 0: channels 1 2 | 3 4 | (1-3) (2-4);  sample 1: 5 6 | 7 8 | -2 -2
  CHECK(std::vector<double>(y.begin(), y.end()) == std::vector<double>{1, 2, 3, 4, -2, -2, 5, 6, 7, 8, -2, -2});
  CHECK(names(concat.parameters()) == std::vector<std::string>{"1.weight", "1.bias"});
  // dx = dy's first two channels + the convolution's backward of the third: (+1, -1) times it.
  const auto& dcat = concat.backward(Tensor<double>({2, 3, 1, 2}, {0, 0, 0, 0, 1, 2, 1, 1, 1, 1, 0, 0}));
  CHECK(std::vector<double>(dcat.begin(), dcat.end()) == std::vector<double>{1, 2, -1, -2, 1, 1, 1, 1});
}

TEST_CASE("Branches whose outputs cannot be added or joined are refused, naming both") {
  Rng rng(3);
  Residual<float> residual(Linear<float>(4, 3, rng));
  CHECK_THROWS_AS(residual.forward(Tensor<float>({2, 4})), ShapeError);
  CHECK_THROWS_WITH(residual.output_shape({2, 4}), Contains("[2, 3]") && Contains("[2, 4]"));
  Concat<float> concat;
  concat.add_identity();
  concat.add(MaxPool2d<float>(2));
  CHECK_THROWS_WITH(concat.output_shape({1, 2, 4, 4}), Contains("[1, 2, 4, 4]") && Contains("[1, 2, 2, 2]"));
  Add<float> empty;
  CHECK_THROWS_AS(empty.forward(Tensor<float>({1, 2})), UsageError);
}

TEST_CASE("Residual, Add and Concat gradients match finite differences on several shapes") {
  Rng rng(4);
  for (const Shape& shape : {Shape{1, 3}, Shape{5, 3}}) {
    Residual<double> identity(Linear<double>(3, 3, rng));
    const auto result = test::require_gradients_match(identity, test::random_normal(shape, rng));
    test::require_dense_parameter_gradients(result);
    CHECK(result["input"].nonzero == shape.numel());
    Residual<double> projected(Linear<double>(3, 2, rng), Linear<double>(3, 2, rng));
    test::require_dense_parameter_gradients(
        test::require_gradients_match(projected, test::random_normal(shape, rng)));
  }
  for (const Shape& shape : {Shape{1, 2, 5, 5}, Shape{3, 2, 6, 4}}) {
    Add<double> add;
    add.add(Conv2d<double>(2, 3, 3, rng, 1, 1));
    add.add(Conv2d<double>(2, 3, 1, rng));
    const auto sum = test::require_gradients_match(add, test::random_normal(shape, rng));
    test::require_dense_parameter_gradients(sum);
    CHECK(sum["0.weight"].numel == 3 * 2 * 3 * 3);

    Concat<double> concat;
    concat.add(Conv2d<double>(2, 3, 3, rng, 1, 1));
    concat.add_identity();
    concat.add(Conv2d<double>(2, 1, 1, rng));
    const auto joined = test::require_gradients_match(concat, test::random_normal(shape, rng));
    test::require_dense_parameter_gradients(joined);
    CHECK(joined["input"].nonzero == shape.numel());
    CHECK(joined["2.bias"].numel == 1);
  }
  Concat<double> features;  // rank 2: joined along the features
  features.add(Linear<double>(4, 2, rng));
  features.add(Linear<double>(4, 3, rng));
  CHECK(features.output_shape({7, 4}) == Shape{7, 5});
  test::require_dense_parameter_gradients(test::require_gradients_match(features, test::random_normal({4, 4}, rng)));
}

TEST_CASE("A ResNet basic block built from Residual matches finite differences, with and without downsampling") {
  Rng rng(5);
  for (const auto& [in, out, stride, shape] : {std::tuple{Index(3), Index(3), Index(1), Shape{2, 3, 5, 5}},
                                               std::tuple{Index(2), Index(4), Index(2), Shape{3, 2, 6, 6}}}) {
    Sequential<double> block = basic_block<double>(in, out, stride, rng);
    const auto result = test::require_gradients_match(block, test::random_normal(shape, rng));
    test::require_dense_parameter_gradients(result);
    CHECK(result["0.body.0.weight"].numel == out * in * 9);
    if (stride == 2) CHECK(result["0.shortcut.1.bias"].numel == out);
  }
}

TEST_CASE("A model of ResNet blocks trains, and its children's mode, buffers, clones and files work through Residual") {
  Rng rng(6);
  Sequential<float> model = small_resnet<float>(rng);
  const auto parameters = names(model.parameters());
  CHECK(parameters[3] == "3.0.body.0.weight");
  CHECK(std::count(parameters.begin(), parameters.end(), "3.0.shortcut.0.weight") == 1);
  CHECK(std::count(parameters.begin(), parameters.end(), "4.0.shortcut.0.weight") == 0);  // the identity
  const auto buffers = names(model.buffers());
  CHECK(std::count(buffers.begin(), buffers.end(), "3.0.shortcut.1.running_var") == 1);
  CHECK(std::count(buffers.begin(), buffers.end(), "4.0.body.4.running_mean") == 1);

  auto& residual = static_cast<Residual<float>&>(static_cast<Sequential<float>&>(model[3])[0]);
  auto& shortcut_bn = static_cast<Sequential<float>&>(residual.shortcut())[1];
  CHECK_FALSE(model.samples_independent());  // BatchNorm in training
  model.eval();
  CHECK_FALSE(shortcut_bn.training());
  CHECK(model.samples_independent());
  model.train();
  CHECK(shortcut_bn.training());
  model.set_finite_checks(true);
  CHECK(residual.body().finite_checks());
  model.set_finite_checks(false);

  Tensor<float> images;
  Targets labels;
  halves(images, labels, rng);
  CrossEntropyLoss<float> loss;
  SGD<float> optimizer(model.parameters(), SGDOptions().lr(0.05).momentum(0.9));
  std::vector<float> losses;
  for (int step = 0; step < 8; ++step) {
    optimizer.zero_grad();
    losses.push_back(loss.forward(model.forward(images), labels));
    model.backward(loss.backward());
    optimizer.step();
  }
  CHECK(losses.back() < 0.5f * losses.front());
  // Every running statistic moved from its start, the shortcut's too.
  CHECK(static_cast<BatchNorm2d<float>&>(shortcut_bn).running_var().array().maxCoeff() != 1.0f);

  model.eval();
  const Tensor<float> expected = model.forward(images);
  const auto copy = model.clone();  // deep: the copy's children are its own
  CHECK_FALSE(copy->training());
  CHECK(max_abs_diff(copy->forward(images), expected) == 0.0f);
  copy->parameters()[3].parameter->value.fill(0.0f);
  CHECK(max_abs_diff(model.forward(images), expected) == 0.0f);

  test::TempFolder folder;
  save(model, folder.file("resnet.fnn"));
  Rng other(7);
  Sequential<float> loaded = small_resnet<float>(other);
  load(loaded, folder.file("resnet.fnn"));
  loaded.eval();
  CHECK(max_abs_diff(loaded.forward(images), expected) == 0.0f);
}
