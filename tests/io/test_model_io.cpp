#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "data/data_support.hpp"
#include "support/random_tensor.hpp"
#include "support/temp_folder.hpp"

using Catch::Matchers::Contains;
using namespace fnn;
namespace fs = std::filesystem;

namespace {

Sequential<float> small_cnn(Rng& rng) {
  Sequential<float> m;
  m.add(Conv2d<float>(1, 2, 3, rng, 1, 1));
  m.add(BatchNorm2d<float>(2));
  m.add(ReLU<float>());
  m.add(Flatten<float>());
  m.add(Linear<float>(2 * 5 * 5, 3, rng));
  return m;
}

std::vector<char> read_bytes(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

void write_bytes(const fs::path& p, const std::vector<char>& bytes) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace

TEST_CASE("Save and load round-trip parameters and BatchNorm statistics exactly") {
  const test::TempFolder tmp;
  const fs::path file = tmp.path() / "model.fnn";
  Rng rng(1);
  auto a = small_cnn(rng);
  const auto x = test::random_normal<float>({4, 1, 5, 5}, rng);
  a.forward(x);  // moves the running statistics away from their initial values
  a.eval();
  const Tensor<float> expected = a.forward(x);
  save(a, file.string());

  Rng other(2);
  auto b = small_cnn(other);
  b.eval();
  CHECK(max_abs_diff(b.forward(x), expected) > 0.0f);
  load(b, file.string());
  CHECK(max_abs_diff(b.forward(x), expected) == 0.0f);
  CHECK(b.buffers()[0].name == "1.running_mean");
  CHECK(max_abs_diff(*b.buffers()[0].tensor, *a.buffers()[0].tensor) == 0.0f);
}

TEST_CASE("Loading into a model of another shape names the tensor that differs and changes nothing") {
  const test::TempFolder tmp;
  const fs::path file = tmp.path() / "mlp.fnn";
  Rng rng(3);
  Sequential<float> a;
  a.add(Linear<float>(4, 8, rng));
  a.add(Linear<float>(8, 2, rng));
  save(a, file.string());

  Sequential<float> b;
  b.add(Linear<float>(4, 8, rng));
  b.add(Linear<float>(8, 3, rng));
  const Tensor<float> before = b.parameters()[0].parameter->value;
  CHECK_THROWS_WITH(load(b, file.string()),
                    Contains("tensor '1.weight' has shape [2, 8] in the file but [3, 8] in the model"));
  CHECK(max_abs_diff(b.parameters()[0].parameter->value, before) == 0.0f);

  Sequential<float> c;
  c.add(Linear<float>(4, 8, rng));
  CHECK_THROWS_WITH(load(c, file.string()), Contains("tensor '1.weight' in the file is not in the model"));
  Sequential<float> d;
  d.add(Linear<float>(4, 8, rng));
  d.add(Linear<float>(8, 2, rng));
  d.add(Linear<float>(2, 2, rng));
  CHECK_THROWS_WITH(load(d, file.string()), Contains("the model's tensor '2.weight' is not in the file"));
}

TEST_CASE("Loading into a model that lacks a tensor of the file lists the tensors the file holds") {
  const test::TempFolder tmp;
  const fs::path file = tmp.path() / "mlp.fnn";
  Rng rng(3);
  Sequential<float> saved;
  saved.add(Linear<float>(4, 8, rng));
  saved.add(ReLU<float>());
  saved.add(Linear<float>(8, 2, rng));
  save(saved, file.string());
  Sequential<float> other;  // the same layers without the ReLU: the second Linear is layer 1, not 2
  other.add(Linear<float>(4, 8, rng));
  other.add(Linear<float>(8, 2, rng));
  CHECK_THROWS_WITH(load(other, file.string()),
                    Contains("the model's tensor '1.weight' is not in the file, which holds 0.weight [8, 4], "
                             "0.bias [8], 2.weight [2, 8], 2.bias [2]"));
}

TEST_CASE("Damaged model files are refused with the reason") {
  const test::TempFolder tmp;
  const fs::path dir = tmp.path();
  const fs::path file = dir / "good.fnn";
  Rng rng(4);
  Sequential<float> m;
  m.add(Linear<float>(3, 2, rng));
  save(m, file.string());
  const auto good = read_bytes(file);

  SECTION("missing file") {
    CHECK_THROWS_WITH(load(m, (dir / "absent.fnn").string()), Contains("absent.fnn: cannot open"));
  }
  SECTION("wrong magic") {
    auto bytes = good;
    bytes[0] = 'X';
    write_bytes(dir / "magic.fnn", bytes);
    CHECK_THROWS_WITH(load(m, (dir / "magic.fnn").string()), Contains("not an fnn tensor file"));
  }
  SECTION("truncated") {
    auto bytes = good;
    bytes.resize(bytes.size() - 5);
    write_bytes(dir / "short.fnn", bytes);
    CHECK_THROWS_WITH(load(m, (dir / "short.fnn").string()), Contains("truncated"));
    bytes.resize(10);
    write_bytes(dir / "shorter.fnn", bytes);
    CHECK_THROWS_WITH(load(m, (dir / "shorter.fnn").string()), Contains("byte 8: truncated"));
  }
  SECTION("a flipped bit in the payload") {
    auto bytes = good;
    bytes[bytes.size() - 3] ^= 0x10;
    write_bytes(dir / "flip.fnn", bytes);
    CHECK_THROWS_WITH(load(m, (dir / "flip.fnn").string()), Contains("checksum mismatch"));
  }
  SECTION("a newer format version") {
    auto bytes = good;
    bytes[8] = 9;
    write_bytes(dir / "new.fnn", bytes);
    CHECK_THROWS_WITH(load(m, (dir / "new.fnn").string()), Contains("format version 9 is newer"));
  }
}

TEST_CASE("A model file is read no further than its header allows") {
  const test::TempFolder tmp;
  const std::string file = tmp.file("m.fnn");
  Rng rng(4);
  Sequential<float> m;
  m.add(Linear<float>(3, 2, rng));
  save(m, file);
  const auto good = test::read_bytes(file);
  const std::string payload = std::to_string(good.size() - tensor_file_header_size);

  CHECK_THROWS_WITH(load(m, "/dev/zero"), "/dev/zero: not an fnn tensor file (the first 8 bytes are not \"FNNTENSR\")");
  CHECK_THROWS_WITH(load(m, tmp.path().string()), tmp.path().string() + ": it is a folder, not a file");
  test::write_sparse(file, good, test::huge_file_size);
  CHECK_THROWS_WITH(load(m, file), file + ": the header announces " + payload + " payload bytes, the file has " +
                                       std::to_string(test::huge_file_size - tensor_file_header_size) +
                                       " (truncated or appended to)");
}

// A pipe's size is known only once it ends: the payload is read up to the size the header announces, and
// the pipe must end there.
TEST_CASE("A model file read from a pipe is read up to the size its header announces") {
  const test::TempFolder tmp;
  const std::string file = tmp.file("m.fnn"), pipe = tmp.file("pipe");
  Rng rng(4);
  Sequential<float> m;
  m.add(Linear<float>(3, 2, rng));
  save(m, file);
  const auto good = test::read_bytes(file);
  const std::string payload = std::to_string(good.size() - tensor_file_header_size);
  REQUIRE(::mkfifo(pipe.c_str(), 0600) == 0);
  // Each write fits in the pipe's buffer, so the writer finishes whether or not the reader reads it all.
  const auto load_through_pipe = [&](std::vector<unsigned char> bytes) {
    std::thread writer([&] { test::write_bytes(pipe, bytes); });
    try {
      load(m, pipe);
    } catch (...) {
      writer.join();
      throw;
    }
    writer.join();
  };
  CHECK_NOTHROW(load_through_pipe(good));
  auto longer = good;
  longer.resize(good.size() + 10);
  CHECK_THROWS_WITH(load_through_pipe(longer), pipe + ": the header announces " + payload +
                                                   " payload bytes, the file has more (appended to)");
  auto shorter = good;
  shorter.resize(good.size() - 4);
  CHECK_THROWS_WITH(load_through_pipe(shorter), pipe + ": the header announces " + payload +
                                                    " payload bytes, the file has " +
                                                    std::to_string(good.size() - tensor_file_header_size - 4) +
                                                    " (truncated)");
}

TEST_CASE("Saving replaces the file atomically and leaves no temporary behind") {
  const test::TempFolder tmp;
  const fs::path dir = tmp.path();
  Rng rng(5);
  Sequential<double> m;
  m.add(Linear<double>(2, 2, rng));
  save(m, (dir / "m.fnn").string());
  save(m, (dir / "m.fnn").string());
  CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);
  CHECK_THROWS_WITH(save(m, (dir / "no_such_dir" / "m.fnn").string()), Contains("cannot save"));
}

TEST_CASE("A float file loads into a double model") {
  const test::TempFolder tmp;
  const fs::path file = tmp.path() / "float.fnn";
  Rng a(6), b(6);
  Sequential<float> f;
  f.add(Linear<float>(3, 2, a));
  save(f, file.string());
  Sequential<double> d;
  d.add(Linear<double>(3, 2, b));
  d.parameters()[0].parameter->value.zero();
  load(d, file.string());
  CHECK(d.parameters()[0].parameter->value[4] == static_cast<double>(f.parameters()[0].parameter->value[4]));
}
