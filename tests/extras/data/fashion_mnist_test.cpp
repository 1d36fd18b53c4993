#include <catch2/catch.hpp>

#include <array>
#include <cstdlib>
#include <filesystem>

#include "extras/extras_support.hpp"

using Catch::Matchers::Contains;
using fnn::data::Compression;
using fnn::data::load_fashion_mnist;

namespace {

// Sets an environment variable for one scope and restores the previous value after.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    const char* old = std::getenv(name);
    had_ = old != nullptr;
    if (had_) old_ = old;
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;
  ~ScopedEnv() {
    if (had_) {
      ::setenv(name_, old_.c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  bool had_ = false;
  std::string old_;
};

}  // namespace

TEST_CASE("Fashion-MNIST class names are the data set's ten, in label order", "[fashion_mnist]") {
  const auto& names = fnn::data::fashion_mnist_class_names();
  REQUIRE(names.size() == 10);
  CHECK(names[0] == "T-shirt/top");
  CHECK(names[4] == "Coat");
  CHECK(names[6] == "Shirt");
  CHECK(names[9] == "Ankle boot");
  CHECK(fnn::data::fashion_mnist_class_name(8) == "Bag");
  CHECK_THROWS_AS(fnn::data::fashion_mnist_class_name(10), fnn::ValueError);
  CHECK_THROWS_AS(fnn::data::fashion_mnist_class_name(-1), fnn::ValueError);
}

TEST_CASE("default_data_dir honours FNN_DATA", "[fashion_mnist]") {
  {
    ScopedEnv env("FNN_DATA", nullptr);
    CHECK(fnn::data::default_data_dir() == "/usr/share/datasets/fashion-mnist");
  }
  {
    ScopedEnv env("FNN_DATA", "/somewhere/else");
    CHECK(fnn::data::default_data_dir() == "/somewhere/else");
  }
  {
    ScopedEnv env("FNN_DATA", "");  // set but empty counts as unset
    CHECK(fnn::data::default_data_dir() == "/usr/share/datasets/fashion-mnist");
  }
}

TEST_CASE("load_fashion_mnist reads the training and test files of a folder", "[fashion_mnist]") {
  fnn::test::TempFolder dir;
  const fnn::data::Dataset train = fnn::test::make_dataset(20);
  const fnn::data::Dataset test = fnn::test::make_dataset(7).subset({6, 5, 4, 3, 2, 1, 0});
  fnn::test::write_fashion_mnist_files(dir.path(), "train", train);
  fnn::test::write_fashion_mnist_files(dir.path(), "t10k", test);

  const fnn::data::Dataset a = load_fashion_mnist(dir.path(), true);
  CHECK(a.size() == 20);
  CHECK(a.pixels() == train.pixels());
  CHECK(a.labels() == train.labels());
  const fnn::data::Dataset b = load_fashion_mnist(dir.path(), false);
  CHECK(b.size() == 7);
  CHECK(b.pixels() == test.pixels());
  CHECK(b.labels() == test.labels());

  SECTION("the folder defaults to FNN_DATA") {
    ScopedEnv env("FNN_DATA", dir.path().c_str());
    CHECK(load_fashion_mnist().labels() == train.labels());
  }
}

TEST_CASE("load_fashion_mnist falls back to decompressed files", "[fashion_mnist]") {
  fnn::test::TempFolder dir;
  const fnn::data::Dataset train = fnn::test::make_dataset(5);
  fnn::test::write_fashion_mnist_files(dir.path(), "train", train, Compression::none);
  CHECK(load_fashion_mnist(dir.path()).pixels() == train.pixels());
}

TEST_CASE("load_fashion_mnist reports a data set that does not fit together", "[fashion_mnist]") {
  fnn::test::TempFolder dir;
  const fnn::data::Dataset train = fnn::test::make_dataset(20);
  const std::string images = dir.file("train-images-idx3-ubyte.gz");
  const std::string labels = dir.file("train-labels-idx1-ubyte.gz");
  fnn::test::write_fashion_mnist_files(dir.path(), "train", train);

  SECTION("image and label counts differ") {
    auto bytes = fnn::test::labels_as_bytes(train);
    bytes.pop_back();
    fnn::data::write_idx_labels(labels, bytes, Compression::gzip);
    CHECK_THROWS_WITH(load_fashion_mnist(dir.path()),
                      Contains(images) && Contains(labels) &&
                          Contains("image and label counts differ: 20 images, 19 labels"));
  }
  SECTION("images of the wrong size") {
    const fnn::data::Dataset wide = fnn::test::make_dataset(20, 28, 32);
    fnn::data::write_idx_images(images, 20, 28, 32, wide.pixels(), Compression::gzip);
    CHECK_THROWS_WITH(load_fashion_mnist(dir.path()),
                      Contains(images + ": byte 8 of the decompressed data: wrong dimensions: images are 28 x 32") &&
                          Contains("Fashion-MNIST images are 28 x 28"));
  }
  SECTION("a label outside 0-9") {
    auto bytes = fnn::test::labels_as_bytes(train);
    bytes[13] = 10;
    fnn::data::write_idx_labels(labels, bytes, Compression::gzip);
    CHECK_THROWS_WITH(load_fashion_mnist(dir.path()),
                      Contains(labels + ": byte 21 of the decompressed data: label 10 of sample 13 is outside 0-9"));
  }
  SECTION("the labels file in place of the images file") {
    std::filesystem::copy_file(labels, images, std::filesystem::copy_options::overwrite_existing);
    CHECK_THROWS_WITH(load_fashion_mnist(dir.path()), Contains(images + ": byte 0 of the decompressed data: bad magic number 0x00000801"));
  }
  SECTION("a truncated images file") {
    auto pixels = train.pixels();
    pixels.resize(pixels.size() - 100);
    // Extents for 20 images, pixels for fewer: write the stream by hand, then compress it.
    std::vector<unsigned char> raw = {0, 0, 8, 3, 0, 0, 0, 20, 0, 0, 0, 28, 0, 0, 0, 28};
    raw.insert(raw.end(), pixels.begin(), pixels.end());
    fnn::test::write_bytes(images, fnn::data::detail::gzip_bytes(images, raw.data(), raw.size()));
    CHECK_THROWS_WITH(load_fashion_mnist(dir.path()),
                      Contains(images + ": byte 15596 of the decompressed data: truncated") && Contains("found 15580"));
  }
}

TEST_CASE("A missing data set explains how to install it", "[fashion_mnist]") {
  fnn::test::TempFolder dir;
  SECTION("missing folder") {
    const std::string folder = dir.file("no-such-folder");
    CHECK_THROWS_WITH(load_fashion_mnist(folder),
                      Contains("Fashion-MNIST not found: the folder " + folder + " does not exist") &&
                          Contains("apt-get install dataset-fashion-mnist") && Contains("FNN_DATA") &&
                          Contains("--data"));
  }
  SECTION("folder without the files") {
    CHECK_THROWS_WITH(load_fashion_mnist(dir.path(), false),
                      Contains(dir.file("t10k-images-idx3-ubyte.gz") + " does not exist") &&
                          Contains("apt-get install dataset-fashion-mnist"));
  }
  SECTION("labels missing beside the images") {
    fnn::test::write_fashion_mnist_files(dir.path(), "train", fnn::test::make_dataset(3));
    std::filesystem::remove(dir.file("train-labels-idx1-ubyte.gz"));
    CHECK_THROWS_WITH(load_fashion_mnist(dir.path()), Contains("train-labels-idx1-ubyte.gz does not exist"));
  }
}

TEST_CASE("The installed Fashion-MNIST has 60000 training and 10000 test images", "[fashion_mnist][real-data]") {
  const std::string folder = fnn::data::default_data_dir();
  if (!std::filesystem::exists(folder + "/train-images-idx3-ubyte.gz")) {
    WARN("Fashion-MNIST is not installed in " << folder << "; skipping (apt-get install dataset-fashion-mnist)");
    return;
  }
  const fnn::data::Dataset train = load_fashion_mnist(folder, true);
  const fnn::data::Dataset test = load_fashion_mnist(folder, false);
  REQUIRE(train.size() == 60000);
  REQUIRE(test.size() == 10000);
  CHECK(train.rows() == 28);
  CHECK(train.cols() == 28);
  CHECK(train.pixels().size() == 60000u * 784u);

  std::array<int, 10> train_counts{}, test_counts{};
  for (std::int32_t y : train.labels()) {
    REQUIRE(y >= 0);
    REQUIRE(y <= 9);
    ++train_counts[static_cast<std::size_t>(y)];
  }
  for (std::int32_t y : test.labels()) {
    REQUIRE(y >= 0);
    REQUIRE(y <= 9);
    ++test_counts[static_cast<std::size_t>(y)];
  }
  for (int c = 0; c < 10; ++c) {
    CHECK(train_counts[static_cast<std::size_t>(c)] == 6000);
    CHECK(test_counts[static_cast<std::size_t>(c)] == 1000);
  }
  // The first labels of the published files: Ankle boot, T-shirt/top, T-shirt/top, Dress, ...
  CHECK(std::vector<std::int32_t>(train.labels().begin(), train.labels().begin() + 5) ==
        std::vector<std::int32_t>{9, 0, 0, 3, 0});
  CHECK(std::vector<std::int32_t>(test.labels().begin(), test.labels().begin() + 5) ==
        std::vector<std::int32_t>{9, 2, 1, 1, 6});

  // The statistics usually quoted for the training set.
  const fnn::data::Normalize stats = fnn::data::dataset_statistics(train);
  CHECK(stats.mean == Approx(0.2860).margin(5e-5));
  CHECK(stats.stddev == Approx(0.3530).margin(5e-5));
}
