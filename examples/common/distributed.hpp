#pragma once
// --distributed: every training example trains data-parallel on the processes mpirun starts
// (docs/distributed.md). Compiled with MPI when CMake finds fnn::distributed (FNN_EXAMPLES_MPI);
// without it the flag is refused with a usage error.
//
//   mpirun -np 2 build/release/examples/seed004_keras_cnn --distributed
#include <string>

#include "common/example.hpp"

namespace example {

// With --distributed: starts MPI for the rest of the run and sets s.processes to every process of the
// job; gives each process the machine's cores divided by the processes on its machine as OpenMP threads
// (or checks --threads against that); and sends the standard output of every process but rank 0 to
// /dev/null, so that one process prints. Without --distributed, does nothing.
void start_processes(Settings& s);

// Ends MPI after a run that succeeded on this process (MPI_Finalize waits for the other processes).
void end_processes();

// After an error on this process: ends every process of the job with `status`, since the others would
// otherwise wait for this one in their next collective. Returns when the run is not distributed.
void end_job(int status);

// " (rank R of N)" in a distributed run of several processes, for error messages; "" otherwise.
std::string rank_label();

}  // namespace example
