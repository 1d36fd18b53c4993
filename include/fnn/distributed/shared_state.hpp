#pragma once
// A training run's state (a checkpoint's StateDict) read by rank 0 and sent to every process, so that a
// resumed data-parallel run continues on every process from rank 0's checkpoint: the model, the
// optimizer's moments and step count, the schedule, the loaders' generators and the history alike, and
// the other processes need no access to rank 0's files (machines without a shared file system).
//
// The state travels as one buffer of doubles (every StateDict entry is double already): the number of
// entries, then for each its name's length and characters, its rank and extents, and its values. When
// rank 0 cannot read it, every process throws rank 0's error.
#include <functional>
#include <string>
#include <vector>

#include "fnn/core/error.hpp"
#include "fnn/distributed/communicator.hpp"
#include "fnn/io/state_dict.hpp"

namespace fnn::distributed {

namespace detail {

inline std::vector<double> pack(const StateDict& state) {
  std::vector<double> buffer{static_cast<double>(state.entries().size())};
  for (const auto& e : state.entries()) {
    buffer.push_back(static_cast<double>(e.name.size()));
    buffer.insert(buffer.end(), e.name.begin(), e.name.end());
    const Shape& shape = e.tensor.shape();
    buffer.push_back(shape.rank());
    for (int a = 0; a < shape.rank(); ++a) buffer.push_back(static_cast<double>(shape[a]));
    buffer.insert(buffer.end(), e.tensor.begin(), e.tensor.end());
  }
  return buffer;
}

inline StateDict unpack(const std::vector<double>& buffer, const std::string& origin) {
  std::size_t at = 0;
  auto next = [&buffer, &at] { return buffer.at(at++); };
  std::vector<NamedTensor<double>> entries(static_cast<std::size_t>(next()));
  for (auto& e : entries) {
    const auto name_size = static_cast<std::size_t>(next());
    for (std::size_t i = 0; i < name_size; ++i) e.name += static_cast<char>(next());
    const int rank = static_cast<int>(next());
    Index d[Shape::max_rank] = {1, 1, 1, 1};
    for (int a = 0; a < rank; ++a) d[a] = static_cast<Index>(next());
    e.tensor.resize(rank == 1   ? Shape{d[0]}
                    : rank == 2 ? Shape{d[0], d[1]}
                    : rank == 3 ? Shape{d[0], d[1], d[2]}
                                : Shape{d[0], d[1], d[2], d[3]});
    for (double& v : e.tensor) v = next();
  }
  return StateDict(origin, std::move(entries));
}

}  // namespace detail

// Rank 0 calls `read` (StateDict::load of a file, say); every process returns what it read. Throws the
// same IoError on every process when `read` throws on rank 0 (the message is rank 0's).
inline StateDict read_on_rank0(Communicator& comm, const std::function<StateDict()>& read) {
  if (comm.size() == 1) return read();
  std::vector<double> buffer;
  std::string error, origin;
  if (comm.rank() == 0) {
    try {
      const StateDict state = read();
      origin = state.origin();
      buffer = detail::pack(state);
    } catch (const Error& e) {
      error = e.what();
      buffer.assign(error.begin(), error.end());
    }
  }
  // The length, negative for an error message in place of the state.
  double length = error.empty() ? static_cast<double>(buffer.size()) : -static_cast<double>(buffer.size());
  comm.broadcast(&length, 1, 0);
  buffer.resize(static_cast<std::size_t>(length < 0 ? -length : length));
  comm.broadcast(buffer.data(), buffer.size(), 0);
  if (length < 0) {
    std::string message;
    for (double c : buffer) message += static_cast<char>(c);
    throw IoError(message);
  }
  return detail::unpack(buffer, comm.rank() == 0 ? origin : "the state rank 0 sent");
}

}  // namespace fnn::distributed
