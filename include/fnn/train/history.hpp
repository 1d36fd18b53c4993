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

// The figures of one pass over a data set; count = 0 means the pass did not happen. A pass over class
// targets has an accuracy; a pass over float targets (regression) has MSE, MAE and R^2 instead.
struct PassResult {
  double loss = NAN;
  double accuracy = NAN;
  long long correct = 0;
  long long count = 0;
  double mse = NAN, mae = NAN, r2 = NAN;

  bool regression() const { return !std::isnan(mse); }
};

struct EpochRecord {
  int epoch = 0;  // 1-based
  double lr = 0;
  PassResult train, validation, test;
  double seconds = 0;             // training pass only, data loading included
  double elapsed_seconds = 0;     // wall clock from the run's first step to the end of this epoch's evaluations
  double samples_per_second = 0;  // training samples per second
  double peak_memory_mb = 0;      // the process's peak resident memory at the end of the epoch
  bool images = true;             // the samples are images [C, H, W]: the rate is in img/s
};

// The unit a training rate is given in.
inline const char* rate_unit(bool images) { return images ? "img/s" : "samples/s"; }

// The process's peak resident set size so far, in MiB (getrusage: kilobytes on Linux).
inline double peak_resident_mb() {
  rusage usage{};
  if (::getrusage(RUSAGE_SELF, &usage) != 0) return NAN;
  return static_cast<double>(usage.ru_maxrss) / 1024.0;
}

// A pass's figures for a log line: "loss 0.4123 acc 85.02%", or "loss 0.1234 MAE 0.2456 R2 0.8765" for
// a regression.
inline std::string pass_figures(const PassResult& p) {
  char text[96];
  if (p.regression()) {
    std::snprintf(text, sizeof text, "loss %.4f MAE %.4g R2 %.4f", p.loss, p.mae, p.r2);
  } else {
    std::snprintf(text, sizeof text, "loss %.4f acc %.2f%%", p.loss, 100 * p.accuracy);
  }
  return text;
}

// "epoch 3/20", or "epoch 3" when the number of epochs is not known in advance (0: a time budget's run).
inline std::string epoch_of(int epoch, int epochs) {
  return "epoch " + std::to_string(epoch) + (epochs > 0 ? "/" + std::to_string(epochs) : "");
}

// One line per epoch for logs: "epoch 3/20  train loss 0.4123 acc 85.02%  test loss ... acc ...  4.1 s  14,634 img/s".
inline std::string epoch_line(const EpochRecord& r, int epochs) {
  std::string line = epoch_of(r.epoch, epochs) + "  train " + pass_figures(r.train);
  if (r.validation.count > 0) line += "  validation " + pass_figures(r.validation);
  if (r.test.count > 0) line += "  test " + pass_figures(r.test);
  char rate[64];
  std::snprintf(rate, sizeof rate, "  %.1f s  %.0f %s", r.seconds, r.samples_per_second, rate_unit(r.images));
  return line + rate;
}

class History {
 public:
  void add(const EpochRecord& r) { rows_.push_back(r); }
  const std::vector<EpochRecord>& rows() const { return rows_; }
  bool empty() const { return rows_.empty(); }
  const EpochRecord& last() const { return rows_.back(); }

  // Median seconds per epoch: robust to one slow epoch on a shared machine.
  double median_seconds() const { return median([](const EpochRecord& r) { return r.seconds; }); }
  double median_samples_per_second() const {
    return median([](const EpochRecord& r) { return r.samples_per_second; });
  }

  std::string csv() const {
    std::string out = "epoch,lr";
    for (const char* pass : {"train", "validation", "test"}) {
      for (const char* figure : {"loss", "accuracy", "mse", "mae", "r2"}) {
        out += std::string(",") + pass + "_" + figure;
      }
    }
    out += ",seconds,elapsed_seconds,samples_per_second,peak_memory_mb\n";
    char numbers[96];
    for (const auto& r : rows_) {
      std::snprintf(numbers, sizeof numbers, "%d,%.6g", r.epoch, r.lr);
      out += numbers;
      for (const PassResult* p : {&r.train, &r.validation, &r.test}) {
        for (double figure : {p->loss, p->accuracy, p->mse, p->mae, p->r2}) out += "," + cell(figure);
      }
      std::snprintf(numbers, sizeof numbers, ",%.3f,%.3f,%.1f,%.1f\n", r.seconds, r.elapsed_seconds,
                    r.samples_per_second, r.peak_memory_mb);
      out += numbers;
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
  // epoch, lr, then per pass (train, validation, test) its pass_fields, then seconds, rate, memory, images,
  // elapsed seconds.
  static constexpr Index pass_fields = 7;
  static constexpr Index fields_per_row = 2 + 3 * pass_fields + 5;
  static constexpr std::size_t tail = 2 + 3 * pass_fields;

  static std::array<double, fields_per_row> to_numbers(const EpochRecord& r) {
    std::array<double, fields_per_row> row{};
    row[0] = r.epoch;
    row[1] = r.lr;
    const PassResult* passes[] = {&r.train, &r.validation, &r.test};
    for (std::size_t p = 0; p < 3; ++p) {
      const PassResult& pass = *passes[p];
      const double fields[pass_fields] = {pass.loss, pass.accuracy, static_cast<double>(pass.correct),
                                          static_cast<double>(pass.count), pass.mse, pass.mae, pass.r2};
      std::copy(fields, fields + pass_fields, row.begin() + 2 + pass_fields * p);
    }
    row[tail] = r.seconds;
    row[tail + 1] = r.samples_per_second;
    row[tail + 2] = r.peak_memory_mb;
    row[tail + 3] = r.images ? 1 : 0;
    row[tail + 4] = r.elapsed_seconds;
    return row;
  }

  static EpochRecord from_numbers(const std::array<double, fields_per_row>& row) {
    EpochRecord r;
    r.epoch = static_cast<int>(row[0]);
    r.lr = row[1];
    PassResult* passes[] = {&r.train, &r.validation, &r.test};
    for (std::size_t p = 0; p < 3; ++p) {
      const double* fields = row.data() + 2 + pass_fields * p;
      PassResult& pass = *passes[p];
      pass.loss = fields[0];
      pass.accuracy = fields[1];
      pass.correct = static_cast<long long>(fields[2]);
      pass.count = static_cast<long long>(fields[3]);
      pass.mse = fields[4];
      pass.mae = fields[5];
      pass.r2 = fields[6];
    }
    r.seconds = row[tail];
    r.samples_per_second = row[tail + 1];
    r.peak_memory_mb = row[tail + 2];
    r.images = row[tail + 3] != 0;
    r.elapsed_seconds = row[tail + 4];
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
