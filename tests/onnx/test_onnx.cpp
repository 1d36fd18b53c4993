// ONNX export and import (include/fnn/onnx/): models come back from an ONNX file exactly, layers
// without an ONNX equivalent are refused by name, damaged and hostile files are refused cleanly.
// Two groups of tests work with software fnn did not write (tests/onnx/CMakeLists.txt):
//   [export]   writes the seed models, a batch and fnn's outputs for check_exports.py, which checks the
//              files with onnx.checker and runs them in OpenCV;
//   [pytorch]  reads make_pytorch_models.py's exports of the same models by torch.onnx.export: fnn's
//              outputs agree with PyTorch's to 1e-4 relative, and the imported model trains.
#include <algorithm>
#include <catch2/catch.hpp>
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

// An exported model as a protobuf message to damage, and the file it is written back to.
struct Exported {
  ::onnx::ModelProto proto;
  std::string file;

  Exported(const test::TempFolder& tmp, const std::string& name) : file(tmp.file(name + ".onnx")) {
    Rng rng(3);
    Sequential<float> model = seed_model("lenet", rng);
    fnn::onnx::save(model, file, {1, 1, 28, 28});
    std::ifstream in(file, std::ios::binary);
    REQUIRE(proto.ParseFromIstream(&in));
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

TEST_CASE("The seed models are exported with a batch and fnn's outputs for check_exports.py", "[export]") {
  const fs::path dir = fs::path(FNN_ONNX_DATA_DIR) / "exports";
  fs::create_directories(dir);
  Rng rng(15);
  const Tensor<float> x = test::random_normal<float>({8, 1, 28, 28}, rng);
  for (const std::string& name : seed_models) {
    Sequential<float> model = seed_model(name, rng);
    const Tensor<float> y = model.forward(x);
    fnn::onnx::save(model, (dir / (name + ".onnx")).string(), x.shape());
    write_tensor_file<float>((dir / (name + ".fnnt")).string(), {{"input", &x}, {"output", &y}});
  }
}

TEST_CASE("PyTorch's exports of the seed models compute PyTorch's outputs in fnn, and train", "[pytorch]") {
  const fs::path dir = fs::path(FNN_ONNX_DATA_DIR) / "pytorch";
  for (const std::string& name : seed_models) {
    INFO(name);
    const auto data = read_tensor_file<float>((dir / (name + ".fnnt")).string());
    REQUIRE(data.size() == 2);
    const Tensor<float>& x = data[0].tensor;
    const Tensor<float>& expected = data[1].tensor;
    Sequential<float> model = fnn::onnx::load<float>((dir / (name + ".onnx")).string());
    const Tensor<float> y = model.forward(x);
    REQUIRE(y.shape() == expected.shape());
    const float scale = expected.array().abs().maxCoeff();
    CHECK(max_abs_diff(y, expected) <= 1e-4f * scale);

    // A few steps of SGD on the batch lower its loss: the imported model is one fnn can fine-tune. The
    // model stays in evaluation mode (BatchNorm's statistics frozen, no Dropout), so that each step's
    // loss is the one the step lowers.
    const bool log_probabilities = dynamic_cast<LogSoftmax<float>*>(&model[model.size() - 1]) != nullptr;
    Targets labels;
    for (Index n = 0; n < x.size(0); ++n) labels.push_back(static_cast<std::int32_t>(n % 10));
    NLLLoss<float> nll;
    CrossEntropyLoss<float> cross_entropy;
    auto loss = [&](const Tensor<float>& out) {
      return log_probabilities ? nll.forward(out, labels) : cross_entropy.forward(out, labels);
    };
    const float before = loss(y);
    SGD<float> sgd(model.parameters(), SGDOptions().lr(0.01));
    for (int step = 0; step < 5; ++step) {
      sgd.zero_grad();
      loss(model.forward(x));
      model.backward(log_probabilities ? nll.backward() : cross_entropy.backward());
      sgd.step();
    }
    CHECK(loss(model.forward(x)) < before);
  }
}
