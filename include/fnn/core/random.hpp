#pragma once
// Rng: the one source of randomness in fnn. Initialisation, dropout masks, shuffling and augmentation
// all draw from an Rng the user seeds, so the same seed gives the same numbers on every compiler and
// standard library (std::*_distribution is implementation-defined, so fnn implements its own).
//
// The engine is xoshiro256** (Blackman and Vigna), seeded through splitmix64.
#include <array>
#include <cmath>
#include <cstdint>

namespace fnn {

class Rng {
 public:
  using State = std::array<std::uint64_t, 4>;

  explicit Rng(std::uint64_t seed = 0) { reseed(seed); }

  void reseed(std::uint64_t seed) {
    for (auto& word : state_) word = splitmix64(seed);
  }

  // 64 uniformly distributed bits.
  std::uint64_t next() {
    const std::uint64_t result = rotl(state_[1] * 5, 7) * 9;
    const std::uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, 1), with 53 random bits.
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double low, double high) { return low + (high - low) * uniform(); }

  // Uniform integer in [0, n), without modulo bias (Lemire's multiply-and-reject).
  std::uint64_t below(std::uint64_t n) {
    __extension__ using u128 = unsigned __int128;  // __extension__: -Wpedantic accepts the GCC type
    u128 m = static_cast<u128>(next()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
      const std::uint64_t threshold = (0 - n) % n;
      while (low < threshold) {
        m = static_cast<u128>(next()) * n;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

  // Standard normal, by the Box-Muller transform (one draw per call, nothing cached).
  double normal() {
    const double u1 = 1.0 - uniform();  // in (0, 1]: log stays finite
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
  }
  double normal(double mean, double stddev) { return mean + stddev * normal(); }

  bool bernoulli(double p) { return uniform() < p; }

  // A generator for a sub-task (one dropout layer, one data loader), seeded from this one so that one
  // user seed fixes every stream.
  Rng fork() { return Rng(next()); }

  // Advances the generator by 2^128 draws (the xoshiro authors' jump): generators jumped 0, 1, 2, ...
  // times from one state draw streams that never overlap, one per process of a data-parallel run.
  void jump() {
    static constexpr State polynomial = {0x180ec6d33cfd0abaULL, 0xd5a61266f0c9392cULL, 0xa9582618e03fc9aaULL,
                                         0x39abdc4529b1661cULL};
    State jumped{};
    for (const std::uint64_t word : polynomial) {
      for (int bit = 0; bit < 64; ++bit) {
        if ((word >> bit) & 1) {
          for (int i = 0; i < 4; ++i) jumped[i] ^= state_[i];
        }
        next();
      }
    }
    state_ = jumped;
  }

  const State& state() const { return state_; }
  void set_state(const State& state) { state_ = state; }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static std::uint64_t splitmix64(std::uint64_t& x) {
    std::uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  State state_{};
};

}  // namespace fnn
