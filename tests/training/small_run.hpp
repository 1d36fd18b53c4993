#pragma once
// A training run small enough for a test: 40 synthetic 4x4 images in batches of 10 (4 batches an epoch),
// a validation loader over the same images in batches of 20, a linear classifier, 3 epochs.
#include <fnn/fnn.hpp>

#include "data/data_support.hpp"

namespace fnn::test {

struct SmallRun {
  data::Dataset set = make_dataset(40, 4, 4);
  Rng rng;
  data::DataLoader<float> loader{set, {10}};
  data::DataLoader<float> validation{set, {20}};
  Sequential<float> model;
  CrossEntropyLoss<float> loss;
  train::FitOptions<float> options;

  explicit SmallRun(std::uint64_t seed = 1) : rng(seed) {
    model.add(Flatten<float>());
    model.add(Linear<float>(16, 10, rng));
    options.epochs = 3;
  }
  train::History fit(Optimizer<float>& optimizer) { return train::fit(model, loss, optimizer, loader, options); }
};

}  // namespace fnn::test
