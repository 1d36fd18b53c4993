#include <catch2/catch.hpp>
#include <fnn/extras.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "support/hand_worked_confusion.hpp"
#include "extras/extras_support.hpp"
#include "support/temp_folder.hpp"

using namespace fnn;

namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

train::EpochRecord epoch(int number, double train_accuracy, double test_accuracy) {
  train::EpochRecord r;
  r.epoch = number;
  r.lr = 0.001;
  r.train = {1.0 / number, train_accuracy, 0, 100};
  r.test = {1.2 / number, test_accuracy, 0, 20};
  r.seconds = 2.5;
  r.elapsed_seconds = 180.0 * number;
  r.samples_per_second = 40;
  r.peak_memory_mb = 50;
  return r;
}

}  // namespace

TEST_CASE("HtmlReport escapes what it is given and counts its images in the browser") {
  report::HtmlReport html("<b>run</b>");
  html.paragraph("a & b");
  html.table({"class", "value"}, {{"<Coat>", "1"}});
  html.figure(svg_data_uri("<svg xmlns=\"http://www.w3.org/2000/svg\"/>"), "a \"figure\"");
  const std::string page = html.str();
  CHECK(page.find("<b>run</b>") == std::string::npos);
  CHECK(page.find("<title>&lt;b&gt;run&lt;/b&gt;</title>") != std::string::npos);
  CHECK(page.find("<td>&lt;Coat&gt;</td>") != std::string::npos);
  CHECK(page.find("<p>a &amp; b</p>") != std::string::npos);
  CHECK(test::count_occurrences(page, "<img src=\"data:image/svg+xml;base64,") == 1);
  CHECK(page.find("data-images-loaded") != std::string::npos);
  CHECK(test::count_occurrences(page, "://") == 0);  // no network resource (the SVG's namespace is inside its base64)
  CHECK_THROWS_WITH(html.table({"a", "b"}, {{"1"}}), Catch::Contains("a row of 1 cells under 2 headings"));
}

TEST_CASE("write_training_report writes every figure and a page that holds the run") {
  test::TempFolder folder;
  report::TrainingRun run;
  run.experiment = "toy_run";
  run.reproduces = "A toy experiment";
  run.settings = {{"--epochs", "2"}, {"--lr", "0.001"}};
  run.model_summary = "Linear(4 -> 3)";
  run.history.add(epoch(1, 0.5, 0.55));
  run.history.add(epoch(2, 0.7, 0.75));
  run.confusion = test::hand_worked_confusion();  // 15 of 20 right
  run.class_names = {"zero", "one", "two"};
  run.seed_accuracy = 0.8;
  const data::Dataset images(std::vector<std::uint8_t>(3 * 4 * 4, 128), {0, 1, 2}, 4, 4);
  run.figures.push_back({"predictions", "Predictions", report::prediction_grid(images, {0, 2, 2}, run.class_names)});
  run.figures.push_back({"samples", "Samples", report::class_samples(images, 2, run.class_names)});

  const std::string stem = folder.file("toy_run");
  CHECK(report::write_training_report(stem, run) == stem + ".report.html");
  for (const char* figure : {"loss", "accuracy", "accuracy_over_time", "confusion", "predictions", "samples"}) {
    INFO(figure);
    CHECK(read_text(stem + "." + figure + ".svg").rfind("<svg", 0) == 0);
  }
  const std::string page = read_text(stem + ".report.html");
  CHECK(test::count_occurrences(page, "<img ") == 6);
  // The curves over time have their x axis in minutes: the epochs ended 3 and 6 minutes in.
  const std::string over_time = read_text(stem + ".accuracy_over_time.svg");
  CHECK(over_time.find(">minutes<") != std::string::npos);
  CHECK(over_time.find(">6<") != std::string::npos);
  CHECK(read_text(stem + ".accuracy.svg").find(">6<") == std::string::npos);
  CHECK(page.find("<td>the seed&#39;s report</td><td>80.00%</td>") != std::string::npos);
  CHECK(page.find("<td>this run</td><td>75.00%</td>") != std::string::npos);  // 15 of 20
  CHECK(page.find("<td>difference</td><td>-5.00 points</td>") != std::string::npos);
  // The per-class table from the hand-worked matrix: class 2 has precision 7/8 and recall 7/8.
  CHECK(page.find("<td>two</td><td>87.5%</td><td>87.5%</td><td>87.5%</td><td>8</td>") != std::string::npos);
  CHECK(page.find("<td>2</td><td>0.001</td><td>70.00%</td><td>75.00%</td><td>2.5</td><td>40</td><td>50</td>") !=
        std::string::npos);
  CHECK(page.find("<td>--lr</td><td>0.001</td>") != std::string::npos);
  CHECK(page.find("<pre>Linear(4 -&gt; 3)</pre>") != std::string::npos);
}

TEST_CASE("A run that reproduces no seed reports its accuracy alone") {
  test::TempFolder folder;
  report::TrainingRun run;
  run.experiment = "own_model";
  run.history.add(epoch(1, 0.5, 0.55));
  run.confusion = test::hand_worked_confusion();
  run.class_names = {"zero", "one", "two"};
  const std::string page = read_text(report::write_training_report(folder.file("own_model"), run));
  CHECK(page.find("<td>this run</td><td>75.00%</td>") != std::string::npos);
  CHECK(page.find("seed&#39;s report") == std::string::npos);
  CHECK(page.find("difference") == std::string::npos);
}

TEST_CASE("The prediction grid marks the wrong predictions and names the true class") {
  const data::Dataset images(std::vector<std::uint8_t>(3 * 4 * 4, 0), {0, 1, 2}, 4, 4);
  const std::string svg = report::prediction_grid(images, {0, 2, 2}, {"zero", "one", "two"});
  CHECK(test::count_occurrences(svg, "stroke=\"#d62728\"") == 1);
  CHECK(svg.find(">(one)</text>") != std::string::npos);
  CHECK_THROWS_WITH(report::prediction_grid(images, {0, 7, 2}, {"zero", "one", "two"}),
                    Catch::Contains("prediction 1 is class 7, outside the 3 class names"));
  CHECK_THROWS_WITH(report::prediction_grid(images, {0, 1, 2, 0}, {"zero", "one", "two"}),
                    Catch::Contains("4 predictions for 3 images"));
}
