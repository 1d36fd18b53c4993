#pragma once
// fnn's ONNX component, beside the core (<fnn/fnn.hpp>): models to and from ONNX files, on Debian's
// libonnx-dev and protobuf. Link the CMake target fnn::onnx (find_package(fnn COMPONENTS onnx)).
//   onnx/save.hpp           fnn::onnx::save(model, path, input_shape): an fnn model as an ONNX file
//   onnx/load.hpp           fnn::onnx::load<Scalar>(path): an ONNX file as an fnn Sequential
//   onnx/tensor_proto.hpp   ONNX's tensors to and from fnn's, checked
#include "fnn/fnn.hpp"
#include "fnn/onnx/load.hpp"
#include "fnn/onnx/save.hpp"
#include "fnn/onnx/tensor_proto.hpp"
