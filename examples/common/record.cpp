// Records: metadata and where they are written (record.hpp).
#include "common/record.hpp"

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <thread>

namespace example {

std::string first_line_of(const std::string& command) {
  std::string line;
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char buffer[256];
    if (std::fgets(buffer, sizeof buffer, pipe)) line = buffer;
    if (pclose(pipe) != 0) line.clear();
  }
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.pop_back();
  return line;
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

nlohmann::json record_metadata(const std::string& kind, const Settings& s, int argc, char** argv) {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%SZ", &utc);
  const std::string source = shell_quote(std::filesystem::path(__FILE__).parent_path().string());
  std::string model, flags;
  std::ifstream cpuinfo("/proc/cpuinfo");
  for (std::string line; std::getline(cpuinfo, line) && (model.empty() || flags.empty());) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    if (model.empty() && line.rfind("model name", 0) == 0) model = line.substr(colon + 2);
    if (flags.empty() && line.rfind("flags", 0) == 0) flags = " " + line.substr(colon + 1) + " ";
  }
  const auto has = [&flags](const char* flag) {
    return flags.find(" " + std::string(flag) + " ") != std::string::npos;
  };
  const std::string commit = first_line_of("git -C " + source + " rev-parse HEAD 2>/dev/null");
  std::string command = std::filesystem::path(argv[0]).filename().string();
  for (int i = 1; i < argc; ++i) command += std::string(" ") + argv[i];
  return {
      {"kind", kind},
      {"date", date},
      {"commit", commit.empty() ? nullptr : nlohmann::json(commit)},
      {"dirty", !first_line_of("git -C " + source + " status --porcelain --untracked-files=no 2>/dev/null").empty()},
      {"cpu",
       {{"model", model},
        {"cores", std::thread::hardware_concurrency()},
        {"avx2", has("avx2")},
        {"avx512f", has("avx512f")},
        {"avx512_bf16", has("avx512_bf16")}}},
      {"threads", s.threads},
      {"seed", s.seed},
      {"quick", s.quick},
      {"command", command}};
}

std::string write_record(const nlohmann::json& record, const std::string& out_dir, const std::string& record_dir) {
  const std::string json = record.dump(1) + "\n";
  const std::string kind = record["kind"];
  fnn::write_file_atomically(out_dir + "/" + kind + "-record.json", json.data(), json.size());
  if (record_dir.empty()) return "";
  const bool avx512 = record["cpu"]["avx512f"].get<bool>(), avx2 = record["cpu"]["avx2"].get<bool>();
  const std::string date = record["date"];  // YYYY-MM-DDTHH:MM:SSZ -> YYYY-MM-DDTHHMMZ-avx2.json
  const std::string name = date.substr(0, 11) + date.substr(11, 2) + date.substr(14, 2) + "Z" +
                           (avx512 ? "-avx512"
                            : avx2 ? "-avx2"
                                   : "");
  std::filesystem::create_directories(record_dir);
  const std::string path = record_dir + "/" + name + ".json";
  fnn::write_file_atomically(path, json.data(), json.size());
  return path;
}

}  // namespace example
