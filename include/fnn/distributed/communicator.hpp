#pragma once
// Communicator: what data-parallel training needs from the processes that train one model together, as
// PyTorch's process groups give it: each process's rank among `size`, the sum of a buffer over all of
// them (all-reduce), one process's buffer sent to all (broadcast), and a barrier. Every process calls
// the collectives in the same order with buffers of the same length.
//
// SingleProcess is the communicator of a run that is not distributed: rank 0 of 1, every collective a
// no-op. The MPI communicator (fnn/distributed/mpi.hpp, CMake component `distributed`) is the one for
// several processes; the core never depends on MPI.
#include <cstddef>

namespace fnn::distributed {

class Communicator {
 public:
  virtual ~Communicator() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;

  // data[i] = the sum over every process of its data[i]. The order of the additions does not depend on
  // timing, so that a run with a fixed number of processes repeats bit for bit.
  virtual void all_reduce_sum(float* data, std::size_t n) = 0;
  virtual void all_reduce_sum(double* data, std::size_t n) = 0;
  // Every process's data = the data of process `root`.
  virtual void broadcast(float* data, std::size_t n, int root) = 0;
  virtual void broadcast(double* data, std::size_t n, int root) = 0;
  virtual void barrier() = 0;

 protected:
  Communicator() = default;
  Communicator(const Communicator&) = default;
  Communicator& operator=(const Communicator&) = default;
};

class SingleProcess final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  void all_reduce_sum(float*, std::size_t) override {}
  void all_reduce_sum(double*, std::size_t) override {}
  void broadcast(float*, std::size_t, int) override {}
  void broadcast(double*, std::size_t, int) override {}
  void barrier() override {}
};

}  // namespace fnn::distributed
