#pragma once
// The 3-class confusion matrix the metrics tests work out by hand. Rows true class, columns predicted:
//          p0 p1 p2   support
//   t0      5  1  0      6
//   t1      2  3  1      6
//   t2      1  0  7      8
//   predicted: 8  4  8          total 20, correct 15
#include <fnn/fnn.hpp>

namespace fnn::test {

inline metrics::ConfusionMatrix hand_worked_confusion() {
  const int table[3][3] = {{5, 1, 0}, {2, 3, 1}, {1, 0, 7}};
  metrics::ConfusionMatrix cm(3);
  for (int t = 0; t < 3; ++t) {
    for (int p = 0; p < 3; ++p) {
      for (int k = 0; k < table[t][p]; ++k) cm.add(p, t);
    }
  }
  return cm;
}

}  // namespace fnn::test
