// Data-parallel training across MPI processes, run under mpirun (tests/distributed/CMakeLists.txt):
//   equivalence  an epoch of an MLP trained by N processes, each on its part of every global batch, ends
//                with the model a single process trains on the whole batches (within 1e-5 relative), and
//                two such runs end bit for bit the same
//   mismatch     processes whose models differ stop at the start with the same error on every process
// Prints one line per check on rank 0 and exits 0 when every check passed on every process, 1 otherwise.
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

// Trains for two epochs with `comm` (null: this process alone) and returns the parameters, one after the
// other. Every process starts from its own seed: fit must give them rank 0's model.
std::vector<float> train_two_epochs(distributed::Communicator* comm, std::uint64_t seed, Index hidden = 16) {
  const data::TensorDataset<float> set = problem();
  Rng rng(seed);
  Sequential<float> model = mlp(hidden, rng);
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
  train::fit(model, loss, optimizer, loader, options);
  std::vector<float> values;
  for (const auto& p : model.parameters())
    values.insert(values.end(), p.parameter->value.begin(), p.parameter->value.end());
  return values;
}

double relative_difference(const std::vector<float>& a, const std::vector<float>& b) {
  double diff = 0, norm = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    diff += (static_cast<double>(a[i]) - b[i]) * (static_cast<double>(a[i]) - b[i]);
    norm += static_cast<double>(b[i]) * b[i];
  }
  return std::sqrt(diff / norm);
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
  } else {
    if (root) std::fprintf(stderr, "unknown check %s\n", check.c_str());
    return 2;
  }
  return passed ? 0 : 1;
}
