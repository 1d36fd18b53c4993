#include <catch2/catch.hpp>

#include "support/random_tensor.hpp"

using namespace fnn;

namespace {

// Three Gaussian blobs in 2-D, far enough apart to be linearly separable.
void make_blobs(Tensor<float>& x, Targets& y, Rng& rng, Index n) {
  const float centres[3][2] = {{-3, 0}, {3, 0}, {0, 4}};
  x.resize({n, 2});
  y.resize(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) {
    const auto c = static_cast<std::int32_t>(i % 3);
    y[static_cast<std::size_t>(i)] = c;
    x(i, 0) = centres[c][0] + static_cast<float>(rng.normal(0, 0.5));
    x(i, 1) = centres[c][1] + static_cast<float>(rng.normal(0, 0.5));
  }
}

Index correct(const Tensor<float>& logits, const Targets& y) {
  Index ok = 0;
  for (Index i = 0; i < logits.size(0); ++i) {
    Index best;
    logits.matrix().row(i).maxCoeff(&best);
    ok += best == y[static_cast<std::size_t>(i)];
  }
  return ok;
}

std::vector<float> train_mlp(std::uint64_t seed, int steps, float* final_accuracy) {
  Rng rng(seed);
  Tensor<float> x;
  Targets y;
  make_blobs(x, y, rng, 90);
  Sequential<float> model;
  model.add(Linear<float>(2, 16, rng));
  model.add(ReLU<float>());
  model.add(Dropout<float>(0.1, rng));
  model.add(Linear<float>(16, 3, rng));
  Adam<float> opt(model.parameters(), AdamOptions().lr(0.01));
  CrossEntropyLoss<float> loss;
  for (int s = 0; s < steps; ++s) {
    opt.zero_grad();
    loss.forward(model.forward(x), y);
    model.backward(loss.backward());
    opt.step();
  }
  model.eval();
  if (final_accuracy) *final_accuracy = static_cast<float>(correct(model.forward(x), y)) / 90.0f;
  std::vector<float> params;
  for (auto& p : model.parameters()) params.insert(params.end(), p.parameter->value.begin(), p.parameter->value.end());
  return params;
}

// A CNN with BatchNorm trained to tell bright-left from bright-right images.
struct CnnRun {
  float first_loss = 0, last_loss = 0;
  Index correct_after = 0;   // training images classified right at the end, in evaluation mode
  std::vector<float> state;  // every parameter and running statistic, in order
};

CnnRun train_cnn(std::uint64_t seed) {
  CnnRun run;
  Rng rng(seed);
  const Index n = 32;
  Tensor<float> x({n, 1, 8, 8});
  Targets y(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) {
    y[static_cast<std::size_t>(i)] = static_cast<std::int32_t>(i % 2);
    for (Index r = 0; r < 8; ++r) {
      for (Index c = 0; c < 8; ++c) {
        const bool bright = (c < 4) == (i % 2 == 0);
        x(i, 0, r, c) = static_cast<float>((bright ? 1.0 : 0.0) + rng.normal(0, 0.3));
      }
    }
  }
  Sequential<float> model;
  model.add(Conv2d<float>(1, 4, 3, rng, 1, 1));
  model.add(BatchNorm2d<float>(4));
  model.add(ReLU<float>());
  model.add(MaxPool2d<float>(2));
  model.add(Flatten<float>());
  model.add(Linear<float>(4 * 4 * 4, 2, rng));
  SGD<float> opt(model.parameters(), SGDOptions().lr(0.05).momentum(0.9));
  CrossEntropyLoss<float> loss;
  for (int s = 0; s < 100; ++s) {
    opt.zero_grad();
    run.last_loss = loss.forward(model.forward(x), y);
    if (s == 0) run.first_loss = run.last_loss;
    model.backward(loss.backward());
    opt.step();
  }
  model.eval();
  run.correct_after = correct(model.forward(x), y);
  for (auto& p : model.parameters()) {
    run.state.insert(run.state.end(), p.parameter->value.begin(), p.parameter->value.end());
  }
  for (auto& b : model.buffers()) run.state.insert(run.state.end(), b.tensor->begin(), b.tensor->end());
  return run;
}

}  // namespace

TEST_CASE("A small network reaches 100% training accuracy on a separable set") {
  float accuracy = 0;
  train_mlp(1, 300, &accuracy);
  CHECK(accuracy == 1.0f);
}

TEST_CASE("A small CNN learns to tell bright-left from bright-right images") {
  const CnnRun run = train_cnn(2);
  CHECK(run.last_loss < 0.05f * run.first_loss);
  CHECK(run.correct_after == 32);
}

TEST_CASE("Training is bit-for-bit reproducible for a seed and thread count") {
  const auto a = train_mlp(7, 50, nullptr);
  const auto b = train_mlp(7, 50, nullptr);
  const auto c = train_mlp(8, 50, nullptr);
  CHECK(a == b);
  CHECK(a != c);
  // Conv2d, BatchNorm and Conv2d's per-thread gradient sums
  CHECK(train_cnn(7).state == train_cnn(7).state);
  CHECK(train_cnn(7).state != train_cnn(8).state);
}

TEST_CASE("fit and evaluate refuse a loader that yields no batch before training starts") {
  Rng rng(3);
  Sequential<float> model;
  model.add(Flatten<float>());
  model.add(Linear<float>(4, 2, rng));
  const std::vector<float> before(model.parameters()[0].parameter->value.begin(),
                                  model.parameters()[0].parameter->value.end());
  CrossEntropyLoss<float> loss;
  SGD<float> sgd(model.parameters(), SGDOptions().lr(0.1));
  const data::Dataset none(std::vector<std::uint8_t>{}, {}, 2, 2);
  const data::Dataset three(std::vector<std::uint8_t>(3 * 4, 100), {0, 1, 0}, 2, 2);
  data::DataLoader<float> empty(none, {2});
  data::LoaderOptions whole_batches_only;
  whole_batches_only.batch_size = 4;
  whole_batches_only.drop_last = true;
  data::DataLoader<float> too_small(three, whole_batches_only);
  data::DataLoader<float> train(three, {2});
  train::FitOptions<float> options;

  CHECK_THROWS_AS(train::fit(model, loss, sgd, empty, options), UsageError);
  CHECK_THROWS_WITH(train::fit(model, loss, sgd, empty, options),
                    "fnn::train::fit: the training loader yields no batch: its data set holds 0 samples");
  options.test = &too_small;
  CHECK_THROWS_WITH(train::fit(model, loss, sgd, train, options),
                    "fnn::train::fit: the test loader yields no batch: its data set holds 3 samples, fewer than "
                    "one batch of 4 with drop_last on");
  const std::vector<float> after(model.parameters()[0].parameter->value.begin(),
                                 model.parameters()[0].parameter->value.end());
  CHECK(after == before);
  CHECK_THROWS_AS(train::evaluate(model, loss, empty), UsageError);
  CHECK_THROWS_WITH(train::evaluate(model, loss, empty), Catch::Contains("the loader yields no batch"));
}
