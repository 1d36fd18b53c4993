#pragma once
// ConfusionMatrix: how often each true class was predicted as each class.
//   count(predicted, truth)    the table printed has a row per true class and a column per predicted
//                              class, as sklearn's confusion_matrix; the diagonal holds the hits
// Counts accumulate over add() calls, so a matrix can be built batch by batch over a whole test set.
#include <algorithm>
#include <cstdint>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "fnn/metrics/accuracy.hpp"

namespace fnn::metrics {

class ConfusionMatrix {
 public:
  explicit ConfusionMatrix(int num_classes) : classes_(num_classes) {
    if (num_classes < 1) {
      throw ValueError("fnn::metrics::ConfusionMatrix: num_classes must be >= 1, got " + std::to_string(num_classes));
    }
    counts_.assign(static_cast<std::size_t>(num_classes) * static_cast<std::size_t>(num_classes), 0);
  }

  int num_classes() const { return classes_; }

  void add(int predicted, int truth) {
    check_class("predicted class", predicted);
    check_class("true class", truth);
    ++counts_[cell(predicted, truth)];
  }

  void add(const Targets& predicted, const Targets& truth) {
    if (predicted.size() != truth.size()) {
      throw ShapeError("fnn::metrics::ConfusionMatrix::add: " + std::to_string(predicted.size()) +
                       " predictions for " + std::to_string(truth.size()) + " true labels");
    }
    for (std::size_t i = 0; i < truth.size(); ++i) {  // all checked before any is counted
      check_class("predicted class", predicted[i]);
      check_class("true class", truth[i]);
    }
    for (std::size_t i = 0; i < truth.size(); ++i) ++counts_[cell(predicted[i], truth[i])];
  }

  // From a batch of scores [N, num_classes] (logits or log-probabilities) and its targets.
  template <class Scalar>
  void add(const Tensor<Scalar>& scores, const Targets& truth) {
    check_rank("fnn::metrics::ConfusionMatrix::add", scores.shape(), 2, "[N, C]");
    if (scores.size(1) != classes_) {
      throw ShapeError("fnn::metrics::ConfusionMatrix::add: scores " + scores.shape().str() + " for " +
                       std::to_string(classes_) + " classes");
    }
    check_targets("fnn::metrics::ConfusionMatrix::add", scores, truth);
    predicted_classes(scores, predicted_);
    add(predicted_, truth);
  }

  // How many samples of class `truth` were predicted as `predicted`.
  std::int64_t count(int predicted, int truth) const {
    check_class("predicted class", predicted);
    check_class("true class", truth);
    return counts_[cell(predicted, truth)];
  }

  // Samples whose true class is c (a row sum).
  std::int64_t support(int c) const {
    check_class("class", c);
    std::int64_t s = 0;
    for (int p = 0; p < classes_; ++p) s += counts_[cell(p, c)];
    return s;
  }

  // Samples predicted as c (a column sum).
  std::int64_t predicted_count(int c) const {
    check_class("class", c);
    std::int64_t s = 0;
    for (int t = 0; t < classes_; ++t) s += counts_[cell(c, t)];
    return s;
  }

  std::int64_t total() const {
    std::int64_t s = 0;
    for (std::int64_t v : counts_) s += v;
    return s;
  }
  std::int64_t correct() const {
    std::int64_t s = 0;
    for (int c = 0; c < classes_; ++c) s += counts_[cell(c, c)];
    return s;
  }
  // correct() / total(); throws when the matrix is empty.
  double accuracy() const {
    const std::int64_t n = total();
    if (n == 0) throw ValueError("fnn::metrics::ConfusionMatrix::accuracy: no samples added");
    return static_cast<double>(correct()) / static_cast<double>(n);
  }

  void reset() { std::fill(counts_.begin(), counts_.end(), 0); }

  // The table, a row per true class and a column per predicted class. Rows are labelled with the class
  // index and, when given, its name; columns with the index only, to keep them narrow.
  void print(std::ostream& out, const std::vector<std::string>& class_names = {}) const {
    check_names(class_names);
    std::vector<std::string> row_labels;
    std::size_t label_width = 0;
    for (int t = 0; t < classes_; ++t) {
      std::string label = std::to_string(t);
      if (!class_names.empty()) label += " " + class_names[static_cast<std::size_t>(t)];
      label_width = std::max(label_width, label.size());
      row_labels.push_back(std::move(label));
    }
    std::int64_t largest = 0;
    for (std::int64_t v : counts_) largest = std::max(largest, v);
    const int width = static_cast<int>(std::max(std::to_string(largest).size(), std::to_string(classes_ - 1).size())) + 2;

    std::ostringstream s;
    s << "Confusion matrix (rows: true class, columns: predicted class)\n";
    s << std::string(label_width, ' ');
    for (int p = 0; p < classes_; ++p) s << std::setw(width) << p;
    s << '\n';
    for (int t = 0; t < classes_; ++t) {
      s << std::left << std::setw(static_cast<int>(label_width)) << row_labels[static_cast<std::size_t>(t)]
        << std::right;
      for (int p = 0; p < classes_; ++p) s << std::setw(width) << counts_[cell(p, t)];
      s << '\n';
    }
    out << s.str();
  }

  std::string str(const std::vector<std::string>& class_names = {}) const {
    std::ostringstream s;
    print(s, class_names);
    return s.str();
  }

  // Throws unless `class_names` is empty or names every class.
  void check_names(const std::vector<std::string>& class_names) const {
    if (!class_names.empty() && class_names.size() != static_cast<std::size_t>(classes_)) {
      throw ValueError("fnn::metrics: " + std::to_string(class_names.size()) + " class names for " +
                       std::to_string(classes_) + " classes");
    }
  }

 private:
  // Row-major by true class: counts_[truth * C + predicted].
  std::size_t cell(int predicted, int truth) const {
    return static_cast<std::size_t>(truth) * static_cast<std::size_t>(classes_) + static_cast<std::size_t>(predicted);
  }
  void check_class(const char* what, int c) const {
    if (c < 0 || c >= classes_) {
      throw ValueError(std::string("fnn::metrics::ConfusionMatrix: ") + what + " " + std::to_string(c) +
                       " is outside [0, " + std::to_string(classes_) + ")");
    }
  }

  int classes_;
  std::vector<std::int64_t> counts_;
  Targets predicted_;  // reused by add(scores, truth)
};

}  // namespace fnn::metrics
