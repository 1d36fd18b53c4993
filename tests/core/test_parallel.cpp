#include <catch2/catch.hpp>
#include <fnn/fnn.hpp>
#include <algorithm>
#include <mutex>
#include <utility>
#include <vector>

using namespace fnn;

TEST_CASE("split_range cuts 0..n into contiguous, aligned, balanced pieces") {
  for (Index n : {0, 1, 15, 16, 17, 100, 1000}) {
    for (int parts : {1, 2, 3, 8}) {
      for (Index align : {1, 16}) {
        Index expected_first = 0, smallest = n, largest = 0;
        for (int part = 0; part < parts; ++part) {
          Index first, last;
          split_range(n, parts, part, align, first, last);
          INFO("n " << n << ", parts " << parts << ", align " << align << ", part " << part);
          CHECK(first == expected_first);
          CHECK(last >= first);
          if (first < n) CHECK(first % align == 0);
          expected_first = last;
          smallest = std::min(smallest, last - first);
          largest = std::max(largest, last - first);
        }
        CHECK(expected_first == n);
        // Whole blocks of `align` differ by at most one block between pieces (the last may be partial).
        if (n >= parts * align) CHECK(largest - smallest <= 2 * align);
      }
    }
  }
}

TEST_CASE("parallel_ranges covers the range once, on one thread when the work is small") {
  set_num_threads(2);
  for (double work : {1.0, 1e9}) {
    std::mutex m;
    std::vector<std::pair<Index, Index>> pieces;
    parallel_ranges(1000, work, 16, [&](Index first, Index last) {
      const std::lock_guard<std::mutex> lock(m);
      pieces.emplace_back(first, last);
    });
    std::sort(pieces.begin(), pieces.end());
    CHECK(pieces.size() == (work < parallel_work_threshold ? 1u : static_cast<std::size_t>(num_threads())));
    Index next = 0;
    for (auto [first, last] : pieces) {
      CHECK(first == next);
      next = last;
    }
    CHECK(next == 1000);
  }
  CHECK(Eigen::nbThreads() == 1);  // fnn owns the threads: Eigen's products stay single-threaded
}
