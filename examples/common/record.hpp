#pragma once
// Records: the machine-readable file a measuring program leaves beside its output, and, with --record DIR,
// in DIR (docs/records/KIND), where scripts/tables.py reads the tables of the docs from. A record says
// when, with which code and on what CPU its figures were made.
#include <nlohmann/json.hpp>
#include <string>

#include "common/example.hpp"

namespace example {

// The first line of a shell command's output, "" if it fails.
std::string first_line_of(const std::string& command);

// `s` quoted for the shell.
std::string shell_quote(const std::string& s);

// A record's metadata: its kind, the date (UTC), the commit checked out in the tree the examples were
// compiled from ("dirty" when that tree has uncommitted changes; null outside a git checkout), the CPU
// (model, cores, AVX2, AVX-512, AVX512-BF16), the threads, the seed, --quick, and the command line.
nlohmann::json record_metadata(const std::string& kind, const Settings& s, int argc, char** argv);

// Writes `record` to OUT_DIR/KIND-record.json and, when `record_dir` is given, to
// RECORD_DIR/DATE-CPU.json (2026-01-31T1205Z-avx512.json); returns the latter's path, or "".
std::string write_record(const nlohmann::json& record, const std::string& out_dir, const std::string& record_dir);

}  // namespace example
