#pragma once
// History: one row of figures per epoch, written as CSV for plots and reports.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "fnn/io/atomic_file.hpp"

namespace fnn::train {

// Loss and accuracy of one pass over a data set; count = 0 means the pass did not happen.
struct PassResult {
  double loss = NAN;
  double accuracy = NAN;
  long long correct = 0;
  long long count = 0;
};

struct EpochRecord {
  int epoch = 0;  // 1-based
  double lr = 0;
  PassResult train, validation, test;
  double seconds = 0;            // training pass only, data loading included
  double images_per_second = 0;  // training images per second
};

// One line per epoch for logs: "epoch 3/20  train loss 0.4123 acc 85.02%  test loss ... acc ...  4.1 s  14,634 img/s".
inline std::string epoch_line(const EpochRecord& r, int epochs) {
  char line[400];
  int n = std::snprintf(line, sizeof line, "epoch %d/%d  train loss %.4f acc %.2f%%", r.epoch, epochs, r.train.loss,
                        100 * r.train.accuracy);
  auto pass = [&](const char* name, const PassResult& p) {
    if (p.count > 0 && n > 0 && n < static_cast<int>(sizeof line)) {
      n += std::snprintf(line + n, sizeof line - static_cast<std::size_t>(n), "  %s loss %.4f acc %.2f%%", name,
                         p.loss, 100 * p.accuracy);
    }
  };
  pass("validation", r.validation);
  pass("test", r.test);
  if (n > 0 && n < static_cast<int>(sizeof line)) {
    std::snprintf(line + n, sizeof line - static_cast<std::size_t>(n), "  %.1f s  %.0f img/s", r.seconds,
                  r.images_per_second);
  }
  return line;
}

class History {
 public:
  void add(const EpochRecord& r) { rows_.push_back(r); }
  const std::vector<EpochRecord>& rows() const { return rows_; }
  bool empty() const { return rows_.empty(); }
  const EpochRecord& last() const { return rows_.back(); }

  // Median seconds per epoch: robust to one slow epoch on a shared machine.
  double median_seconds() const { return median([](const EpochRecord& r) { return r.seconds; }); }
  double median_images_per_second() const { return median([](const EpochRecord& r) { return r.images_per_second; }); }

  std::string csv() const {
    std::string out =
        "epoch,lr,train_loss,train_accuracy,validation_loss,validation_accuracy,test_loss,test_accuracy,seconds,"
        "images_per_second\n";
    char line[320];
    for (const auto& r : rows_) {
      std::snprintf(line, sizeof line, "%d,%.6g,%s,%s,%s,%s,%s,%s,%.3f,%.1f\n", r.epoch, r.lr, cell(r.train.loss).c_str(),
                    cell(r.train.accuracy).c_str(), cell(r.validation.loss).c_str(),
                    cell(r.validation.accuracy).c_str(), cell(r.test.loss).c_str(), cell(r.test.accuracy).c_str(),
                    r.seconds, r.images_per_second);
      out += line;
    }
    return out;
  }

  void write_csv(const std::string& path) const {
    const std::string text = csv();
    write_file_atomically(path, text.data(), text.size());
  }

 private:
  static std::string cell(double v) {
    if (std::isnan(v)) return "";
    char s[32];
    std::snprintf(s, sizeof s, "%.6f", v);
    return s;
  }

  template <class Field>
  double median(Field field) const {
    if (rows_.empty()) return NAN;
    std::vector<double> v;
    for (const auto& r : rows_) v.push_back(field(r));
    std::sort(v.begin(), v.end());
    const std::size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  std::vector<EpochRecord> rows_;
};

}  // namespace fnn::train
