// Training on the real Fashion-MNIST (Debian's dataset-fashion-mnist, or FNN_DATA).
#include <catch2/catch.hpp>
#include <fnn/extras.hpp>

using namespace fnn;

TEST_CASE("An MLP trained for one epoch on the full Fashion-MNIST training set reaches 80% test accuracy") {
  const data::Dataset train = data::load_fashion_mnist(data::default_data_dir(), true);
  const data::Dataset test = data::load_fashion_mnist(data::default_data_dir(), false);
  REQUIRE(train.size() == 60000);
  REQUIRE(test.size() == 10000);

  Rng rng(1);
  data::LoaderOptions options;
  options.batch_size = 64;
  options.shuffle = true;
  options.normalize = data::mnist_normalization;
  data::DataLoader<float> train_loader(train, options, rng);
  options.shuffle = false;
  options.batch_size = 1000;
  data::DataLoader<float> test_loader(test, options);

  auto model = models::mlp<float>(rng);
  SGD<float> sgd(model.parameters(), SGDOptions().lr(0.01).momentum(0.9));
  CrossEntropyLoss<float> loss;
  const train::PassResult trained = train::train_epoch(model, loss, sgd, train_loader);
  CHECK(trained.count == 60000);
  metrics::ConfusionMatrix confusion(10);
  const train::PassResult tested = train::evaluate(model, loss, test_loader, &confusion);
  INFO("train accuracy " << trained.accuracy << ", test accuracy " << tested.accuracy << ", test loss " << tested.loss);
  CHECK(tested.count == 10000);
  CHECK(tested.accuracy >= 0.80);
  CHECK(confusion.total() == 10000);
  CHECK(confusion.correct() == tested.correct);
}
