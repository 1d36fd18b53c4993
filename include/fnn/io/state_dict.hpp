#pragma once
// StateDict: named tensors that capture a training run's state for a checkpoint: parameters, optimizer
// moments, counters and generator states. Every entry is stored in double precision, which holds every
// float and every integer below 2^53 exactly; a generator's 64-bit words are stored as 32-bit halves.
// Saved as an fnn tensor file, so a checkpoint is written atomically and checked by its CRC-32.
#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "fnn/core/random.hpp"
#include "fnn/io/tensor_file.hpp"

namespace fnn {

class StateDict {
 public:
  StateDict() = default;
  // The entries as they are, `origin` naming their source in every later error (a state received from
  // another process).
  StateDict(std::string origin, std::vector<NamedTensor<double>> entries)
      : origin_(std::move(origin)), entries_(std::move(entries)) {}

  // Reads a state saved by save(); `path` names the source in every later error.
  static StateDict load(const std::string& path) {
    StateDict d;
    d.origin_ = path;
    d.entries_ = read_tensor_file<double>(path);
    return d;
  }

  void save(const std::string& path) const {
    std::vector<std::pair<std::string, const Tensor<double>*>> tensors;
    for (const auto& e : entries_) tensors.emplace_back(e.name, &e.tensor);
    write_tensor_file(path, tensors);
  }

  bool contains(const std::string& name) const { return find(name) != entries_.end(); }
  const std::vector<NamedTensor<double>>& entries() const { return entries_; }
  const std::string& origin() const { return origin_; }

  template <class Scalar>
  void put_tensor(const std::string& name, const Tensor<Scalar>& t) {
    Tensor<double> copy(t.shape());
    std::copy(t.begin(), t.end(), copy.begin());
    put(name, std::move(copy));
  }

  // Copies the entry into `into`, which must already have the entry's shape.
  template <class Scalar>
  void get_tensor(const std::string& name, Tensor<Scalar>& into) const {
    const Tensor<double>& t = entry(name);
    if (t.shape() != into.shape()) {
      fail("'" + name + "' has shape " + t.shape().str() + " in the checkpoint but " + into.shape().str() + " here");
    }
    std::transform(t.begin(), t.end(), into.begin(), [](double v) { return static_cast<Scalar>(v); });
  }

  void put_number(const std::string& name, double value) { put(name, Tensor<double>(Shape{1}, {value})); }

  double get_number(const std::string& name) const {
    const Tensor<double>& t = entry(name);
    if (t.numel() != 1) fail("'" + name + "' should hold one number, it holds " + std::to_string(t.numel()));
    return t[0];
  }

  // A counter or size that must come back as the same integer.
  long long get_integer(const std::string& name) const {
    const double v = get_number(name);
    if (!(v >= -9007199254740992.0 && v <= 9007199254740992.0) || v != static_cast<double>(static_cast<long long>(v))) {
      fail("'" + name + "' should be an integer, it is " + std::to_string(v));
    }
    return static_cast<long long>(v);
  }

  // Fails unless the stored integer equals `expected`: a checkpoint taken with other settings.
  void expect_integer(const std::string& name, long long expected, const std::string& what) const {
    const long long found = get_integer(name);
    if (found != expected) {
      fail(what + " was " + std::to_string(found) + " when the checkpoint was taken, it is " +
           std::to_string(expected) + " now");
    }
  }

  void put_rng(const std::string& name, const Rng& rng) {
    Tensor<double> halves(Shape{8});
    for (std::size_t w = 0; w < 4; ++w) {
      halves[static_cast<Index>(2 * w)] = static_cast<double>(rng.state()[w] >> 32);
      halves[static_cast<Index>(2 * w + 1)] = static_cast<double>(rng.state()[w] & 0xFFFFFFFFu);
    }
    put(name, std::move(halves));
  }

  void get_rng(const std::string& name, Rng& rng) const {
    const Tensor<double>& halves = entry(name);
    if (halves.numel() != 8) fail("'" + name + "' is not a generator state");
    Rng::State state{};
    for (std::size_t w = 0; w < 4; ++w) {
      const double high = halves[static_cast<Index>(2 * w)], low = halves[static_cast<Index>(2 * w + 1)];
      for (double half : {high, low}) {
        if (!(half >= 0 && half <= 4294967295.0) || half != static_cast<double>(static_cast<std::uint64_t>(half))) {
          fail("'" + name + "' is not a generator state");
        }
      }
      state[w] = static_cast<std::uint64_t>(high) << 32 | static_cast<std::uint64_t>(low);
    }
    rng.set_state(state);
  }

  // A missing entry's message lists the entries of its part ("model.", the text up to the first dot).
  const Tensor<double>& entry(const std::string& name) const {
    const auto it = find(name);
    if (it == entries_.end()) {
      const std::string part = name.substr(0, name.find('.') + 1);
      fail("'" + name + "' is missing; " + (part.empty() ? "its entries" : "its '" + part + "' entries") + ": " +
           describe_tensors(entries_, part));
    }
    return it->tensor;
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw IoError((origin_.empty() ? std::string("state") : origin_) + ": " + what);
  }

 private:
  void put(const std::string& name, Tensor<double> t) {
    if (contains(name)) throw UsageError("fnn::StateDict: '" + name + "' is stored twice");
    entries_.push_back({name, std::move(t)});
  }

  std::vector<NamedTensor<double>>::const_iterator find(const std::string& name) const {
    return std::find_if(entries_.begin(), entries_.end(), [&name](const auto& e) { return e.name == name; });
  }

  std::string origin_;
  std::vector<NamedTensor<double>> entries_;
};

}  // namespace fnn
