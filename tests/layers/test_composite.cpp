// A layer made of layers, written as a user writes one (docs/writing-a-layer.md): it names its children
// in visit_children and nothing else, and gets from Layer its parameters, buffers and generators under
// PyTorch's dotted names, the training mode and finite checks reaching its children, samples_independent
// and, through its copy constructor, a clone that DataParallel can run. It passes the gradient check,
// trains with fit, and goes through a model file.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "support/gradcheck_helpers.hpp"
#include "support/random_tensor.hpp"
#include "support/temp_folder.hpp"

using namespace fnn;

namespace composite_test {

// y = x + fc2(dropout(relu(fc1(x)))): a residual block, torch's
//   class Block(nn.Module): fc1 = Linear(f, h); relu = ReLU(); dropout = Dropout(p); fc2 = Linear(h, f)
//   input x [N, f]   output y [N, f]
// Backward: dx = dy + (the children's backward of dy, from fc2 to fc1).
template <class Scalar>
class ResidualBlock final : public Layer<Scalar> {
 public:
  ResidualBlock(Index features, Index hidden, double dropout, Rng& rng)
      : fc1_(features, hidden, rng), dropout_(dropout, rng), fc2_(hidden, features, rng) {}

  std::string name() const override { return "ResidualBlock(" + fc1_.name() + ", " + fc2_.name() + ")"; }
  Shape output_shape(const Shape& in) const override { return fc2_.output_shape(fc1_.output_shape(in)); }

  const Tensor<Scalar>& forward(const Tensor<Scalar>& x) override {
    const Tensor<Scalar>& branch = fc2_.forward(dropout_.forward(relu_.forward(fc1_.forward(x))));
    output_.resize(branch.shape());
    output_.array() = x.array() + branch.array();
    return output_;
  }

  const Tensor<Scalar>& backward(const Tensor<Scalar>& dy) override {
    this->check_backward(dy, output_);
    const Tensor<Scalar>& through_branch = fc1_.backward(relu_.backward(dropout_.backward(fc2_.backward(dy))));
    grad_input_.resize(dy.shape());
    grad_input_.array() = dy.array() + through_branch.array();
    return grad_input_;
  }

  void visit_children(ChildVisitor<Scalar>& visit) override {
    visit("fc1", fc1_);
    visit("relu", relu_);
    visit("dropout", dropout_);
    visit("fc2", fc2_);
  }
  std::unique_ptr<Layer<Scalar>> clone() const override { return std::make_unique<ResidualBlock>(*this); }

  Linear<Scalar>& fc1() { return fc1_; }
  Dropout<Scalar>& dropout() { return dropout_; }

 private:
  Linear<Scalar> fc1_;
  ReLU<Scalar> relu_;
  Dropout<Scalar> dropout_;
  Linear<Scalar> fc2_;
  Tensor<Scalar> output_, grad_input_;
};

// Flatten, Linear(16, 8), the block, ReLU, Linear(8, 2): for 4 x 4 images of two classes.
template <class Scalar>
Sequential<Scalar> model_with_block(Rng& rng, double dropout) {
  Sequential<Scalar> m;
  m.add(Flatten<Scalar>());
  m.add(Linear<Scalar>(16, 8, rng));
  m.add(ResidualBlock<Scalar>(8, 12, dropout, rng));
  m.add(ReLU<Scalar>());
  m.add(Linear<Scalar>(8, 2, rng));
  return m;
}

std::vector<std::string> names_of(Layer<float>& layer) {
  std::vector<std::string> names;
  for (const auto& p : layer.parameters()) names.push_back(p.name);
  return names;
}

}  // namespace composite_test

using namespace composite_test;

TEST_CASE("A composite layer's parameters, generators, mode and finite checks come from its children") {
  Rng rng(1);
  Sequential<float> model = model_with_block<float>(rng, 0.25);
  auto& block = static_cast<ResidualBlock<float>&>(model[2]);
  CHECK(names_of(block) == std::vector<std::string>{"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"});
  CHECK(names_of(model) == std::vector<std::string>{"1.weight", "1.bias", "2.fc1.weight", "2.fc1.bias",
                                                    "2.fc2.weight", "2.fc2.bias", "4.weight", "4.bias"});
  CHECK(block.parameters()[0].parameter == &block.fc1().weight());
  REQUIRE(model.generators().size() == 1);
  CHECK(model.generators()[0].name == "2.dropout.generator");
  CHECK(model.buffers().empty());

  // Dropout in training mode mixes the batch; in evaluation every sample stands alone.
  CHECK_FALSE(block.samples_independent());
  CHECK_FALSE(model.samples_independent());
  model.eval();
  CHECK_FALSE(block.dropout().training());
  CHECK(block.samples_independent());
  CHECK(model.samples_independent());
  model.train();
  CHECK(block.dropout().training());

  model.set_finite_checks(true);
  CHECK(block.fc1().finite_checks());
  model.set_finite_checks(false);
  CHECK_FALSE(block.fc1().finite_checks());
}

TEST_CASE("A composite layer's gradients match finite differences, alone and in a model") {
  Rng rng(2);
  ResidualBlock<double> block(5, 7, 0.0, rng);
  // 16 samples: every hidden unit is active for some of them, so every weight gets a gradient.
  const auto alone = test::require_gradients_match(block, test::random_normal({16, 5}, rng));
  test::require_dense_parameter_gradients(alone);
  CHECK(alone["input"].nonzero == 16 * 5);

  Sequential<double> model = model_with_block<double>(rng, 0.5);
  static_cast<ResidualBlock<double>&>(model[2]).dropout().freeze_mask(true);
  const auto stacked = test::require_gradients_match(model, test::random_normal({4, 1, 4, 4}, rng));
  CHECK(stacked["2.fc1.weight"].numel == 8 * 12);  // checked under the block's names
}

TEST_CASE("A model with a composite layer trains with fit, split between the threads, and goes through a file") {
  set_num_threads(2);
  // 4 x 4 images: class 1 when the left half is the brighter one.
  const Index n = 64;
  std::vector<std::uint8_t> pixels(static_cast<std::size_t>(n * 16));
  std::vector<std::int32_t> labels(static_cast<std::size_t>(n));
  Rng data_rng(3);
  for (Index i = 0; i < n; ++i) {
    labels[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(i % 2);
    for (Index k = 0; k < 16; ++k) {
      const bool left = k % 4 < 2, bright = left == (i % 2 == 1);
      pixels[static_cast<std::size_t>(i * 16 + k)] = static_cast<std::uint8_t>((bright ? 160 : 0) + data_rng.below(96));
    }
  }
  const data::Dataset images(pixels, labels, 4, 4);
  Rng rng(4);
  data::LoaderOptions loader_options;
  loader_options.batch_size = 16;
  loader_options.shuffle = true;
  data::DataLoader<float> train_loader(images, loader_options, rng);
  data::DataLoader<float> test_loader(images, {64});

  // Without dropout every layer computes each sample by itself: fit's DataParallel clones the block.
  Sequential<float> model = model_with_block<float>(rng, 0.0);
  CHECK(model.samples_independent());
  SGD<float> optimizer(model.parameters(), SGDOptions().lr(0.1).momentum(0.9));
  CrossEntropyLoss<float> loss;
  train::FitOptions<float> options;
  options.epochs = 8;
  options.test = &test_loader;
  const train::History history = train::fit(model, loss, optimizer, train_loader, options);
  CHECK(history.rows().front().train.loss > 2 * history.last().train.loss);
  CHECK(history.last().test.accuracy >= 0.95);

  test::TempFolder folder;
  save(model, folder.file("block.fnn"));
  Rng other(5);
  Sequential<float> loaded = model_with_block<float>(other, 0.0);
  load(loaded, folder.file("block.fnn"));
  const auto saved_parameters = model.parameters(), loaded_parameters = loaded.parameters();
  for (std::size_t i = 0; i < saved_parameters.size(); ++i) {
    INFO(saved_parameters[i].name);
    CHECK(max_abs_diff(saved_parameters[i].parameter->value, loaded_parameters[i].parameter->value) == 0.0f);
  }
  model.eval();
  loaded.eval();
  const auto batch = test::random_normal<float>({3, 1, 4, 4}, other);
  const Tensor<float> expected = model.forward(batch);
  CHECK(max_abs_diff(expected, loaded.forward(batch)) == 0.0f);
}
