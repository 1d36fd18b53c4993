// Trains a tiny model for a few steps; exits 0 when the loss went down.
#include <fnn/fnn.hpp>
#include <iostream>

int main() {
  fnn::Rng rng(1);
  fnn::Sequential<float> model;
  model.add(fnn::Linear<float>(4, 8, rng));
  model.add(fnn::ReLU<float>());
  model.add(fnn::Linear<float>(8, 2, rng));
  fnn::Tensor<float> x({4, 4}, {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1});
  const fnn::Targets y{0, 1, 0, 1};
  fnn::Adam<float> opt(model.parameters(), fnn::AdamOptions().lr(0.05));
  fnn::CrossEntropyLoss<float> loss;
  float first = 0, last = 0;
  for (int step = 0; step < 50; ++step) {
    opt.zero_grad();
    last = loss.forward(model.forward(x), y);
    if (step == 0) first = last;
    model.backward(loss.backward());
    opt.step();
  }
  std::cout << "consumer: loss " << first << " -> " << last << "\n";
  return last < first ? 0 : 1;
}
