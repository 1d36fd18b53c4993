// --export-onnx (onnx_export.hpp): fnn::onnx::save where the examples are built with fnn's ONNX component.
#include "common/onnx_export.hpp"

#include <iostream>

#ifdef FNN_EXAMPLES_ONNX
#include <fnn/onnx.hpp>
#endif

namespace example {

namespace {

#ifdef FNN_EXAMPLES_ONNX
constexpr bool built_with_onnx = true;
#else
constexpr bool built_with_onnx = false;
#endif

constexpr const char* not_built =
    "these examples are built without fnn's ONNX component (install libonnx-dev and libprotobuf-dev, then "
    "configure and build again)";

}  // namespace

CLI::Validator onnx_export_possible() {
  return CLI::Validator([](const std::string&) { return built_with_onnx ? std::string() : std::string(not_built); },
                        "FILE");
}

void export_onnx(fnn::Sequential<float>& model, const std::string& path, const fnn::Shape& input_shape) {
#ifdef FNN_EXAMPLES_ONNX
  fnn::onnx::save(model, path, input_shape);
  std::cout << "ONNX model: " << path << std::endl;
#else
  (void)model;
  (void)input_shape;
  throw fnn::UsageError("--export-onnx " + path + ": " + not_built);
#endif
}

}  // namespace example
