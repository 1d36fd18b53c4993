#pragma once
// The Communicator of several processes, on MPI (Open MPI from Debian: openmpi-bin, libopenmpi-dev).
// Link the CMake target fnn::distributed, which brings MPI::MPI_CXX.
//
//   int main(int argc, char** argv) {
//     fnn::distributed::MpiSession mpi(argc, argv);   // MPI_Init ... MPI_Finalize
//     fnn::distributed::MpiCommunicator world;        // MPI_COMM_WORLD's processes
//     options.communicator = &world;                  // fit trains data-parallel across the processes
//   }
//   mpirun -np 2 ./program
//
// Faults: mpirun ends the whole job when one process dies, naming its rank. A process that stops or hangs
// while alive would leave the others waiting in a collective forever: a Watchdog bounds every collective's
// wait (MpiCommunicator's timeout), and the process whose wait expired exits, which ends the job. An MPI
// call that fails throws an fnn::Error naming the call, the rank and MPI's message (the communicator
// returns MPI's errors instead of aborting on them), so the program can report it before ending the job.
#include <mpi.h>

#include <chrono>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "fnn/core/error.hpp"
#include "fnn/distributed/communicator.hpp"
#include "fnn/distributed/watchdog.hpp"

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
    if (code == MPI_SUCCESS) return;
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    if (MPI_Error_string(code, text, &length) != MPI_SUCCESS) length = 0;
    int rank = -1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    throw Error(std::string("fnn::distributed: ") + call + " failed on rank " + std::to_string(rank) +
                " with MPI error " + std::to_string(code) + (length > 0 ? ": " + std::string(text, length) : ""));
  }
};

class MpiCommunicator final : public Communicator {
 public:
  // Ten minutes: longer than any wait of a healthy run (rank 0 writing a checkpoint while the others
  // start the next epoch), short enough that a hung job frees its machines.
  static constexpr std::chrono::seconds default_timeout{600};

  // The processes of `comm`, on a duplicate of it (fnn's collectives never mix with the program's own).
  // A collective that waits longer than `timeout` ends this process with a message naming its rank.
  explicit MpiCommunicator(MPI_Comm comm = MPI_COMM_WORLD, std::chrono::duration<double> timeout = default_timeout)
      : comm_(duplicate(comm)),
        watchdog_(timeout, [this](const char* collective, double seconds) { give_up(collective, seconds); }) {
    MpiSession::check(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
    MpiSession::check(MPI_Comm_size(comm_, &size_), "MPI_Comm_size");
    MPI_Comm machine = MPI_COMM_NULL;
    MpiSession::check(MPI_Comm_split_type(comm_, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &machine),
                      "MPI_Comm_split_type");
    MpiSession::check(MPI_Comm_size(machine, &local_size_), "MPI_Comm_size");
    MPI_Comm_free(&machine);
  }
  MpiCommunicator(const MpiCommunicator&) = delete;
  MpiCommunicator& operator=(const MpiCommunicator&) = delete;
  // Before the MpiSession ends: the duplicate is freed here.
  ~MpiCommunicator() override { MPI_Comm_free(&comm_); }

  // The processes of this communicator that share this process's machine (its memory), this one included:
  // what the machine's cores are divided between.
  int processes_on_this_machine() const { return local_size_; }
  double timeout_seconds() const { return watchdog_.timeout_seconds(); }

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void all_reduce_sum(float* data, std::size_t n) override { all_reduce(data, n, MPI_FLOAT); }
  void all_reduce_sum(double* data, std::size_t n) override { all_reduce(data, n, MPI_DOUBLE); }
  void broadcast(float* data, std::size_t n, int root) override { bcast(data, n, MPI_FLOAT, root); }
  void broadcast(double* data, std::size_t n, int root) override { bcast(data, n, MPI_DOUBLE, root); }
  void barrier() override {
    const Watchdog::Watch watch(watchdog_, "MPI_Barrier");
    MpiSession::check(MPI_Barrier(comm_), "MPI_Barrier");
  }

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
  void in_pieces(void* data, std::size_t n, MPI_Datatype type, const char* name, Call call) {
    const Watchdog::Watch watch(watchdog_, name);
    constexpr std::size_t piece = INT_MAX / 2;
    int bytes = 0;
    MPI_Type_size(type, &bytes);
    for (std::size_t done = 0; done < n; done += piece) {
      const int count = static_cast<int>(n - done < piece ? n - done : piece);
      MpiSession::check(call(static_cast<char*>(data) + done * static_cast<std::size_t>(bytes), count), name);
    }
  }

  static MPI_Comm duplicate(MPI_Comm comm) {
    MPI_Comm copy = MPI_COMM_NULL;
    MpiSession::check(MPI_Comm_dup(comm, &copy), "MPI_Comm_dup");
    MpiSession::check(MPI_Comm_set_errhandler(copy, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
    return copy;
  }

  // Called by the watchdog's thread, which may not call MPI (the session is funnelled): the process exits
  // without MPI_Finalize, and mpirun then ends every other process of the job.
  [[noreturn]] void give_up(const char* collective, double seconds) const {
    std::fprintf(stderr,
                 "fnn::distributed: rank %d of %d waited %.0f s in %s for the other processes: one of them has "
                 "stopped or hangs; ending the job\n",
                 rank_, size_, seconds, collective);
    std::fflush(stderr);
    std::_Exit(3);
  }

  MPI_Comm comm_;
  int rank_ = 0, size_ = 1, local_size_ = 1;
  Watchdog watchdog_;  // last: its thread may read the members above
};

}  // namespace fnn::distributed
