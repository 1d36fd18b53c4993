// Killing the process in the middle of a save leaves the previous file intact: a child process saves a
// 16 MB tensor file over and over, each generation filled with its own number, and is killed with
// SIGKILL at a random moment; the file must then load, checksum and all, and hold one generation only.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fnn/fnn.hpp>

#include "support/temp_folder.hpp"

using namespace fnn;

namespace {

void save_generation(const std::string& path, Tensor<float>& t, float generation) {
  t.fill(generation);
  write_tensor_file<float>(path, {{"generation", &t}});
}

// Removes the temporary files that killed saves left beside `path` and returns how many there were.
int remove_leftovers(const std::filesystem::path& folder) {
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(folder)) {
    if (entry.path().filename().string().find(".tmp-") != std::string::npos) {
      std::filesystem::remove(entry.path());
      ++n;
    }
  }
  return n;
}

}  // namespace

TEST_CASE("a process killed during a save leaves the previous file intact", "[io][atomic]") {
  test::TempFolder folder;
  const std::string path = folder.file("model.fnn");
  Tensor<float> t({1024, 4096});
  save_generation(path, t, 0);

  Rng rng(2026);
  int killed_mid_save = 0;
  float newest = 0;
  for (int round = 0; round < 20; ++round) {
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      for (float generation = 1;; ++generation) save_generation(path, t, generation);
    }
    // A save of 16 MB takes 100-300 ms here, most of it in fsync: the kill lands anywhere in the first
    // few saves.
    ::usleep(static_cast<useconds_t>(rng.uniform(50e3, 800e3)));
    ::kill(child, SIGKILL);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFSIGNALED(status));
    killed_mid_save += remove_leftovers(folder.path());

    const auto tensors = read_tensor_file<float>(path);  // throws on a partial or damaged file
    REQUIRE(tensors.size() == 1);
    const Tensor<float>& loaded = tensors[0].tensor;
    REQUIRE(loaded.shape() == t.shape());
    const float generation = loaded[0];
    CHECK((loaded.array() == generation).all());
    newest = std::max(newest, generation);
  }
  // The test means something only if some kills landed in the middle of a save and some saves finished.
  CHECK(killed_mid_save > 0);
  CHECK(newest > 0);
}
