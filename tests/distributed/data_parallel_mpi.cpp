// Data-parallel training across MPI processes, run under mpirun (tests/distributed/CMakeLists.txt):
//   equivalence  an epoch of an MLP trained by N processes, each on its part of every global batch, ends
//                with the model a single process trains on the whole batches (within 1e-5 relative), and
//                two such runs end bit for bit the same
//   mismatch     processes whose models differ stop at the start with the same error on every process
//   sync-batchnorm
//                a model with BatchNorm1d and BatchNorm2d trained by N processes with synchronised
//                BatchNorm ends with the model and running statistics one process trains on the whole
//                batches (within 1e-5 relative), even with a part of a batch empty; with BatchNorm per
//                process it does not
//   sync-batchnorm-gradients
//                the synchronised layers' gradients (input, weight, bias) match central differences of
//                the global loss, in double, with parts of unequal size
//   random-streams
//                each process draws its own Dropout masks and augmentation, from rank 0's seed and its
//                rank alone: runs with Dropout repeat bit for bit, and a sample is augmented as one
//                process augments it
// Prints one line per check on rank 0 and exits 0 when every check passed on every process, 1 otherwise.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fnn/distributed/mpi.hpp>
#include <fnn/fnn.hpp>
#include <string>

namespace {

using namespace fnn;

// 203 samples of 6 features in 3 classes (the last global batch of 32 is 11 long, split unevenly).
data::TensorDataset<float> problem() {
  Rng rng(11);
  Tensor<float> x(Shape{203, 6});
  Targets labels(203);
  for (Index i = 0; i < 203; ++i) {
    double score = 0;
    for (Index f = 0; f < 6; ++f) {
      x(i, f) = static_cast<float>(rng.uniform(-1, 1));
      score += (f % 2 ? 1 : -1) * x(i, f) * static_cast<double>(f + 1);
    }
    labels[static_cast<std::size_t>(i)] = score < -1 ? 0 : score < 1 ? 1 : 2;
  }
  return data::TensorDataset<float>(std::move(x), std::move(labels));
}

Sequential<float> mlp(Index hidden, Rng& rng) {
  Sequential<float> model;
  model.add(Linear<float>(6, hidden, rng));
  model.add(ReLU<float>());
  model.add(Linear<float>(hidden, 3, rng));
  return model;
}

Sequential<float> mlp_with_dropout(Rng& rng) {
  Sequential<float> model;
  model.add(Linear<float>(6, 16, rng));
  model.add(ReLU<float>());
  model.add(Dropout<float>(0.3, rng));
  model.add(Linear<float>(16, 3, rng));
  return model;
}

// `samples` images [2, 3, 3] in 3 classes, values centred away from 0 so that BatchNorm has a mean to
// take away.
data::TensorDataset<float> image_problem(Index samples) {
  Rng rng(12);
  Tensor<float> x(Shape{samples, 2, 3, 3});
  Targets labels(static_cast<std::size_t>(samples));
  for (Index i = 0; i < samples; ++i) {
    double score = 0;
    for (Index k = 0; k < 18; ++k) {
      const double v = rng.uniform(-1, 1);
      x[i * 18 + k] = static_cast<float>(2 + v);
      score += (k % 3 - 1.0) * v;
    }
    labels[static_cast<std::size_t>(i)] = score < -0.5 ? 0 : score < 0.5 ? 1 : 2;
  }
  return data::TensorDataset<float>(std::move(x), std::move(labels));
}

// Convolution, BatchNorm2d, and with `features` a hidden layer normalised by BatchNorm1d.
Sequential<float> batchnorm_model(Rng& rng, bool features) {
  Sequential<float> model;
  model.add(Conv2d<float>(2, 4, 3, rng, 1, 1));
  model.add(BatchNorm2d<float>(4));
  model.add(ReLU<float>());
  model.add(Flatten<float>());
  if (features) {
    model.add(Linear<float>(36, 8, rng));
    model.add(BatchNorm1d<float>(8));
    model.add(ReLU<float>());
  }
  model.add(Linear<float>(features ? 8 : 36, 3, rng));
  return model;
}

// Trains `model` for two epochs on `set` with `comm` (null: this process alone) and returns its parameters
// and buffers, one after the other.
std::vector<float> train_two_epochs(Sequential<float> model, const data::TensorDataset<float>& set,
                                    distributed::Communicator* comm, bool synchronise_batchnorm = false) {
  Rng order(5);  // the same order on every process
  data::BatchOptions batches;
  batches.batch_size = 32;
  batches.shuffle = true;
  data::TensorLoader<float> loader(set, batches, order);
  CrossEntropyLoss<float> loss;
  SGD<float> optimizer(model.parameters(), SGDOptions().lr(0.1).momentum(0.9).weight_decay(1e-4));
  train::FitOptions<float> options;
  options.epochs = 2;
  options.communicator = comm;
  options.synchronise_batchnorm = synchronise_batchnorm;
  train::fit(model, loss, optimizer, loader, options);
  std::vector<float> values;
  for (const auto& p : model.parameters())
    values.insert(values.end(), p.parameter->value.begin(), p.parameter->value.end());
  for (const auto& b : model.buffers()) values.insert(values.end(), b.tensor->begin(), b.tensor->end());
  return values;
}

// An MLP of `hidden` units trained on problem(). Every process starts from its own seed: fit must give
// them rank 0's model.
std::vector<float> train_two_epochs(distributed::Communicator* comm, std::uint64_t seed, Index hidden = 16) {
  Rng rng(seed);
  return train_two_epochs(mlp(hidden, rng), problem(), comm);
}

double relative_difference(const std::vector<float>& a, const std::vector<float>& b) {
  double diff = 0, norm = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff += (static_cast<double>(a[i]) - b[i]) * (static_cast<double>(a[i]) - b[i]);
    norm += static_cast<double>(b[i]) * b[i];
  }
  return std::sqrt(diff / norm);
}

// The largest error of the synchronised `layer`'s gradients against central differences of the global
// loss L = sum_p w_p sum(G_p * y_p), w_p = M_p / M: the weighting fit's GradientAverager gives each
// process's loss. So the input gradient process p returns, times w_p, is dL/dx there, and the parameter
// gradients, weighted by w_p and summed over the processes, are dL/dparameter. Process p holds 2 + p
// samples of `sample` shape.
double gradient_error(BatchNorm<double>& layer, const Shape& shape, distributed::Communicator& comm) {
  Rng common(3), own(7 + static_cast<std::uint64_t>(comm.rank()));
  for (Parameter<double>* p : {&layer.weight(), &layer.bias()}) {
    for (double& v : p->value) v = common.normal();
  }
  Tensor<double> x(shape), g(shape);
  for (double& v : x) v = own.normal(1, 2);
  for (double& v : g) v = own.normal();
  layer.synchronise(&comm);
  double samples = static_cast<double>(shape[0]);
  comm.all_reduce_sum(&samples, 1);
  const double weight = static_cast<double>(shape[0]) / samples;
  const auto global_loss = [&] {
    double loss = weight * (layer.forward(x).array() * g.array()).sum();
    comm.all_reduce_sum(&loss, 1);
    return loss;
  };
  global_loss();
  layer.zero_grad();
  const Tensor<double> dx = layer.backward(g);
  for (Parameter<double>* p : {&layer.weight(), &layer.bias()}) {
    p->grad.array() *= weight;
    comm.all_reduce_sum(p->grad.data(), static_cast<std::size_t>(p->grad.numel()));
  }
  constexpr double h = 1e-5;
  double worst = 0;
  const auto compare = [&worst](double analytic, double numeric) {
    worst = std::max(worst, std::abs(analytic - numeric) / std::max({std::abs(analytic), std::abs(numeric), 1e-3}));
  };
  // dL/d `value`, an element this process perturbs; null on the processes that leave theirs alone (every
  // process runs every forward).
  const auto numeric = [&](double* value) {
    const double kept = value ? *value : 0;
    if (value) *value = kept + h;
    const double up = global_loss();
    if (value) *value = kept - h;
    const double down = global_loss();
    if (value) *value = kept;
    return (up - down) / (2 * h);
  };
  for (int p = 0; p < comm.size(); ++p) {
    const bool mine = comm.rank() == p;
    for (Index i = 0; i < (2 + p) * shape.inner(); ++i) {
      const double d = numeric(mine ? &x[i] : nullptr);
      if (mine) compare(weight * dx[i], d);
    }
  }
  for (Parameter<double>* p : {&layer.weight(), &layer.bias()}) {
    for (Index i = 0; i < p->value.numel(); ++i) compare(p->grad[i], numeric(&p->value[i]));
  }
  return worst;
}

// 6 images of 2x2 bytes per process in one batch, augmented (crops and flips): this process's part.
Tensor<float> augmented_batch(const data::Dataset& set, int rank, int ranks) {
  data::LoaderOptions options(static_cast<Index>(set.size()));
  options.augment.crop_padding = 1;
  options.augment.horizontal_flip = true;
  Rng rng(9);
  data::DataLoader<float> loader(set, options, rng);
  loader.shard(rank, ranks);
  loader.start_epoch();
  data::Batch<float> batch;
  loader.next(batch);
  return batch.inputs;
}

}  // namespace

int main(int argc, char** argv) {
  distributed::MpiSession mpi(argc, argv);
  distributed::MpiCommunicator world;
  const bool root = world.rank() == 0;
  const std::string check = argc > 1 ? argv[1] : "equivalence";
  bool passed = true;
  auto report = [&](bool ok, const std::string& what) {
    double failures = ok ? 0 : 1;
    world.all_reduce_sum(&failures, 1);
    if (root) std::printf("%s: %s\n", failures == 0 ? "passed" : "FAILED", what.c_str());
    passed = passed && failures == 0;
  };
  if (check == "equivalence") {
    const std::vector<float> together = train_two_epochs(&world, 100 + static_cast<std::uint64_t>(world.rank()));
    // Again, rank 0 from the same start and the others from other ones, which fit replaces with rank 0's.
    const std::vector<float> again =
        train_two_epochs(&world, root ? 100 : 200 + static_cast<std::uint64_t>(world.rank()));
    distributed::SingleProcess alone;
    // Rank 0's start in the first run was seed 100's model.
    const std::vector<float> single = train_two_epochs(&alone, 100);
    const double difference = relative_difference(together, single);
    char line[200];
    std::snprintf(line, sizeof line, "%d processes end where one process does (relative difference %.2e)", world.size(),
                  difference);
    report(difference < 1e-5, line);
    report(std::memcmp(together.data(), again.data(), together.size() * sizeof(float)) == 0,
           "two runs with the same number of processes end bit for bit the same, whatever the others started from");
  } else if (check == "mismatch") {
    std::string error;
    try {
      train_two_epochs(&world, 1, world.rank() == 0 ? 16 : 17);
    } catch (const UsageError& e) {
      error = e.what();
    }
    if (root) std::printf("rank 0: %s\n", error.c_str());
    report(error.find("differs from rank 0's") != std::string::npos,
           "processes with different models stop with an error on every process");
  } else if (check == "sync-batchnorm") {
    distributed::SingleProcess alone;
    char line[200];
    // 203 samples, then 194, whose last batch of 2 leaves a part empty with 3 processes. There BatchNorm1d
    // would normalise 2 values, whose output is +-1 whatever they are: its input gradient is rounding
    // noise, which no two ways of summing share, so that model leaves it out.
    for (const Index samples : {203, 194}) {
      Rng start(100);  // rank 0's model is everyone's
      const std::vector<float> synchronised =
          train_two_epochs(batchnorm_model(start, samples == 203), image_problem(samples), &world, true);
      start = Rng(100);
      const std::vector<float> single =
          train_two_epochs(batchnorm_model(start, samples == 203), image_problem(samples), &alone);
      const double difference = relative_difference(synchronised, single);
      std::snprintf(line, sizeof line,
                    "%d processes with synchronised BatchNorm%s end where one process does on %d samples, parameters "
                    "and running statistics (relative difference %.2e)",
                    world.size(), samples == 203 ? "1d and 2d" : "2d", static_cast<int>(samples), difference);
      report(difference < 1e-5, line);
    }
    Rng start(100);
    const std::vector<float> per_process = train_two_epochs(batchnorm_model(start, true), image_problem(203), &world);
    start = Rng(100);
    const std::vector<float> single = train_two_epochs(batchnorm_model(start, true), image_problem(203), &alone);
    const double apart = relative_difference(per_process, single);
    std::snprintf(line, sizeof line, "with BatchNorm per process they do not (relative difference %.2e)", apart);
    report(apart > 1e-3, line);
  } else if (check == "sync-batchnorm-gradients") {
    BatchNorm1d<double> features(3);
    BatchNorm2d<double> images(2);
    const double error = std::max(gradient_error(features, {2 + world.rank(), 3}, world),
                                  gradient_error(images, {2 + world.rank(), 2, 2, 3}, world));
    char line[200];
    std::snprintf(line, sizeof line,
                  "synchronised BatchNorm1d and BatchNorm2d gradients match central differences (largest error "
                  "%.1e on rank %d)",
                  error, world.rank());
    report(error < 1e-6, line);
  } else if (check == "random-streams") {
    // Dropout: every process seeded alike, then one stream each.
    const auto masks = [&world](std::uint64_t seed) {
      Rng rng(seed);
      Sequential<float> model;
      model.add(Dropout<float>(0.5, rng));
      distributed::separate_random_streams(model, world);
      return model.forward(Tensor<float>({16, 64}, 1.0f));
    };
    const Tensor<float> mine = masks(5);
    Tensor<float> rank0s = mine;
    world.broadcast(rank0s.data(), static_cast<std::size_t>(rank0s.numel()), 0);
    const auto differing = (mine.array() != rank0s.array()).count();
    report(root || differing > mine.numel() / 4, "each process draws its own Dropout masks");
    const Tensor<float> again = masks(root ? 5 : 50 + static_cast<std::uint64_t>(world.rank()));
    report(max_abs_diff(again, mine) == 0, "a process's masks depend on rank 0's seed and its rank alone");
    const std::vector<float> first = train_two_epochs(
        [&] {
          Rng rng(100 + static_cast<std::uint64_t>(world.rank()));
          return mlp_with_dropout(rng);
        }(),
        problem(), &world);
    const std::vector<float> second = train_two_epochs(
        [&] {
          Rng rng(100);
          return mlp_with_dropout(rng);
        }(),
        problem(), &world);
    report(std::memcmp(first.data(), second.data(), first.size() * sizeof(float)) == 0,
           "two runs with Dropout and the same number of processes end bit for bit the same");
    // Augmentation: this process's part of a batch is those rows of the batch one process serves.
    std::vector<std::uint8_t> pixels(6 * 4);
    for (std::size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<std::uint8_t>(10 * i);
    const data::Dataset set(pixels, std::vector<std::int32_t>(6, 0), 2, 2);
    const Tensor<float> part = augmented_batch(set, world.rank(), world.size());
    const Tensor<float> whole = augmented_batch(set, 0, 1);
    const Index first_row = 6 * world.rank() / world.size();
    bool same = true;
    for (Index i = 0; i < part.numel(); ++i) same = same && part[i] == whole[first_row * 4 + i];
    report(same, "a sample is augmented as one process augments it");
  } else {
    if (root) std::fprintf(stderr, "unknown check %s\n", check.c_str());
    return 2;
  }
  return passed ? 0 : 1;
}
