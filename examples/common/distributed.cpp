// The --distributed flag's processes (distributed.hpp): MPI when the examples are built with it.
#include "common/distributed.hpp"

#ifdef FNN_EXAMPLES_MPI

#include <fcntl.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fnn/distributed/mpi.hpp>
#include <iostream>
#include <memory>
#include <thread>

namespace example {

namespace {

// MPI for the run: the session, then the job's processes (freed before the session ends).
struct Processes {
  explicit Processes(double timeout_seconds)
      : session(no_arguments, no_argument_list), world(MPI_COMM_WORLD, std::chrono::duration<double>(timeout_seconds)) {
  }
  int no_arguments = 0;
  char** no_argument_list = nullptr;
  fnn::distributed::MpiSession session;
  fnn::distributed::MpiCommunicator world;
};

std::unique_ptr<Processes>& processes() {
  static std::unique_ptr<Processes> started;
  return started;
}

// The OpenMP threads of each process: the machine's cores divided by the processes on the machine, and
// no more than the cores mpirun bound this process to.
int threads_per_process(const Settings& s, const fnn::distributed::MpiCommunicator& world) {
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  const int local = world.processes_on_this_machine();
  const int share = std::max(1, cores / local);
  if (s.app && s.app->count("--threads") > 0) {
    if (s.threads * local > cores) {
      throw fnn::UsageError("--threads " + std::to_string(s.threads) + " with " + std::to_string(local) +
                            " processes on a machine of " + std::to_string(cores) +
                            " cores: processes x threads would exceed the cores; at most " + std::to_string(share));
    }
    return s.threads;
  }
  const int bound = omp_get_num_procs();
  if (bound < share && world.rank() == 0) {
    std::cout << "note: mpirun bound each process to " << bound << " core(s) of the " << share
              << " it could use; mpirun --bind-to none (or --map-by ppr:P:node:pe=T) gives it all" << std::endl;
  }
  return std::min(share, bound);
}

}  // namespace

void start_processes(Settings& s) {
  if (!s.distributed) return;
  if (!processes()) processes() = std::make_unique<Processes>(s.distributed_timeout);
  fnn::distributed::MpiCommunicator& world = processes()->world;
  s.processes = &world;
  s.threads = threads_per_process(s, world);
  if (world.rank() != 0) {
    std::fflush(stdout);
    const int null = open("/dev/null", O_WRONLY);
    if (null < 0 || dup2(null, STDOUT_FILENO) < 0) {
      throw fnn::IoError("/dev/null: cannot send the standard output of rank " + std::to_string(world.rank()) +
                         " there");
    }
    close(null);
  }
}

void end_processes() { processes().reset(); }

void end_job(int status) {
  if (processes() && processes()->world.size() > 1) MPI_Abort(MPI_COMM_WORLD, status);
  end_processes();
}

std::string rank_label() {
  if (!processes() || processes()->world.size() == 1) return "";
  return " (rank " + std::to_string(processes()->world.rank()) + " of " + std::to_string(processes()->world.size()) +
         ")";
}

}  // namespace example

#else

namespace example {

void start_processes(Settings& s) {
  if (s.distributed) {
    throw fnn::UsageError(
        "--distributed: these examples were built without MPI; install libopenmpi-dev "
        "(scripts/install-deps.sh) and configure the build again");
  }
}
void end_processes() {}
void end_job(int) {}
std::string rank_label() { return ""; }

}  // namespace example

#endif
