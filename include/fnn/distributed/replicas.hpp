#pragma once
// Keeping the replicas of a model in step across processes, as PyTorch's DistributedDataParallel does:
//  - at the start, every process checks that its model has rank 0's parameters and buffers (names and
//    shapes), then takes rank 0's values, so every replica starts identical; a checksum of the values
//    confirms it;
//  - after every backward, the gradients are averaged over the processes, weighted by how many of the
//    global batch's samples each process computed, so that the step is the one a single process
//    would take on the whole global batch. The gradients go in one flat bucket, one all-reduce per step;
//  - at the start of every training pass, each process's generators (Dropout's masks) become rank 0's
//    jumped ahead by 2^128 draws per rank: every process draws its own stream, which depends on rank 0's
//    seed and the rank alone.
// Frozen parameters (requires_grad false) have no gradient and are skipped alike on every process.
#include <cstring>
#include <string>
#include <vector>

#include "fnn/core/error.hpp"
#include "fnn/distributed/communicator.hpp"
#include "fnn/io/crc32.hpp"
#include "fnn/layers/layer.hpp"

namespace fnn::distributed {

namespace detail {

// A checksum of the model's layout (parameter and buffer names and shapes, generator names) or of its
// values.
template <class Scalar>
std::uint32_t layout_checksum(Layer<Scalar>& model) {
  std::string layout;
  for (const auto& p : model.parameters()) layout += p.name + p.parameter->value.shape().str() + ";";
  for (const auto& b : model.buffers()) layout += b.name + b.tensor->shape().str() + ";";
  for (const auto& g : model.generators()) layout += g.name + ";";
  return crc32(reinterpret_cast<const unsigned char*>(layout.data()), layout.size());
}

template <class Scalar>
std::uint32_t values_checksum(Layer<Scalar>& model) {
  std::uint32_t crc = 0;
  auto add = [&crc](const Tensor<Scalar>& t) {
    crc = crc32_update(crc, reinterpret_cast<const unsigned char*>(t.data()),
                       sizeof(Scalar) * static_cast<std::size_t>(t.numel()));
  };
  for (const auto& p : model.parameters()) add(p.parameter->value);
  for (const auto& b : model.buffers()) add(*b.tensor);
  return crc;
}

// Throws the same UsageError on every process when some process's `value` differs from rank 0's.
inline void expect_same_everywhere(Communicator& comm, double value, const std::string& what) {
  double root_value = value;
  comm.broadcast(&root_value, 1, 0);
  double differing = root_value != value ? 1 : 0;
  comm.all_reduce_sum(&differing, 1);
  if (differing > 0) {
    throw UsageError("fnn::distributed: " + what + " differs from rank 0's on " +
                     std::to_string(static_cast<long long>(differing)) + " of " + std::to_string(comm.size()) +
                     " processes (this is rank " + std::to_string(comm.rank()) + ")");
  }
}

}  // namespace detail

// Gives every process rank 0's parameters and buffers. Throws UsageError on every process when the
// models differ in their parameters' or buffers' names or shapes or their generators' names, before
// anything is sent.
template <class Scalar>
void synchronise_replicas(Layer<Scalar>& model, Communicator& comm) {
  if (comm.size() == 1) return;
  double parameters = 0;
  for (const auto& p : model.parameters()) parameters += static_cast<double>(p.parameter->value.numel());
  detail::expect_same_everywhere(comm, parameters, "the number of parameters");
  detail::expect_same_everywhere(comm, detail::layout_checksum(model),
                                 "the model's layout (names and shapes, generators)");
  for (const auto& p : model.parameters()) {
    comm.broadcast(p.parameter->value.data(), static_cast<std::size_t>(p.parameter->value.numel()), 0);
  }
  for (const auto& b : model.buffers())
    comm.broadcast(b.tensor->data(), static_cast<std::size_t>(b.tensor->numel()), 0);
  detail::expect_same_everywhere(comm, detail::values_checksum(model), "the replica's checksum after the broadcast");
}

// Gives each process its own random streams from the model's generators: rank 0's, each jumped ahead
// `rank` times by 2^128 draws, so that processes drop and draw independently of each other, yet a run
// with a fixed number of processes repeats bit for bit whatever the others were seeded with. Rank 0
// keeps its own stream, which a checkpoint saves, so a resumed run continues every process's stream.
// Called at the start of every training pass (train_epoch); one process's generators stay as they are.
template <class Scalar>
void separate_random_streams(Layer<Scalar>& model, Communicator& comm) {
  if (comm.size() == 1) return;
  for (const GeneratorRef& g : model.generators()) {
    // The 64-bit words travel as 32-bit halves, which doubles hold exactly.
    Rng::State state = g.rng->state();
    double halves[8];
    for (int i = 0; i < 4; ++i) {
      halves[2 * i] = static_cast<double>(state[i] >> 32);
      halves[2 * i + 1] = static_cast<double>(state[i] & 0xffffffffu);
    }
    comm.broadcast(halves, 8, 0);
    for (int i = 0; i < 4; ++i) {
      state[i] = static_cast<std::uint64_t>(halves[2 * i]) << 32 | static_cast<std::uint64_t>(halves[2 * i + 1]);
    }
    g.rng->set_state(state);
    for (int r = 0; r < comm.rank(); ++r) g.rng->jump();
  }
}

// Averages the gradients over the processes after each backward. Each process's gradient is the mean
// over its `local` samples of a global batch of `global`: weighted by local / global and summed, they
// give the mean over the global batch.
template <class Scalar>
class GradientAverager {
 public:
  GradientAverager(std::vector<ParameterRef<Scalar>> params, Communicator& comm)
      : params_(std::move(params)), comm_(comm) {
    std::size_t total = 0;
    for (const auto& p : params_) {
      if (p.parameter->requires_grad) total += static_cast<std::size_t>(p.parameter->grad.numel());
    }
    if (comm_.size() > 1) bucket_.resize(total);
  }

  void average(Index local, Index global) {
    if (comm_.size() == 1) return;
    const Scalar weight = global > 0 ? static_cast<Scalar>(local) / static_cast<Scalar>(global) : Scalar(0);
    Scalar* at = bucket_.data();
    for (const auto& p : params_) {
      if (!p.parameter->requires_grad) continue;
      const Tensor<Scalar>& g = p.parameter->grad;
      for (Index i = 0; i < g.numel(); ++i) at[i] = weight * g[i];
      at += g.numel();
    }
    comm_.all_reduce_sum(bucket_.data(), bucket_.size());
    at = bucket_.data();
    for (const auto& p : params_) {
      if (!p.parameter->requires_grad) continue;
      Tensor<Scalar>& g = p.parameter->grad;
      std::memcpy(g.data(), at, sizeof(Scalar) * static_cast<std::size_t>(g.numel()));
      at += g.numel();
    }
  }

 private:
  std::vector<ParameterRef<Scalar>> params_;
  Communicator& comm_;
  std::vector<Scalar> bucket_;  // every gradient, one after the other
};

}  // namespace fnn::distributed
