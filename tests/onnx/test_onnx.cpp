// ONNX export and import (include/fnn/onnx/): models come back from an ONNX file exactly, layers
// without an ONNX equivalent are refused by name, damaged and hostile files are refused cleanly.
// Two groups of tests work with software fnn did not write (tests/onnx/CMakeLists.txt), on real
// Fashion-MNIST images (fnn::data::default_data_dir()):
//   [export]   trains the seed models briefly and writes them, a batch of test images and fnn's outputs
//              for check_exports.py, which checks the files with onnx.checker and runs them in OpenCV;
//   [pytorch]  reads make_pytorch_models.py's exports of the same models, and of the activations
//              PyTorch decomposes, by torch.onnx.export: fnn's outputs agree with PyTorch's to 1e-4
//              relative, with the same classes, and an epoch of fine-tuning lowers the loss.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fnn/extras.hpp>
#include <fnn/onnx.hpp>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/random_tensor.hpp"
#include "support/temp_folder.hpp"

#ifndef FNN_ONNX_DATA_DIR
#define FNN_ONNX_DATA_DIR "onnx_data"
#endif

using Catch::Matchers::Contains;
using namespace fnn;
namespace fs = std::filesystem;

namespace {

// Every name of fnn::models::by_name that the [export] and [pytorch] tests and the round trip use: the
// five seed experiments' models and ResNet-8 (the branches of a Residual).
const std::vector<std::string> seed_models{"lenet", "mlp_dropout", "cnn_20_50", "mlp", "vgg_like_bn", "resnet8"};

// The PyTorch exports of make_pytorch_models.py beyond the seed models: every activation PyTorch writes
// as several nodes, at the first, default and last operator set fnn reads.
const std::vector<std::string> activation_models{"activations_opset11", "activations_opset13", "activations_opset17"};

// Fashion-MNIST's training or test set, read once.
const data::Dataset& fashion_mnist(bool train) {
  static const data::Dataset train_set = data::load_fashion_mnist(data::default_data_dir(), true);
  static const data::Dataset test_set = data::load_fashion_mnist(data::default_data_dir(), false);
  return train ? train_set : test_set;
}

// `count` training images, chosen by `rng`.
data::Dataset training_subset(Index count, Rng& rng) {
  const data::Dataset& all = fashion_mnist(true);
  return data::split(all, static_cast<double>(count) / static_cast<double>(all.size()), rng).first;
}

// The first `count` test images, normalised, as one batch.
Tensor<float> test_images(Index count, const data::Normalize& normalize) {
  data::LoaderOptions options(count);
  options.normalize = normalize;
  data::DataLoader<float> loader(fashion_mnist(false), options);
  data::Batch<float> batch;
  loader.start_epoch();
  loader.next(batch);
  return batch.inputs;
}

bool ends_in_log_softmax(Sequential<float>& model) {
  return dynamic_cast<LogSoftmax<float>*>(&model[model.size() - 1]) != nullptr;
}

// One epoch of SGD (momentum 0.9) on `images` in batches of 32, with the loss the model's last layer
// calls for; returns that loss over `images` in evaluation mode before and after.
template <class Loss>
std::pair<double, double> train_epoch(Sequential<float>& model, const data::Dataset& images,
                                      const data::Normalize& normalize, Rng& rng) {
  Loss loss;
  data::LoaderOptions options(32, true);
  options.normalize = normalize;
  data::DataLoader<float> loader(images, options, rng);
  const double before = train::evaluate(model, loss, loader).loss;
  SGD<float> sgd(model.parameters(), SGDOptions().lr(0.01).momentum(0.9));
  train::fit(model, loss, sgd, loader, train::FitOptions<float>());
  return {before, train::evaluate(model, loss, loader).loss};
}

std::pair<double, double> train_epoch(Sequential<float>& model, const data::Dataset& images,
                                      const data::Normalize& normalize, Rng& rng) {
  return ends_in_log_softmax(model) ? train_epoch<NLLLoss<float>>(model, images, normalize, rng)
                                    : train_epoch<CrossEntropyLoss<float>>(model, images, normalize, rng);
}

// The largest difference between `a` and `b` over the largest magnitude in `b`.
float relative_difference(const Tensor<float>& a, const Tensor<float>& b) {
  return max_abs_diff(a, b) / b.array().abs().maxCoeff();
}

// The predicted class of each row of [N, C] scores.
std::vector<int> classes(const Tensor<float>& scores) {
  std::vector<int> out;
  for (Index n = 0; n < scores.size(0); ++n) out.push_back(metrics::top_k(scores, n, 1)[0].label);
  return out;
}

// Moves every rank-1 parameter (biases, BatchNorm's gamma and beta) and BatchNorm's running statistics
// away from their initial values, which would hide a swapped gamma and beta.
void randomise_vectors(Layer<float>& model, Rng& rng) {
  for (auto& p : model.parameters()) {
    if (p.parameter->value.rank() == 1) {
      for (float& v : p.parameter->value) v += 0.2f * static_cast<float>(rng.normal());
    }
  }
  for (auto& b : model.buffers()) {
    const bool variance = b.name.find("running_var") != std::string::npos;
    for (float& v : *b.tensor)
      v = variance ? 0.5f + static_cast<float>(rng.uniform()) : 0.3f * static_cast<float>(rng.normal());
  }
}

Sequential<float> seed_model(const std::string& name, Rng& rng) {
  Sequential<float> model = models::by_name<float>(name, rng);
  randomise_vectors(model, rng);
  model.eval();
  return model;
}

std::string summary(Sequential<float>& model, const Shape& input) {
  std::ostringstream s;
  model.summary(input, s);
  return s.str();
}

// The round trip keeps every layer, name and value: the same summary, the same tensors by name, the
// same outputs to the bit.
void check_round_trip(Sequential<float>& model, const Shape& input, const std::string& file) {
  Rng rng(5);
  const Tensor<float> x = test::random_normal<float>(input, rng);
  const Tensor<float> expected = model.forward(x);
  fnn::onnx::save(model, file, input);
  Sequential<float> loaded = fnn::onnx::load<float>(file);
  CHECK_FALSE(loaded.training());
  CHECK(summary(loaded, input) == summary(model, input));
  const auto a = state_tensors(model), b = state_tensors(loaded);
  REQUIRE(a.size() == b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    INFO(a[i].first);
    CHECK(b[i].first == a[i].first);
    REQUIRE(b[i].second->shape() == a[i].second->shape());
    CHECK(max_abs_diff(*b[i].second, *a[i].second) == 0.0f);
  }
  CHECK(max_abs_diff(loaded.forward(x), expected) == 0.0f);
}

// One model of every layer fnn writes, in their less common settings.
Sequential<float> every_layer(Rng& rng) {
  Sequential<float> m;
  m.add(Conv2d<float>(Conv2dOptions(3, 6, {3, 5}).stride({2, 1}).padding({1, 2}).dilation({1, 2}).groups(3), rng));
  m.add(BatchNorm2d<float>(6, 1e-3, 0.01));
  m.add(LeakyReLU<float>(0.2));
  m.add(MaxPool2d<float>(3, 2, 1));
  Concat<float> concat;
  concat.add(AvgPool2d<float>(3, 1, 1));
  concat.add(AvgPool2d<float>(3, 1, 1, false));
  concat.add_identity();
  m.add(std::move(concat));
  Add<float> add;
  add.add(Conv2d<float>(18, 18, 1, rng));
  add.add_identity();
  add.add(Conv2d<float>(Conv2dOptions(18, 18, 3).padding(1).bias(false), rng));
  m.add(std::move(add));
  m.add(ELU<float>(0.7));
  Sequential<float> body;
  body.add(Conv2d<float>(18, 18, 3, rng, 1, 1));
  body.add(Sigmoid<float>());
  m.add(Residual<float>(std::move(body)));
  m.add(Tanh<float>());
  m.add(AdaptiveAvgPool2d<float>(1, 1));
  m.add(Flatten<float>());
  m.add(Linear<float>(18, 12, rng, false));
  m.add(BatchNorm1d<float>(12));
  m.add(ReLU<float>());
  m.add(Dropout<float>(0.3, rng));
  m.add(Identity<float>());
  m.add(Linear<float>(12, 5, rng));
  m.add(Softmax<float>());
  randomise_vectors(m, rng);
  m.eval();
  return m;
}

// The message of the exception of type E that f throws; "" when it throws none.
template <class E, class F>
std::string message_of(F f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  return "";
}

// An exported model as a protobuf message to damage, and the file it is written back to: fnn's LeNet,
// or the model in `source`.
struct Exported {
  ::onnx::ModelProto proto;
  std::string file;

  Exported(const test::TempFolder& tmp, const std::string& name) : file(tmp.file(name + ".onnx")) {
    Rng rng(3);
    Sequential<float> model = seed_model("lenet", rng);
    fnn::onnx::save(model, file, {1, 1, 28, 28});
    parse(file);
  }
  Exported(const test::TempFolder& tmp, const std::string& name, const std::string& source)
      : file(tmp.file(name + ".onnx")) {
    parse(source);
  }
  void parse(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(proto.ParseFromIstream(&in));
  }
  // The first node of type `op`.
  ::onnx::NodeProto& first(const std::string& op) {
    auto& list = *proto.mutable_graph()->mutable_node();
    const auto it =
        std::find_if(list.begin(), list.end(), [&](const ::onnx::NodeProto& n) { return n.op_type() == op; });
    REQUIRE(it != list.end());
    return *it;
  }
  // The first node reading `value`.
  ::onnx::NodeProto& reader(const std::string& value) {
    auto& list = *proto.mutable_graph()->mutable_node();
    const auto it = std::find_if(list.begin(), list.end(), [&](const ::onnx::NodeProto& n) {
      return std::find(n.input().begin(), n.input().end(), value) != n.input().end();
    });
    REQUIRE(it != list.end());
    return *it;
  }
  // The Constant node computing `value`.
  ::onnx::NodeProto& constant_node(const std::string& value) {
    auto& list = *proto.mutable_graph()->mutable_node();
    const auto it = std::find_if(list.begin(), list.end(), [&](const ::onnx::NodeProto& n) {
      return n.op_type() == "Constant" && n.output(0) == value;
    });
    REQUIRE(it != list.end());
    return *it;
  }
  ::onnx::TensorProto& initializer(const std::string& name) {
    auto& list = *proto.mutable_graph()->mutable_initializer();
    const auto it =
        std::find_if(list.begin(), list.end(), [&](const ::onnx::TensorProto& t) { return t.name() == name; });
    REQUIRE(it != list.end());
    return *it;
  }
  ::onnx::NodeProto& node(int i) { return *proto.mutable_graph()->mutable_node(i); }
  // Writes the damaged message and expects the load to fail with an IoError saying `what`.
  void refused(const std::string& what) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    REQUIRE(proto.SerializeToOstream(&out));
    out.close();
    CHECK_THAT(message_of<IoError>([&] { fnn::onnx::load<float>(file); }), Contains(file) && Contains(what));
  }
};

}  // namespace

TEST_CASE("Every seed model and ResNet-8 come back from an ONNX file exactly", "[roundtrip]") {
  const test::TempFolder tmp;
  for (const std::string& name : seed_models) {
    INFO(name);
    Rng rng(11);
    Sequential<float> model = seed_model(name, rng);
    check_round_trip(model, {4, 1, 28, 28}, tmp.file(name + ".onnx"));
  }
}

TEST_CASE("Every layer fnn writes to ONNX comes back exactly, in its less common settings", "[roundtrip]") {
  const test::TempFolder tmp;
  Rng rng(12);
  Sequential<float> model = every_layer(rng);
  check_round_trip(model, {2, 3, 12, 14}, tmp.file("every_layer.onnx"));
}

TEST_CASE("A layer without an ONNX equivalent is refused by name and place, and nothing is written", "[save]") {
  const test::TempFolder tmp;
  Rng rng(13);
  const std::string file = tmp.file("refused.onnx");
  Sequential<float> gelu;
  gelu.add(Flatten<float>());
  gelu.add(Linear<float>(4, 4, rng));
  gelu.add(GELU<float>());
  CHECK_THAT(message_of<ValueError>([&] {
               fnn::onnx::save(gelu, file, {1, 4});
             }),
             Contains("layer 2, GELU(approximate='none'), has no ONNX equivalent"));
  Sequential<float> pooled;
  Sequential<float> body;
  body.add(AdaptiveAvgPool2d<float>(2, 2));
  pooled.add(Residual<float>(std::move(body)));
  CHECK_THAT(message_of<ValueError>([&] {
               fnn::onnx::save(pooled, file, {1, 3, 2, 2});
             }),
             Contains("layer 0.body.0, AdaptiveAvgPool2d(output_size=(2, 2))"));
  CHECK_THROWS_AS(fnn::onnx::save(gelu, file, {1, 5}), ShapeError);  // the model does not take that input
  CHECK_FALSE(fs::exists(file));
}

TEST_CASE("A damaged or hostile ONNX file is refused with an IoError naming the file and the reason", "[load]") {
  const test::TempFolder tmp;
  const std::string missing = tmp.file("missing.onnx");
  CHECK_THAT(message_of<IoError>([&] { fnn::onnx::load<float>(missing); }),
             Contains(missing) && Contains("cannot open"));

  SECTION("a truncated file") {
    Exported e(tmp, "truncated");
    const auto size = fs::file_size(e.file);
    fs::resize_file(e.file, size / 2);
    CHECK_THAT(message_of<IoError>([&] { fnn::onnx::load<float>(e.file); }), Contains("damaged or truncated"));
  }
  SECTION("a file of another kind") {
    std::ofstream(tmp.file("text.onnx")) << "not a model\n";
    CHECK_THROWS_AS(fnn::onnx::load<float>(tmp.file("text.onnx")), IoError);
  }
  SECTION("raw data shorter than the extents say") {
    Exported e(tmp, "short");
    auto& w = e.initializer("0.weight");
    w.set_raw_data(w.raw_data().substr(4));
    e.refused("tensor '0.weight': 596 bytes of raw data for 150 elements");
  }
  SECTION("weights in an external file") {
    Exported e(tmp, "external");
    e.initializer("7.weight").set_data_location(::onnx::TensorProto::EXTERNAL);
    e.refused("tensor '7.weight': its data is in an external file");
  }
  SECTION("absurd extents") {
    Exported e(tmp, "absurd");
    e.initializer("7.bias").set_dims(0, std::int64_t(1) << 40);
    e.refused("tensor '7.bias': extent 1099511627776");
    Exported input(tmp, "absurd_input");
    input.proto.mutable_graph()
        ->mutable_input(0)
        ->mutable_type()
        ->mutable_tensor_type()
        ->mutable_shape()
        ->mutable_dim(2)
        ->set_dim_value(std::int64_t(1) << 40);
    input.refused("every extent after the batch axis must be given, from 1 to 2^24");
  }
  SECTION("a weight that does not fit its input") {
    Exported e(tmp, "misfit");
    auto& w = e.initializer("3.weight");  // Conv2d(6, 12, 5) [12, 6, 5, 5], read as Conv2d(12, 6, 5)
    w.set_dims(0, 6);
    w.set_dims(1, 12);
    e.node(3).mutable_input()->RemoveLast();  // its bias, which would not fit first
    e.refused("node 3 of 12 '3' (Conv): Conv2d(12, 6, kernel_size=5");
  }
  SECTION("an operator fnn does not have, named with its position") {
    Exported e(tmp, "operator");
    e.node(1).set_op_type("Cos");
    e.refused("node 1 of 12 '1' (Cos): is not an operator fnn reads");
  }
  SECTION("an attribute fnn's layer does not have") {
    Exported e(tmp, "attribute");
    auto& ceil = *e.node(2).add_attribute();
    ceil.set_name("ceil_mode");
    ceil.set_type(::onnx::AttributeProto::INT);
    ceil.set_i(1);
    e.refused("node 2 of 12 '2' (MaxPool): ceil_mode = 1 is not supported");
  }
  SECTION("padding that differs between the sides") {
    Exported e(tmp, "pads");
    for (auto& a : *e.node(0).mutable_attribute()) {
      if (a.name() == "pads") a.set_ints(2, 1);
    }
    e.refused("(Conv): padding that differs between the two sides");
  }
  SECTION("a node off the path from input to output") {
    Exported e(tmp, "dangling");
    auto& extra = *e.proto.mutable_graph()->add_node();
    extra.set_op_type("Relu");
    extra.add_input("1");
    extra.add_output("dangling");
    e.refused("node 2 of 13 '2' (MaxPool) begins a path from '1' that ends without meeting the others");
  }
  SECTION("an operator set outside 11 to 17") {
    Exported e(tmp, "opset");
    e.proto.mutable_opset_import(0)->set_version(7);
    e.refused("operator set 7 of the default domain; fnn reads 11 to 17");
  }
}

TEST_CASE("MatMul with an Add of a bias becomes a Linear", "[load]") {
  // torch.onnx.export writes a Linear this way for inputs of rank 3; here the Gemm of the MLP's first
  // Linear is rewritten into that form, with its weight transposed.
  const test::TempFolder tmp;
  Rng rng(14);
  Sequential<float> model = seed_model("mlp", rng);
  const std::string file = tmp.file("matmul.onnx");
  fnn::onnx::save(model, file, {2, 1, 28, 28});
  ::onnx::ModelProto proto;
  {
    std::ifstream in(file, std::ios::binary);
    REQUIRE(proto.ParseFromIstream(&in));
  }
  ::onnx::GraphProto& graph = *proto.mutable_graph();
  REQUIRE(graph.node(1).op_type() == "Gemm");
  for (auto& t : *graph.mutable_initializer()) {
    if (t.name() != "1.weight") continue;
    const fnn::onnx::Constant w = fnn::onnx::read_constant(t);
    Tensor<float> transposed({w.dims[1], w.dims[0]});
    for (Index o = 0; o < w.dims[0]; ++o)
      for (Index i = 0; i < w.dims[1]; ++i) transposed(i, o) = w.floats[static_cast<std::size_t>(o * w.dims[1] + i)];
    t.Clear();
    fnn::onnx::write_constant(t, "1.weight", transposed);
  }
  ::onnx::NodeProto& gemm = *graph.mutable_node(1);
  gemm.set_op_type("MatMul");
  gemm.clear_attribute();
  gemm.mutable_input()->RemoveLast();  // the bias, now the Add's
  gemm.set_output(0, "1.matmul");
  ::onnx::NodeProto& add = *graph.add_node();
  add.set_op_type("Add");
  add.add_input("1.matmul");
  add.add_input("1.bias");
  add.add_output("1");
  for (int i = graph.node_size() - 1; i > 2; --i) graph.mutable_node()->SwapElements(i, i - 1);
  {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    REQUIRE(proto.SerializeToOstream(&out));
  }
  Sequential<float> loaded = fnn::onnx::load<float>(file);
  CHECK(summary(loaded, {2, 1, 28, 28}) == summary(model, {2, 1, 28, 28}));
  const Tensor<float> x = test::random_normal<float>({2, 1, 28, 28}, rng);
  CHECK(max_abs_diff(loaded.forward(x), model.forward(x)) == 0.0f);
}

TEST_CASE("The seed models, trained briefly, are exported with test images and fnn's outputs", "[export]") {
  // A few steps of training on real images make the weights the export carries non-initial ones, and
  // the classes of the test images no ties.
  const fs::path dir = fs::path(FNN_ONNX_DATA_DIR) / "exports";
  fs::create_directories(dir);
  const data::Normalize normalize = data::mnist_normalization;
  const Tensor<float> x = test_images(32, normalize);
  Rng rng(15);
  const data::Dataset train_set = training_subset(128, rng);
  for (const std::string& name : seed_models) {
    INFO(name);
    Sequential<float> model = seed_model(name, rng);
    const auto [before, after] = train_epoch(model, train_set, normalize, rng);
    CHECK(after < before);
    model.eval();
    const Tensor<float> y = model.forward(x);
    fnn::onnx::save(model, (dir / (name + ".onnx")).string(), x.shape());
    write_tensor_file<float>((dir / (name + ".fnnt")).string(), {{"input", &x}, {"output", &y}});
  }
}

TEST_CASE("PyTorch's exports compute PyTorch's outputs in fnn on test images, and fine-tune", "[pytorch]") {
  const fs::path dir = fs::path(FNN_ONNX_DATA_DIR) / "pytorch";
  std::vector<std::string> names = seed_models;
  names.insert(names.end(), activation_models.begin(), activation_models.end());
  Rng rng(16);
  const data::Dataset train_set = training_subset(512, rng);
  for (const std::string& name : names) {
    INFO(name);
    const auto data = read_tensor_file<float>((dir / (name + ".fnnt")).string());
    REQUIRE(data.size() == 4);
    const Tensor<float>& x = data[0].tensor;
    const Tensor<float>& expected = data[1].tensor;
    const data::Normalize normalize{data[2].tensor[0], data[2].tensor[1]};
    Sequential<float> model = fnn::onnx::load<float>((dir / (name + ".onnx")).string());
    const Tensor<float> y = model.forward(x);
    REQUIRE(y.shape() == expected.shape());
    const float difference = relative_difference(y, expected);
    std::printf("%s: fnn's outputs differ from PyTorch's by %.2e of the largest\n", name.c_str(), difference);
    CHECK(difference <= 1e-4f);
    CHECK(classes(y) == classes(expected));
    if (name.rfind("activations", 0) == 0) {  // SiLU, a Residual whose body begins with GELU, tanh GELU
      CHECK_THAT(summary(model, x.shape()), Contains("SiLU()") && Contains("GELU(approximate='tanh')"));
      auto& body = dynamic_cast<Sequential<float>&>(dynamic_cast<Residual<float>&>(model[2]).body());
      CHECK(body[0].name() == "GELU(approximate='none')");
    }
    // An epoch of fine-tuning on training images lowers their loss: the imported model is one fnn trains.
    const auto [before, after] = train_epoch(model, train_set, normalize, rng);
    std::printf("%s: an epoch of fine-tuning on %lld images takes the loss from %.4f to %.4f\n", name.c_str(),
                static_cast<long long>(train_set.size()), before, after);
    CHECK(after < before);
  }
}

TEST_CASE("A GELU or SiLU that differs from PyTorch's form in one node is refused, naming a node of it", "[pytorch]") {
  const test::TempFolder tmp;
  const std::string source = (fs::path(FNN_ONNX_DATA_DIR) / "pytorch" / "activations_opset13.onnx").string();
  const std::string refusal = ": is not part of a GELU (0.5 * x * (1 + erf(x / sqrt(2))), or its tanh form) or a SiLU";
  SECTION("GELU's last factor 0.6, not 0.5") {
    Exported e(tmp, "half", source);
    ::onnx::NodeProto& last = e.reader(e.reader(e.reader(e.first("Erf").output(0)).output(0)).output(0));
    ::onnx::TensorProto& half = *e.constant_node(last.input(1)).mutable_attribute(0)->mutable_t();
    const float changed = 0.6f;
    half.Clear();
    fnn::onnx::write_constant(half, "", std::vector<Index>{}, &changed);
    e.refused("'" + e.first("Div").name() + "' (Div)" + refusal);
  }
  SECTION("GELU with Tanh where Erf should be") {
    Exported e(tmp, "erf", source);
    e.first("Erf").set_op_type("Tanh");
    e.refused("'" + e.first("Div").name() + "' (Div)" + refusal);
  }
  SECTION("SiLU's Mul of the sigmoid by itself") {
    Exported e(tmp, "silu", source);
    ::onnx::NodeProto& sigmoid = e.first("Sigmoid");
    for (auto& n : *e.proto.mutable_graph()->mutable_node()) {
      if (n.op_type() == "Mul" && n.input(1) == sigmoid.output(0)) n.set_input(0, sigmoid.output(0));
    }
    e.refused(std::string("(Mul)") + refusal);
  }
}
