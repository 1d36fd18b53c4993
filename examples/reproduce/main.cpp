// The main job: runs the five seed experiments with the seeds' settings, one program each, and prints
// one table comparing fnn's test accuracy with the accuracy each seed document reports. The table also
// goes to OUT/results.md and OUT/results.csv, and the run's record (date, commit, CPU, threads and every
// figure, the form docs/records/reproduce holds and scripts/tables.py reads) to OUT/reproduce-record.json
// and, with --record DIR, to DIR/DATE-CPU.json.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "common/example.hpp"
#include "common/record.hpp"

namespace {

struct Experiment {
  std::string program;
  std::vector<std::string> args;         // beyond the common flags
  std::vector<std::string> summaries;    // the experiments it writes NAME.summary.json for
};

// The seeds' settings, plus fnn's own improvements where the seed's figure needs them (docs/results.md):
// a cosine learning-rate schedule for seeds 000, 001, 002 and 004's architecture 3, and for that one,
// whose batch size the seed does not give, Adam lr 0.002 with horizontal flips in training, dropout only
// after the dense layer (0.3), an average of the weights (decay 0.9998, which its warm-up never reaches
// in 10 epochs: docs/results.md) and flip-averaging at test time. Seed 004's architectures 1 and 2 train
// with the seed's settings (Adam, lr 0.001, 10 epochs).
const std::vector<Experiment> experiments = {
    {"seed000_lenet", {"--cosine"}, {"seed000_lenet"}},
    {"seed001_mlp_dropout", {"--cosine"}, {"seed001_mlp_dropout_model1", "seed001_mlp_dropout_model2"}},
    {"seed002_cnn", {"--cosine"}, {"seed002_cnn"}},
    {"seed003_mlp", {}, {"seed003_mlp"}},
    {"seed004_keras_cnn", {"--arch", "1"}, {"seed004_arch1"}},
    {"seed004_keras_cnn", {"--arch", "2"}, {"seed004_arch2"}},
    {"seed004_keras_cnn",
     {"--arch", "3", "--batch-size", "32", "--lr", "0.002", "--flip", "--cosine", "--flip-average", "--ema", "0.9998",
      "--block-dropout", "0", "--dense-dropout", "0.3"},
     {"seed004_arch3"}},
};

// The folder of this executable: the example programs are built beside it.
std::string program_dir() {
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string(".") : exe.parent_path().string();
}

// Whether --only selects `e`: it names e's program or one of the experiments e writes (a program such as
// seed004_keras_cnn runs several experiments, each in its own entry).
bool selected(const Experiment& e, const std::vector<std::string>& only) {
  return only.empty() || std::any_of(only.begin(), only.end(), [&e](const std::string& name) {
           return name == e.program || std::find(e.summaries.begin(), e.summaries.end(), name) != e.summaries.end();
         });
}

// --only's check: one of the programs above, or one of their experiments.
CLI::Validator known_experiment() {
  std::vector<std::string> programs, names;
  for (const Experiment& e : experiments) {
    if (std::find(programs.begin(), programs.end(), e.program) == programs.end()) programs.push_back(e.program);
    names.push_back(e.program);
    names.insert(names.end(), e.summaries.begin(), e.summaries.end());
  }
  std::string list;
  for (const std::string& program : programs) list += (list.empty() ? "" : ", ") + program;
  return CLI::Validator(
      [names, list](std::string& value) {
        const bool known = std::find(names.begin(), names.end(), value) != names.end();
        return known ? std::string() : "no program or experiment " + value + "; the programs are " + list;
      },
      "NAME");
}

// With --resume, a program continues from its checkpoints when it has one for each of its experiments,
// and starts over when it has not: it was never started, or stopped before its first checkpoint.
bool resumable(const Experiment& e, const std::string& out) {
  return std::all_of(e.summaries.begin(), e.summaries.end(), [&out](const std::string& name) {
    return std::filesystem::exists(out + "/" + name + ".checkpoint");
  });
}

// The command that runs experiment `e` into `out`, passing on the flags reproduce was given.
std::string command_for(const Experiment& e, const example::Settings& s, const std::string& out) {
  std::string command = example::shell_quote(program_dir() + "/" + e.program);
  for (const std::string& a : e.args) command += " " + a;
  command += " --seed " + std::to_string(s.seed) + " --threads " + std::to_string(s.threads) + " --data " +
             example::shell_quote(s.data_dir) + " --out " + example::shell_quote(out);
  if (s.quick) command += " --quick";
  if (s.quiet) command += " --quiet";
  if (!s.finite_checks) command += " --no-finite-checks";
  if (s.resume && resumable(e, out)) command += " --resume";
  return command;
}

// A number as the summary's JSON writes it, for the CSV table.
std::string json_number(double value) { return nlohmann::json(value).dump(); }

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Reproduce the five seed experiments on Fashion-MNIST and print one table", "reproduce");
  example::Settings s;
  example::add_settings_flags(app, s);
  app.remove_option(app.get_option("--epochs"));
  app.remove_option(app.get_option("--batch-size"));
  app.remove_option(app.get_option("--lr"));
  app.remove_option(app.get_option("--cosine"));  // each experiment has its own schedule
  app.remove_option(app.get_option("--distributed"));  // it runs the programs one after the other, not under mpirun
  app.remove_option(app.get_option("--distributed-timeout"));
  app.remove_option(app.get_option("--export-onnx"));  // several models: each program's own flag exports one
  app.get_option("--resume")->description(
      "Continue each program from its checkpoints in the output folder; one without them starts over");
  std::vector<std::string> only;
  app.add_option("--only", only, "Run only these programs or experiments (e.g. seed002_cnn, seed004_arch1)")
      ->check(known_experiment());
  std::string record_dir;
  app.add_option("--record", record_dir, "Also write the run's record to this folder (docs/records/reproduce)");
  return example::run(app, argc, argv, [&] {
    example::prepare(s, "out/reproduce");
    nlohmann::json record = example::record_metadata("reproduce", s, argc, argv);
    const auto start = std::chrono::steady_clock::now();
    std::vector<std::string> rows;
    std::ostringstream csv, md;
    csv << "experiment,seed_accuracy,fnn_accuracy,epochs,seconds_per_epoch,images_per_second\n";
    md << "| experiment | seed's test accuracy | fnn's test accuracy | epochs | s/epoch | train images/s |\n"
       << "|---|---|---|---|---|---|\n";
    for (const Experiment& e : experiments) {
      if (!selected(e, only)) continue;
      const std::string out = s.out_dir + "/" + e.program;
      const std::string command = command_for(e, s, out);
      std::printf("\n=== %s\n", command.c_str());
      std::fflush(stdout);
      if (std::system(command.c_str()) != 0) throw fnn::Error(e.program + " failed; see its output above");
      for (const std::string& name : e.summaries) {
        const example::Summary summary = example::read_summary(out + "/" + name + ".summary.json");
        char line[256];
        std::snprintf(line, sizeof line, "| %s | %.2f%% | %.2f%% | %d | %.1f | %.0f |", name.c_str(),
                      100 * summary.seed_accuracy, 100 * summary.test_accuracy, summary.epochs,
                      summary.seconds_per_epoch, summary.images_per_second);
        rows.push_back(line);
        md << line << '\n';
        csv << name << ',' << json_number(summary.seed_accuracy) << ',' << json_number(summary.test_accuracy) << ','
            << summary.epochs << ',' << json_number(summary.seconds_per_epoch) << ','
            << json_number(summary.images_per_second) << '\n';
        record["experiments"].push_back(
            {{"name", name}, {"program", e.program}, {"args", e.args}, {"seed_accuracy", summary.seed_accuracy},
             {"fnn_accuracy", summary.test_accuracy}, {"epochs", summary.epochs},
             {"seconds_per_epoch", summary.seconds_per_epoch}, {"images_per_second", summary.images_per_second}});
      }
    }
    record["seconds"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("\n%s", md.str().c_str());
    if (s.quick) std::printf("(--quick: 2,000 training images and one epoch; accuracies are not comparable)\n");
    fnn::write_file_atomically(s.out_dir + "/results.md", md.str().data(), md.str().size());
    fnn::write_file_atomically(s.out_dir + "/results.csv", csv.str().data(), csv.str().size());
    const std::string path = example::write_record(record, s.out_dir, record_dir);
    if (!path.empty()) {
      std::printf("record: %s\n", path.c_str());
    }
  });
}
