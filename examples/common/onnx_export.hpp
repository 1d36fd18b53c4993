#pragma once
// --export-onnx FILE: finish_run writes the trained model as an ONNX file too, for other runtimes. The
// examples are built with it when fnn's ONNX component is (onnx_export.cpp compiled with FNN_EXAMPLES_ONNX);
// without it the flag is refused when the flags are read, before any training.
#include <CLI/CLI.hpp>
#include <fnn/fnn.hpp>
#include <string>

namespace example {

// The flag's check: a build without the ONNX component refuses it.
CLI::Validator onnx_export_possible();

// Writes `model` to `path` for inputs of `input_shape`, whose batch axis becomes any size. The file is
// written atomically: a model with a layer ONNX has no equivalent for, or a failed write, leaves any
// previous file in place.
void export_onnx(fnn::Sequential<float>& model, const std::string& path, const fnn::Shape& input_shape);

}  // namespace example
