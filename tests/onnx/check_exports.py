#!/usr/bin/env python3
"""Checks fnn's ONNX exports with software fnn did not write (tests/onnx/CMakeLists.txt runs it after
test_onnx's [export] test has written them).

For every <model>.onnx in DIR, beside <model>.fnnt (an fnn tensor file holding "input", a batch, and
"output", fnn's output for it):
  - onnx.checker.check_model(full_check=True) accepts the file, and ONNX's shape inference, strict,
    gives the graph's output the shape fnn computed (the batch axis symbolic);
  - OpenCV's ONNX importer (cv2.dnn.readNetFromONNX) runs it on the same batch: its outputs are within
    1e-4 of fnn's and give the same class for every image.

Usage: /usr/bin/python3 check_exports.py DIR        Needs onnx, OpenCV's Python module and numpy
(Debian: python3-onnx, python3-opencv).
"""
import glob
import os
import struct
import sys
import zlib

import cv2
import numpy as np
import onnx

TOLERANCE = 1e-4


def read_tensor_file(path):
    """The tensors of an fnn tensor file (include/fnn/io/tensor_file.hpp), by name, as float32 arrays."""
    with open(path, "rb") as f:
        data = f.read()
    magic, version, count, size, crc = struct.unpack_from("<8sIIQI", data)
    payload = data[28:]
    if magic != b"FNNTENSR" or version != 1 or size != len(payload) or zlib.crc32(payload) & 0xFFFFFFFF != crc:
        raise ValueError(f"{path}: not a version-1 fnn tensor file, or damaged")
    tensors, at = {}, 0
    for _ in range(count):
        (length,) = struct.unpack_from("<H", payload, at)
        name = payload[at + 2:at + 2 + length].decode("utf-8")
        at += 2 + length
        dtype, rank = struct.unpack_from("<BB", payload, at)
        shape = struct.unpack_from(f"<{rank}Q", payload, at + 2)
        at += 2 + 8 * rank
        if dtype != 1:
            raise ValueError(f"{path}: tensor {name} is not float32")
        n = int(np.prod(shape))
        tensors[name] = np.frombuffer(payload, dtype="<f4", count=n, offset=at).reshape(shape)
        at += 4 * n
    return tensors


def check(path):
    name = os.path.basename(path)[:-len(".onnx")]
    data = read_tensor_file(path[:-len(".onnx")] + ".fnnt")
    x, expected = data["input"], data["output"]

    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    inferred = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    dims = [d.dim_param or d.dim_value for d in inferred.graph.output[0].type.tensor_type.shape.dim]
    if dims != ["N", *expected.shape[1:]]:
        return f"{name}: shape inference gives the output {dims}, fnn computes [N, {', '.join(map(str, expected.shape[1:]))}]"

    net = cv2.dnn.readNetFromONNX(path)
    net.setInput(np.ascontiguousarray(x))
    got = net.forward()
    error = float(np.max(np.abs(got - expected)))
    same_classes = bool(np.all(got.argmax(axis=1) == expected.argmax(axis=1)))
    print(f"{name}: onnx.checker and shape inference pass; OpenCV's outputs differ from fnn's by at most "
          f"{error:.2e}, {'the same' if same_classes else 'different'} classes")
    if got.shape != expected.shape or not error <= TOLERANCE or not same_classes:
        return f"{name}: OpenCV's outputs {got.shape} differ from fnn's {expected.shape} by {error:.2e} (> {TOLERANCE})"
    return None


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    paths = sorted(glob.glob(os.path.join(sys.argv[1], "*.onnx")))
    if not paths:
        sys.exit(f"no .onnx files in {sys.argv[1]}")
    failures = [f for f in (check(p) for p in paths) if f]
    for f in failures:
        print("FAILED:", f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
