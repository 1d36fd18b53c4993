#pragma once
// History: one row of figures per epoch, written as CSV for plots and reports.
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "fnn/io/atomic_file.hpp"
#include "fnn/io/state_dict.hpp"

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
  double peak_memory_mb = 0;     // the process's peak resident memory at the end of the epoch
};

// The process's peak resident set size so far, in MiB (getrusage: kilobytes on Linux).
inline double peak_resident_mb() {
  rusage usage{};
  if (::getrusage(RUSAGE_SELF, &usage) != 0) return NAN;
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

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
        "images_per_second,peak_memory_mb\n";
    char line[320];
    for (const auto& r : rows_) {
      std::snprintf(line, sizeof line, "%d,%.6g,%s,%s,%s,%s,%s,%s,%.3f,%.1f,%.1f\n", r.epoch, r.lr,
                    cell(r.train.loss).c_str(), cell(r.train.accuracy).c_str(), cell(r.validation.loss).c_str(),
                    cell(r.validation.accuracy).c_str(), cell(r.test.loss).c_str(), cell(r.test.accuracy).c_str(),
                    r.seconds, r.images_per_second, r.peak_memory_mb);
      out += line;
    }
    return out;
  }

  void write_csv(const std::string& path) const {
    const std::string text = csv();
    write_file_atomically(path, text.data(), text.size());
  }

  // The history's part of a checkpoint: one row of numbers per epoch.
  void save_state(StateDict& state, const std::string& name) const {
    Tensor<double> table(Shape{static_cast<Index>(rows_.size()), fields_per_row});
    for (std::size_t i = 0; i < rows_.size(); ++i) {
      const auto row = to_numbers(rows_[i]);
      std::copy(row.begin(), row.end(), table.data() + i * fields_per_row);
    }
    if (!rows_.empty()) state.put_tensor(name, table);
  }
  void load_state(const StateDict& state, const std::string& name) {
    rows_.clear();
    if (!state.contains(name)) return;
    const Tensor<double>& table = state.entry(name);
    if (table.rank() != 2 || table.size(1) != fields_per_row) state.fail("'" + name + "' is not a history");
    for (Index i = 0; i < table.size(0); ++i) {
      std::array<double, fields_per_row> row;
      std::copy(table.data() + i * fields_per_row, table.data() + (i + 1) * fields_per_row, row.begin());
      rows_.push_back(from_numbers(row));
    }
  }

 private:
  static constexpr Index fields_per_row = 17;

  static std::array<double, fields_per_row> to_numbers(const EpochRecord& r) {
    std::array<double, fields_per_row> row{static_cast<double>(r.epoch), r.lr, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                           r.seconds, r.images_per_second, r.peak_memory_mb};
    const PassResult* passes[] = {&r.train, &r.validation, &r.test};
    for (std::size_t p = 0; p < 3; ++p) {
      row[2 + 4 * p] = passes[p]->loss;
      row[3 + 4 * p] = passes[p]->accuracy;
      row[4 + 4 * p] = static_cast<double>(passes[p]->correct);
      row[5 + 4 * p] = static_cast<double>(passes[p]->count);
    }
    return row;
  }

  static EpochRecord from_numbers(const std::array<double, fields_per_row>& row) {
    EpochRecord r;
    r.epoch = static_cast<int>(row[0]);
    r.lr = row[1];
    PassResult* passes[] = {&r.train, &r.validation, &r.test};
    for (std::size_t p = 0; p < 3; ++p) {
      passes[p]->loss = row[2 + 4 * p];
      passes[p]->accuracy = row[3 + 4 * p];
      passes[p]->correct = static_cast<long long>(row[4 + 4 * p]);
      passes[p]->count = static_cast<long long>(row[5 + 4 * p]);
    }
    r.seconds = row[14];
    r.images_per_second = row[15];
    r.peak_memory_mb = row[16];
    return r;
  }

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
