#pragma once
// Per-class precision, recall and F1 with their macro and weighted averages, as sklearn's
// classification_report with labels = 0..C-1:
//   precision_c = TP_c / (TP_c + FP_c)   (samples predicted c that are c)
//   recall_c    = TP_c / (TP_c + FN_c)   (samples of class c found)
//   F1_c        = 2 precision_c recall_c / (precision_c + recall_c) = 2 TP_c / (2 TP_c + FP_c + FN_c)
//   support_c   = TP_c + FN_c            (samples of class c)
// A ratio with a zero denominator is 0, as sklearn's default zero_division gives (without the warning).
// The macro average weighs every class alike; the weighted average weighs each by its support (its
// recall is then the accuracy).
#include <algorithm>
#include <cstdint>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "fnn/metrics/confusion_matrix.hpp"

namespace fnn::metrics {

struct ClassScores {
  double precision = 0.0, recall = 0.0, f1 = 0.0;
  std::int64_t support = 0;
};

struct ClassificationReport {
  std::vector<ClassScores> classes;  // by class index
  ClassScores macro_avg, weighted_avg;
  double accuracy = 0.0;
  std::int64_t total = 0;

  // The table in sklearn's layout: a row per class, then accuracy, macro avg and weighted avg, with
  // `digits` decimals. Rows are named by `class_names` when given, else by class index.
  void print(std::ostream& out, const std::vector<std::string>& class_names = {}, int digits = 2) const {
    if (!class_names.empty() && class_names.size() != classes.size()) {
      throw ValueError("fnn::metrics::ClassificationReport::print: " + std::to_string(class_names.size()) +
                       " class names for " + std::to_string(classes.size()) + " classes");
    }
    std::vector<std::string> names = class_names;
    for (std::size_t c = names.size(); c < classes.size(); ++c) names.push_back(std::to_string(c));
    std::size_t width = std::string("weighted avg").size();
    for (const std::string& n : names) width = std::max(width, n.size());
    const int w = static_cast<int>(width);

    std::ostringstream s;
    s << std::fixed << std::setprecision(digits);
    auto row = [&](const std::string& name, const ClassScores& c) {
      s << std::setw(w) << name << ' ' << ' ' << std::setw(9) << c.precision << ' ' << std::setw(9) << c.recall
        << ' ' << std::setw(9) << c.f1 << ' ' << std::setw(9) << c.support << '\n';
    };
    s << std::setw(w) << "" << ' ' << ' ' << std::setw(9) << "precision" << ' ' << std::setw(9) << "recall" << ' '
      << std::setw(9) << "f1-score" << ' ' << std::setw(9) << "support" << "\n\n";
    for (std::size_t c = 0; c < classes.size(); ++c) row(names[c], classes[c]);
    s << '\n';
    s << std::setw(w) << "accuracy" << ' ' << ' ' << std::setw(9) << "" << ' ' << std::setw(9) << "" << ' '
      << std::setw(9) << accuracy << ' ' << std::setw(9) << total << '\n';
    row("macro avg", macro_avg);
    row("weighted avg", weighted_avg);
    out << s.str();
  }

  std::string str(const std::vector<std::string>& class_names = {}, int digits = 2) const {
    std::ostringstream s;
    print(s, class_names, digits);
    return s.str();
  }
};

inline ClassificationReport classification_report(const ConfusionMatrix& cm) {
  ClassificationReport r;
  r.total = cm.total();
  if (r.total == 0) throw ValueError("fnn::metrics::classification_report: the confusion matrix is empty");
  r.accuracy = cm.accuracy();
  auto ratio = [](double num, double den) { return den > 0.0 ? num / den : 0.0; };
  const int n_classes = cm.num_classes();
  for (int c = 0; c < n_classes; ++c) {
    const auto tp = static_cast<double>(cm.count(c, c));
    ClassScores s;
    s.support = cm.support(c);
    s.precision = ratio(tp, static_cast<double>(cm.predicted_count(c)));
    s.recall = ratio(tp, static_cast<double>(s.support));
    s.f1 = ratio(2.0 * s.precision * s.recall, s.precision + s.recall);
    r.classes.push_back(s);

    r.macro_avg.precision += s.precision;
    r.macro_avg.recall += s.recall;
    r.macro_avg.f1 += s.f1;
    const auto support = static_cast<double>(s.support);
    r.weighted_avg.precision += s.precision * support;
    r.weighted_avg.recall += s.recall * support;
    r.weighted_avg.f1 += s.f1 * support;
  }
  for (ClassScores* avg : {&r.macro_avg, &r.weighted_avg}) {
    const double divisor = avg == &r.macro_avg ? n_classes : static_cast<double>(r.total);
    avg->precision /= divisor;
    avg->recall /= divisor;
    avg->f1 /= divisor;
    avg->support = r.total;
  }
  return r;
}

}  // namespace fnn::metrics
