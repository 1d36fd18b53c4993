#pragma once
// Fashion-MNIST (Zalando): 60000 training and 10000 test images of 28 x 28 grey pixels in ten classes,
// as the four IDX files of the original release:
//   train-images-idx3-ubyte.gz  train-labels-idx1-ubyte.gz  t10k-images-idx3-ubyte.gz  t10k-labels-idx1-ubyte.gz
// Debian's dataset-fashion-mnist package installs them in /usr/share/datasets/fashion-mnist; the
// environment variable FNN_DATA points fnn at another folder.
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "fnn/data/dataset.hpp"
#include "fnn/extras/data/idx.hpp"

namespace fnn::data {

inline constexpr int fashion_mnist_num_classes = 10;
inline constexpr Index fashion_mnist_rows = 28;
inline constexpr Index fashion_mnist_cols = 28;
inline constexpr const char* fashion_mnist_default_dir = "/usr/share/datasets/fashion-mnist";

// The class names by label, as the data set's authors give them; every table fnn prints uses these.
inline const std::vector<std::string>& fashion_mnist_class_names() {
  static const std::vector<std::string> names = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                 "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return names;
}

inline const std::string& fashion_mnist_class_name(int label) {
  if (label < 0 || label >= fashion_mnist_num_classes) {
    throw ValueError("fnn::data::fashion_mnist_class_name: label " + std::to_string(label) + " is outside 0-9");
  }
  return fashion_mnist_class_names()[static_cast<std::size_t>(label)];
}

// $FNN_DATA when set and not empty, else /usr/share/datasets/fashion-mnist.
inline std::string default_data_dir() {
  const char* env = std::getenv("FNN_DATA");
  return env != nullptr && *env != '\0' ? std::string(env) : std::string(fashion_mnist_default_dir);
}

namespace detail {

// `folder/name.gz`, or `folder/name` when only the decompressed file is there.
inline std::string fashion_mnist_file(const std::string& folder, const std::string& name) {
  namespace fs = std::filesystem;
  const fs::path gz = fs::path(folder) / (name + ".gz");
  const fs::path raw = fs::path(folder) / name;
  std::error_code ec;
  if (fs::exists(gz, ec)) return gz.string();
  if (fs::exists(raw, ec)) return raw.string();
  const bool have_folder = fs::is_directory(fs::path(folder), ec);
  throw IoError("Fashion-MNIST not found: " +
                (have_folder ? gz.string() + " does not exist" : "the folder " + folder + " does not exist") +
                ". Install the data set with `apt-get install dataset-fashion-mnist` (Debian package), or point "
                "the environment variable FNN_DATA (or an example's --data option) at a folder holding "
                "train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz and "
                "t10k-labels-idx1-ubyte.gz");
}

}  // namespace detail

// Loads the training set (train = true) or the test set from `folder`. Besides the IDX checks, throws
// IoError when there are no images, when the images are not 28 x 28, when the image and label counts
// differ, or when a label is outside 0-9.
inline Dataset load_fashion_mnist(const std::string& folder = default_data_dir(), bool train = true) {
  const std::string prefix = train ? "train" : "t10k";
  const std::string images_path = detail::fashion_mnist_file(folder, prefix + "-images-idx3-ubyte");
  const std::string labels_path = detail::fashion_mnist_file(folder, prefix + "-labels-idx1-ubyte");

  IdxArray images = read_idx_images(images_path);
  if (images.dims[0] == 0) {
    throw IoError(byte_location(images_path, 4, images.compressed) + "the file holds no images (its header announces 0)");
  }
  if (images.dims[1] != fashion_mnist_rows || images.dims[2] != fashion_mnist_cols) {
    throw IoError(byte_location(images_path, 8, images.compressed) + "wrong dimensions: images are " +
                  std::to_string(images.dims[1]) + " x " + std::to_string(images.dims[2]) +
                  ", Fashion-MNIST images are 28 x 28");
  }
  const IdxArray labels = read_idx_labels(labels_path);
  if (images.dims[0] != labels.dims[0]) {
    throw IoError(images_path + " and " + labels_path + ": image and label counts differ: " +
                  std::to_string(images.dims[0]) + " images, " + std::to_string(labels.dims[0]) + " labels");
  }

  std::vector<std::int32_t> label_values(labels.data.size());
  for (std::size_t i = 0; i < labels.data.size(); ++i) {
    if (labels.data[i] >= fashion_mnist_num_classes) {
      throw IoError(byte_location(labels_path, 8 + i, labels.compressed) + "label " + std::to_string(labels.data[i]) +
                    " of sample " + std::to_string(i) + " is outside 0-9");
    }
    label_values[i] = labels.data[i];
  }
  return Dataset(std::move(images.data), std::move(label_values), fashion_mnist_rows, fashion_mnist_cols);
}

}  // namespace fnn::data
