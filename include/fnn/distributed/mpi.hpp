#pragma once
// The Communicator of several processes, on MPI (Open MPI from Debian: openmpi-bin, libopenmpi-dev).
// Link the CMake target fnn::distributed, which brings MPI::MPI_CXX.
//
//   int main(int argc, char** argv) {
//     fnn::distributed::MpiSession mpi(argc, argv);   // MPI_Init ... MPI_Finalize
//     fnn::distributed::MpiCommunicator world;        // MPI_COMM_WORLD
//     options.communicator = &world;                  // fit trains data-parallel across the processes
//   }
//   mpirun -np 2 ./program
//
// Faults: MPI's default error handler on MPI_COMM_WORLD aborts the job on any error, and mpirun ends
// the whole job when one process dies, so a dead rank never leaves the others waiting in a collective.
#include <mpi.h>

#include <climits>
#include <string>

#include "fnn/core/error.hpp"
#include "fnn/distributed/communicator.hpp"

namespace fnn::distributed {

// Initialises MPI for the program's lifetime (funnelled threads: only the main thread calls MPI, while
// OpenMP threads compute).
class MpiSession {
 public:
  MpiSession(int& argc, char**& argv) {
    int provided = 0;
    check(MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  }
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;
  ~MpiSession() { MPI_Finalize(); }

  static void check(int code, const char* call) {
    if (code != MPI_SUCCESS)
      throw Error(std::string("fnn::distributed: ") + call + " failed with MPI error " + std::to_string(code));
  }
};

class MpiCommunicator final : public Communicator {
 public:
  explicit MpiCommunicator(MPI_Comm comm = MPI_COMM_WORLD) : comm_(comm) {
    MpiSession::check(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
    MpiSession::check(MPI_Comm_size(comm_, &size_), "MPI_Comm_size");
  }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void all_reduce_sum(float* data, std::size_t n) override { all_reduce(data, n, MPI_FLOAT); }
  void all_reduce_sum(double* data, std::size_t n) override { all_reduce(data, n, MPI_DOUBLE); }
  void broadcast(float* data, std::size_t n, int root) override { bcast(data, n, MPI_FLOAT, root); }
  void broadcast(double* data, std::size_t n, int root) override { bcast(data, n, MPI_DOUBLE, root); }
  void barrier() override { MpiSession::check(MPI_Barrier(comm_), "MPI_Barrier"); }

 private:
  void all_reduce(void* data, std::size_t n, MPI_Datatype type) {
    in_pieces(data, n, type, "MPI_Allreduce",
              [&](void* first, int count) { return MPI_Allreduce(MPI_IN_PLACE, first, count, type, MPI_SUM, comm_); });
  }
  void bcast(void* data, std::size_t n, MPI_Datatype type, int root) {
    in_pieces(data, n, type, "MPI_Bcast",
              [&](void* first, int count) { return MPI_Bcast(first, count, type, root, comm_); });
  }

  // MPI counts are ints: a longer buffer goes in pieces, each through `call(first, count)`.
  template <class Call>
  static void in_pieces(void* data, std::size_t n, MPI_Datatype type, const char* name, Call call) {
    constexpr std::size_t piece = INT_MAX / 2;
    int bytes = 0;
    MPI_Type_size(type, &bytes);
    for (std::size_t done = 0; done < n; done += piece) {
      const int count = static_cast<int>(n - done < piece ? n - done : piece);
      MpiSession::check(call(static_cast<char*>(data) + done * static_cast<std::size_t>(bytes), count), name);
    }
  }

  MPI_Comm comm_;
  int rank_ = 0, size_ = 1;
};

}  // namespace fnn::distributed
