#pragma once
// The pictures and the report of one training run, written next to its model and history:
//   STEM.loss.svg, STEM.accuracy.svg   curves per epoch for training, validation and test
//   STEM.confusion.svg                 the test set's confusion matrix as a heat map
//   STEM.NAME.svg                      each further figure of the run (test predictions, data samples)
//   STEM.report.html                   all of it in one self-contained page, with the settings, the model,
//                                      the per-class table, the timing and the seed's figures
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "fnn/data/dataset.hpp"
#include "fnn/metrics/classification_report.hpp"
#include "fnn/metrics/confusion_matrix.hpp"
#include "fnn/extras/plot/heat_map.hpp"
#include "fnn/extras/plot/image_grid.hpp"
#include "fnn/extras/plot/line_chart.hpp"
#include "fnn/extras/report/html_report.hpp"
#include "fnn/train/history.hpp"

namespace fnn::report {

// What a history chart's x axis counts: epochs, or minutes of wall-clock time from the first step (the
// end of each epoch's evaluations), which shows what a run's time bought.
enum class ChartAxis { epochs, minutes };

// Loss (score = false) or the score per epoch or over time, one curve per pass the history holds:
// accuracy in percent, or R^2 for a regression.
inline std::string history_chart(const train::History& history, bool score, ChartAxis axis = ChartAxis::epochs) {
  const bool regression = !history.empty() && history.last().train.regression();
  const bool epochs = axis == ChartAxis::epochs;
  plot::LineChart chart;
  chart.title = std::string(!score ? "Loss" : regression ? "R^2" : "Accuracy") + (epochs ? " per epoch" : " over time");
  chart.x_label = epochs ? "epoch" : "minutes";
  chart.y_label = !score ? "loss" : regression ? "R^2" : "accuracy (%)";
  chart.integer_x = epochs;
  const std::pair<const char*, train::PassResult train::EpochRecord::*> passes[] = {
      {"training", &train::EpochRecord::train},
      {"validation", &train::EpochRecord::validation},
      {"test", &train::EpochRecord::test}};
  for (const auto& [name, pass] : passes) {
    plot::Series series{name, {}, {}};
    for (const train::EpochRecord& r : history.rows()) {
      const train::PassResult& p = r.*pass;
      if (p.count == 0) continue;
      series.x.push_back(epochs ? r.epoch : r.elapsed_seconds / 60);
      series.y.push_back(!score ? p.loss : regression ? p.r2 : 100 * p.accuracy);
    }
    if (!series.x.empty()) chart.series.push_back(std::move(series));
  }
  return plot::line_chart(chart);
}

inline std::string confusion_heat_map(const metrics::ConfusionMatrix& confusion,
                                      const std::vector<std::string>& class_names) {
  plot::HeatMap map;
  map.title = "Confusion matrix (test set)";
  map.row_title = "true class";
  map.column_title = "predicted class";
  map.row_labels = map.column_labels = class_names;
  for (int truth = 0; truth < confusion.num_classes(); ++truth) {
    for (int predicted = 0; predicted < confusion.num_classes(); ++predicted) {
      map.values.push_back(static_cast<double>(confusion.count(predicted, truth)));
    }
  }
  return plot::heat_map(map);
}

// The first predicted.size() images of `dataset`, captioned "predicted / true" (or just the class when
// right); the wrong ones marked.
inline std::string prediction_grid(const data::Dataset& dataset, const Targets& predicted,
                                   const std::vector<std::string>& class_names) {
  plot::ImageGrid grid;
  grid.title = "Test images: predicted class (true class where wrong)";
  grid.image_width = static_cast<int>(dataset.cols());
  grid.image_height = static_cast<int>(dataset.rows());
  if (predicted.size() > static_cast<std::size_t>(dataset.size())) {
    throw ShapeError("fnn::report::prediction_grid: " + std::to_string(predicted.size()) + " predictions for " +
                     std::to_string(dataset.size()) + " images");
  }
  auto name = [&](std::size_t i, int label) -> const std::string& {
    if (label < 0 || static_cast<std::size_t>(label) >= class_names.size()) {
      throw ValueError("fnn::report::prediction_grid: prediction " + std::to_string(i) + " is class " +
                       std::to_string(label) + ", outside the " + std::to_string(class_names.size()) + " class names");
    }
    return class_names[static_cast<std::size_t>(label)];
  };
  for (std::size_t i = 0; i < predicted.size(); ++i) {
    const int truth = dataset.label(static_cast<Index>(i));
    const bool wrong = predicted[i] != truth;
    const std::string& guess = name(i, predicted[i]);
    grid.images.push_back({dataset.image(static_cast<Index>(i)), wrong ? guess + "\n(" + name(i, truth) + ")" : guess,
                           wrong});
  }
  return plot::image_grid(grid);
}

// The first `per_class` images of every class, a row per class named under its first image, like the
// seeds' sample plots.
inline std::string class_samples(const data::Dataset& dataset, int per_class,
                                 const std::vector<std::string>& class_names) {
  plot::ImageGrid grid;
  grid.title = "Samples of the training set, a row per class";
  grid.image_width = static_cast<int>(dataset.cols());
  grid.image_height = static_cast<int>(dataset.rows());
  grid.columns = per_class;
  grid.caption_lines = 1;
  for (std::size_t c = 0; c < class_names.size(); ++c) {
    int found = 0;
    for (Index i = 0; i < dataset.size() && found < per_class; ++i) {
      if (dataset.label(i) != static_cast<int>(c)) continue;
      grid.images.push_back({dataset.image(i), found == 0 ? class_names[c] : "", false});
      ++found;
    }
  }
  return plot::image_grid(grid);
}

struct Figure {
  std::string name;     // file STEM.NAME.svg
  std::string caption;
  std::string svg;
};

struct TrainingRun {
  std::string experiment;                                     // the report's title
  std::string reproduces;                                     // the seed experiment, in a sentence
  std::vector<std::pair<std::string, std::string>> settings;  // flag or setting, value
  std::string model_summary;                                  // Sequential::summary's table
  train::History history;
  metrics::ConfusionMatrix confusion{1};                      // on the test set
  std::vector<std::string> class_names;
  double seed_accuracy = 0;                                   // the seed document's test accuracy; 0: no seed
  std::vector<Figure> figures;                                // beyond the curves and the confusion matrix
};

inline std::string percent(double fraction, int decimals = 2) {
  char text[32];
  std::snprintf(text, sizeof text, "%.*f%%", decimals, 100 * fraction);
  return text;
}

// "+0.52 points".
inline std::string points(double fraction_difference) {
  char text[32];
  std::snprintf(text, sizeof text, "%+.2f points", 100 * fraction_difference);
  return text;
}

// The per-class table: precision, recall, F1 and support per class, then the macro and weighted averages.
inline std::vector<std::vector<std::string>> per_class_rows(const metrics::ConfusionMatrix& confusion,
                                                           const std::vector<std::string>& class_names) {
  const metrics::ClassificationReport report = metrics::classification_report(confusion);
  std::vector<std::vector<std::string>> rows;
  auto row = [&](const std::string& name, const metrics::ClassScores& s, std::int64_t support) {
    rows.push_back({name, percent(s.precision, 1), percent(s.recall, 1), percent(s.f1, 1), std::to_string(support)});
  };
  for (std::size_t c = 0; c < report.classes.size(); ++c) {
    row(class_names.at(c), report.classes[c], report.classes[c].support);
  }
  row("macro average", report.macro_avg, report.total);
  row("weighted average", report.weighted_avg, report.total);
  return rows;
}

// A row per epoch: learning rate, training and test accuracy, seconds, images per second, peak memory.
inline std::vector<std::vector<std::string>> timing_rows(const train::History& history) {
  std::vector<std::vector<std::string>> rows;
  for (const train::EpochRecord& r : history.rows()) {
    char lr[32], seconds[32], rate[32], memory[32];
    std::snprintf(lr, sizeof lr, "%.3g", r.lr);
    std::snprintf(seconds, sizeof seconds, "%.1f", r.seconds);
    std::snprintf(rate, sizeof rate, "%.0f", r.samples_per_second);
    std::snprintf(memory, sizeof memory, "%.0f", r.peak_memory_mb);
    const std::string test = r.test.count ? percent(r.test.accuracy) : "";
    rows.push_back({std::to_string(r.epoch), lr, percent(r.train.accuracy), test, seconds, rate, memory});
  }
  return rows;
}

// Writes the figures and STEM.report.html; returns the report's path.
inline std::string write_training_report(const std::string& stem, const TrainingRun& run) {
  const std::size_t curves = 3;  // the first figures; the confusion matrix follows them
  std::vector<Figure> figures = {
      {"loss", "Loss per epoch", history_chart(run.history, false)},
      {"accuracy", "Accuracy per epoch", history_chart(run.history, true)},
      {"accuracy_over_time", "Accuracy over wall-clock time, evaluations included",
       history_chart(run.history, true, ChartAxis::minutes)},
      {"confusion", "Confusion matrix on the test set", confusion_heat_map(run.confusion, run.class_names)}};
  figures.insert(figures.end(), run.figures.begin(), run.figures.end());
  for (const Figure& f : figures) write_file_atomically(stem + "." + f.name + ".svg", f.svg.data(), f.svg.size());

  HtmlReport html(run.experiment);
  html.paragraph(run.reproduces);
  html.heading("Result");
  const double accuracy = run.confusion.accuracy();
  if (run.seed_accuracy > 0) {
    html.table({"", "test accuracy"}, {{"the seed's report", percent(run.seed_accuracy)},
                                       {"this run", percent(accuracy)},
                                       {"difference", points(accuracy - run.seed_accuracy)}});
  } else {  // a run that reproduces no seed has nothing to compare with
    html.table({"", "test accuracy"}, {{"this run", percent(accuracy)}});
  }
  html.heading("Curves");
  for (std::size_t i = 0; i < curves; ++i) html.figure(svg_data_uri(figures[i].svg), figures[i].caption);
  html.heading("Test set");
  html.figure(svg_data_uri(figures[curves].svg), figures[curves].caption);
  html.table({"class", "precision", "recall", "F1", "support"}, per_class_rows(run.confusion, run.class_names));
  for (std::size_t i = curves + 1; i < figures.size(); ++i) html.figure(svg_data_uri(figures[i].svg), figures[i].caption);

  html.heading("Timing and memory per epoch");
  html.table({"epoch", "learning rate", "training accuracy", "test accuracy", "seconds", "images/s", "peak MiB"},
             timing_rows(run.history));
  html.heading("Settings");
  std::vector<std::vector<std::string>> settings;
  for (const auto& [name, value] : run.settings) settings.push_back({name, value});
  html.table({"setting", "value"}, settings);
  html.heading("Model");
  html.preformatted(run.model_summary);
  const std::string path = stem + ".report.html";
  html.write(path);
  return path;
}

}  // namespace fnn::report
