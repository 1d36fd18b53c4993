// Synchronised BatchNorm (BatchNorm::synchronise, distributed::synchronise_batchnorm) in one process: over
// a communicator of one process it computes exactly what the layer computes alone. The exchanges between
// processes are tested under mpirun (tests/distributed/data_parallel_mpi.cpp).
#include <catch2/catch.hpp>

#include "support/random_tensor.hpp"

using namespace fnn;

namespace {

// Two training steps and an evaluation of `layer` on `shape`, each output, input gradient, parameter
// gradient and running statistic one after the other.
std::vector<float> steps(BatchNorm<float>& layer, const Shape& shape) {
  Rng rng(3);
  layer.weight().value = test::random_normal<float>({shape[1]}, rng);
  layer.bias().value = test::random_normal<float>({shape[1]}, rng);
  std::vector<float> all;
  const auto keep = [&all](const Tensor<float>& t) { all.insert(all.end(), t.begin(), t.end()); };
  for (int step = 0; step < 2; ++step) {
    keep(layer.forward(test::random_normal<float>(shape, rng)));
    keep(layer.backward(test::random_normal<float>(shape, rng)));
  }
  keep(layer.weight().grad);
  keep(layer.bias().grad);
  keep(layer.running_mean());
  keep(layer.running_var());
  layer.eval();
  keep(layer.forward(test::random_normal<float>(shape, rng)));
  keep(layer.backward(test::random_normal<float>(shape, rng)));
  return all;
}

}  // namespace

TEST_CASE("BatchNorm synchronised over one process computes exactly what it computes alone") {
  distributed::SingleProcess alone;
  // [N, C] in one block of channels and in several; [N, C, L]; [N, C, H, W].
  for (const Shape& shape : {Shape{5, 4}, Shape{6, 37}, Shape{3, 2, 5}}) {
    BatchNorm1d<float> plain(shape[1]), synchronised(shape[1]);
    synchronised.synchronise(&alone);
    CHECK(steps(synchronised, shape) == steps(plain, shape));
  }
  BatchNorm2d<float> plain(3), synchronised(3);
  synchronised.synchronise(&alone);
  CHECK(steps(synchronised, {4, 3, 2, 5}) == steps(plain, {4, 3, 2, 5}));
}

TEST_CASE("synchronise_batchnorm reaches every BatchNorm of a model, at any depth, and undoes it") {
  Rng rng(1);
  Sequential<float> block;
  block.add(Conv2d<float>(2, 2, 3, rng, 1, 1));
  block.add(BatchNorm2d<float>(2));
  Sequential<float> model;
  model.add(BatchNorm2d<float>(2));
  model.add(Residual<float>(std::move(block)));
  model.add(Flatten<float>());
  model.add(BatchNorm1d<float>(18));
  distributed::SingleProcess alone;
  CHECK(distributed::synchronise_batchnorm(model, &alone) == 3);
  CHECK(!distributed::exchanges_in_forward(model));  // one process exchanges with no other
  CHECK(dynamic_cast<BatchNorm<float>&>(model[3]).communicator() == &alone);
  CHECK(distributed::synchronise_batchnorm(model, static_cast<distributed::Communicator*>(nullptr)) == 3);
  CHECK(dynamic_cast<BatchNorm<float>&>(model[3]).communicator() == nullptr);
}

TEST_CASE("fit with synchronised BatchNorm over one process trains exactly as without, and needs a communicator") {
  Rng data_rng(2);
  Tensor<float> x = test::random_normal<float>({45, 3}, data_rng);
  Targets labels(45);
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<int>(i % 2);
  const data::TensorDataset<float> set(std::move(x), std::move(labels));
  const auto train = [&set](bool synchronise, distributed::Communicator* comm) {
    Rng rng(4);
    Sequential<float> model;
    model.add(Linear<float>(3, 5, rng));
    model.add(BatchNorm1d<float>(5));
    model.add(Linear<float>(5, 2, rng));
    data::TensorLoader<float> loader(set, {10, true}, rng);
    CrossEntropyLoss<float> loss;
    SGD<float> sgd(model.parameters(), SGDOptions().lr(0.1));
    train::FitOptions<float> options;
    options.epochs = 2;
    options.communicator = comm;
    options.synchronise_batchnorm = synchronise;
    train::fit(model, loss, sgd, loader, options);
    CHECK(dynamic_cast<BatchNorm<float>&>(model[1]).communicator() == nullptr);  // for the run only
    std::vector<float> values;
    for (const auto& p : model.parameters())
      values.insert(values.end(), p.parameter->value.begin(), p.parameter->value.end());
    for (const auto& b : model.buffers()) values.insert(values.end(), b.tensor->begin(), b.tensor->end());
    return values;
  };
  distributed::SingleProcess alone;
  CHECK(train(true, &alone) == train(false, &alone));
  CHECK_THROWS_AS(train(true, nullptr), UsageError);
}
