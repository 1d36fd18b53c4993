// Checkpoints and reproducibility: a run interrupted after epoch k and resumed ends bit-identical to an
// uninterrupted run (also with a weight average); two runs with the same seed are bit-identical; a
// checkpoint of another run is refused without touching the model. fit with a weight average evaluates
// with it and ends with it.
#include <catch2/catch.hpp>

#include <cstring>
#include <optional>

#include "data/data_support.hpp"

using namespace fnn;

namespace {

// Everything one training run owns, built from its seed: every random draw (initialisation, dropout,
// shuffling, augmentation) comes from that seed.
struct Run {
  enum class Optim { adam, sgd };

  data::Dataset train_set = test::make_dataset(100, 12, 12);
  data::Dataset test_set = test::make_dataset(30, 12, 12);
  Rng rng;
  data::DataLoader<float> train, test;
  Sequential<float> model;
  std::unique_ptr<Optimizer<float>> optimizer;
  CrossEntropyLoss<float> loss;
  train::FitOptions<float> options;
  std::optional<ExponentialMovingAverage<float>> average;

  Run(std::uint64_t seed, Optim optim, Index batch_size = 16, Index channels = 4)
      : rng(seed), train(train_set, train_options(batch_size), rng), test(test_set, {30}) {
    model.add(Conv2d<float>(1, channels, 3, rng, 1, 1));
    model.add(BatchNorm2d<float>(channels));
    model.add(ReLU<float>());
    model.add(MaxPool2d<float>(2));
    model.add(Flatten<float>());
    model.add(Dropout<float>(0.25, rng));
    model.add(Linear<float>(channels * 36, 10, rng));
    if (optim == Optim::adam) {
      optimizer = std::make_unique<Adam<float>>(model.parameters(), AdamOptions().lr(0.01));
    } else {
      const auto nesterov = SGDOptions().lr(0.05).momentum(0.9).weight_decay(1e-4).nesterov(true);
      optimizer = std::make_unique<SGD<float>>(model.parameters(), nesterov);
    }
    options.test = &test;
    options.schedule = std::make_shared<CosineAnnealingLR<float>>(*optimizer, 4);
  }

  static data::LoaderOptions train_options(Index batch_size) {
    data::LoaderOptions o;
    o.batch_size = batch_size;
    o.shuffle = true;
    o.augment.crop_padding = 1;
    o.augment.horizontal_flip = true;
    o.augment.erase_probability = 0.5;
    return o;
  }

  void average_weights(double decay) { options.average = &average.emplace(model, decay); }

  train::History fit(int epochs) {
    options.epochs = epochs;
    return train::fit(model, loss, *optimizer, train, options);
  }

  // The model's state, bit for bit.
  std::vector<float> state() {
    std::vector<float> all;
    for (auto& [name, t] : state_tensors(model)) all.insert(all.end(), t->begin(), t->end());
    return all;
  }
};

bool bit_identical(const std::vector<float>& a, const std::vector<float>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

}  // namespace

TEST_CASE("two runs with the same seed end with bit-identical parameters, another seed differs", "[checkpoint]") {
  Run a(7, Run::Optim::adam), b(7, Run::Optim::adam), c(8, Run::Optim::adam);
  a.fit(2);
  b.fit(2);
  c.fit(2);
  CHECK(bit_identical(a.state(), b.state()));
  CHECK_FALSE(bit_identical(a.state(), c.state()));
}

TEST_CASE("a run resumed from its checkpoint ends bit-identical to an uninterrupted run", "[checkpoint]") {
  const auto optim = GENERATE(Run::Optim::adam, Run::Optim::sgd);
  const int interrupted_after = GENERATE(1, 3);
  const bool averaged = GENERATE(false, true);
  test::TempFolder folder;

  Run whole(11, optim);
  if (averaged) whole.average_weights(0.9);
  whole.options.checkpoint = folder.file("whole.checkpoint");
  const train::History whole_history = whole.fit(4);

  {
    Run first_part(11, optim);
    if (averaged) first_part.average_weights(0.9);
    first_part.options.checkpoint = folder.file("part.checkpoint");
    first_part.fit(interrupted_after);
  }  // the process ends here, as far as the training objects know

  Run resumed(11, optim);
  if (averaged) resumed.average_weights(0.9);
  const std::vector<float> fresh = resumed.state();
  resumed.options.checkpoint = folder.file("part.checkpoint");
  resumed.options.resume = true;
  const train::History resumed_history = resumed.fit(4);

  CHECK_FALSE(bit_identical(fresh, whole.state()));  // the comparison below is not between untrained models
  CHECK(bit_identical(resumed.state(), whole.state()));
  REQUIRE(resumed_history.rows().size() == 4);
  for (std::size_t e = 0; e < 4; ++e) {
    CHECK(resumed_history.rows()[e].epoch == whole_history.rows()[e].epoch);
    CHECK(resumed_history.rows()[e].lr == whole_history.rows()[e].lr);
    CHECK(resumed_history.rows()[e].train.loss == whole_history.rows()[e].train.loss);
    CHECK(resumed_history.rows()[e].test.correct == whole_history.rows()[e].test.correct);
  }
}

TEST_CASE("fit with a weight average trains as without, evaluates with the average and ends with it", "[checkpoint]") {
  Run plain(9, Run::Optim::adam);
  const train::History plain_history = plain.fit(3);

  Run last(9, Run::Optim::adam);
  last.average_weights(0.0);  // decay 0: the average is the last weights
  last.fit(3);
  CHECK(bit_identical(last.state(), plain.state()));

  Run averaged(9, Run::Optim::adam);
  averaged.average_weights(0.9);
  const train::History history = averaged.fit(3);
  CHECK_FALSE(bit_identical(averaged.state(), plain.state()));
  for (std::size_t e = 0; e < 3; ++e) {
    CHECK(history.rows()[e].train.loss == plain_history.rows()[e].train.loss);  // averaging changes no step
  }
  const train::PassResult final_test = train::evaluate(averaged.model, averaged.loss, averaged.test);
  CHECK(final_test.correct == history.last().test.correct);
  CHECK(final_test.loss == history.last().test.loss);
}

TEST_CASE("a resumed run that has already reached its epochs trains no further", "[checkpoint]") {
  test::TempFolder folder;
  Run done(3, Run::Optim::adam);
  done.options.checkpoint = folder.file("run.checkpoint");
  done.fit(2);
  Run again(3, Run::Optim::adam);
  again.options.checkpoint = folder.file("run.checkpoint");
  again.options.resume = true;
  CHECK(again.fit(2).rows().size() == 2);
  CHECK(bit_identical(again.state(), done.state()));
}

TEST_CASE("a checkpoint of another run is refused with the reason and the model is left as it was", "[checkpoint]") {
  test::TempFolder folder;
  Run saved(5, Run::Optim::adam);
  saved.options.checkpoint = folder.file("run.checkpoint");
  saved.fit(1);

  SECTION("another architecture") {
    Run other(5, Run::Optim::adam, 16, 3);
    const std::vector<float> before = other.state();
    other.options.checkpoint = saved.options.checkpoint;
    other.options.resume = true;
    CHECK_THROWS_WITH(other.fit(2), Catch::Contains("run.checkpoint") && Catch::Contains("'model.0.weight' has shape") &&
                                        Catch::Contains("another architecture"));
    CHECK(bit_identical(other.state(), before));
  }
  SECTION("another batch size") {
    Run other(5, Run::Optim::adam, 8);
    other.options.checkpoint = saved.options.checkpoint;
    other.options.resume = true;
    CHECK_THROWS_WITH(other.fit(2), Catch::Contains("the batch size was 16 when the checkpoint was taken, it is 8"));
  }
  SECTION("another optimizer") {
    Run other(5, Run::Optim::sgd);
    other.options.checkpoint = saved.options.checkpoint;
    other.options.resume = true;
    CHECK_THROWS_WITH(other.fit(2), Catch::Contains("'optimizer.momentum_buffer.0.weight' is missing"));
  }
  SECTION("a weight average the checkpoint does not hold") {
    Run other(5, Run::Optim::adam);
    other.average_weights(0.99);
    other.options.checkpoint = saved.options.checkpoint;
    other.options.resume = true;
    CHECK_THROWS_WITH(other.fit(2), Catch::Contains("'average.updates' is missing"));
  }
  SECTION("a damaged file") {
    auto bytes = test::read_bytes(saved.options.checkpoint);
    bytes[bytes.size() / 2] ^= 0x10;
    test::write_bytes(saved.options.checkpoint, bytes);
    Run other(5, Run::Optim::adam);
    other.options.checkpoint = saved.options.checkpoint;
    other.options.resume = true;
    CHECK_THROWS_WITH(other.fit(2), Catch::Contains("checksum mismatch"));
  }
  SECTION("no file") {
    Run other(5, Run::Optim::adam);
    other.options.checkpoint = folder.file("absent.checkpoint");
    other.options.resume = true;
    CHECK_THROWS_WITH(other.fit(2), Catch::Contains("absent.checkpoint: there is no checkpoint to resume from"));
  }
  SECTION("a device that never ends, refused from its first bytes") {
    Run other(5, Run::Optim::adam);
    other.options.checkpoint = "/dev/zero";
    other.options.resume = true;
    CHECK_THROWS_WITH(other.fit(2), Catch::StartsWith("/dev/zero: not an fnn tensor file"));
  }
  SECTION("a checkpoint with 64 GiB appended, refused without reading them") {
    auto bytes = test::read_bytes(saved.options.checkpoint);
    test::write_sparse(saved.options.checkpoint, bytes, test::huge_file_size);
    Run other(5, Run::Optim::adam);
    other.options.checkpoint = saved.options.checkpoint;
    other.options.resume = true;
    CHECK_THROWS_WITH(other.fit(2), Catch::EndsWith(" (truncated or appended to)"));
  }
}

TEST_CASE("StateDict stores generator states and integers exactly", "[checkpoint]") {
  test::TempFolder folder;
  Rng rng(0xFFFFFFFFFFFFFFFFULL);
  rng.next();
  StateDict out;
  out.put_rng("g", rng);
  out.put_number("steps", 9007199254740991.0);  // 2^53 - 1
  out.save(folder.file("s"));
  const StateDict in = StateDict::load(folder.file("s"));
  Rng back;
  in.get_rng("g", back);
  CHECK(back.state() == rng.state());
  CHECK(in.get_integer("steps") == 9007199254740991LL);
  CHECK_THROWS_WITH(in.get_rng("steps", back), Catch::Contains("'steps' is not a generator state"));
  CHECK_THROWS_WITH(in.get_number("h"), Catch::Contains("'h' is missing; its entries: g [8], steps [1]"));
  StateDict parts;
  parts.put_number("model.0.weight", 1);
  parts.put_number("optimizer.step", 1);
  parts.save(folder.file("parts"));
  CHECK_THROWS_WITH(StateDict::load(folder.file("parts")).get_number("model.1.weight"),
                    Catch::EndsWith("'model.1.weight' is missing; its 'model.' entries: model.0.weight [1]"));
}
