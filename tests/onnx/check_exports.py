#!/usr/bin/env python3
"""Checks fnn's ONNX exports with software fnn did not write (tests/onnx/CMakeLists.txt runs it after
test_onnx's [export] test has written them).

For every <model>.onnx in DIR, beside <model>.fnnt (an fnn tensor file holding "input", a batch, and
"output", fnn's output for it):
  - onnx.checker.check_model(full_check=True) accepts the file, and ONNX's shape inference, strict,
    gives the graph's output the shape fnn computed (the batch axis symbolic);
  - OpenCV's ONNX importer (cv2.dnn.readNetFromONNX) runs it on the same batch: its outputs are within
    1e-4 of fnn's and give the same class for every image.

With --model, it checks one ONNX file of a model trained by fnn (an example's --export-onnx) against
real data instead: onnx.checker and shape inference accept it, with 10 scores an image, and in OpenCV it
classifies Fashion-MNIST's first 1000 test images ($FNN_DATA, or /usr/share/datasets/fashion-mnist when
that is not set, as fnn::data::default_data_dir), normalised by MEAN and STD, with at least ACCURACY.

Usage: /usr/bin/python3 check_exports.py DIR
       /usr/bin/python3 check_exports.py --model FILE --mean MEAN --std STD --accuracy ACCURACY
Needs onnx, OpenCV's Python module and numpy (Debian: python3-onnx, python3-opencv).
"""
import argparse
import glob
import gzip
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


def read_idx(path, dims):
    """The array in a gzip IDX file of unsigned bytes with `dims` extents."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def check_file(path, output_shape):
    """None when onnx.checker and strict shape inference accept the file and give its output
    [N, *output_shape]; else what is wrong."""
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    inferred = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    dims = [d.dim_param or d.dim_value for d in inferred.graph.output[0].type.tensor_type.shape.dim]
    if dims != ["N", *output_shape]:
        return f"{path}: shape inference gives the output {dims}, not [N, {', '.join(map(str, output_shape))}]"
    return None


def check(path):
    name = os.path.basename(path)[:-len(".onnx")]
    data = read_tensor_file(path[:-len(".onnx")] + ".fnnt")
    x, expected = data["input"], data["output"]

    failure = check_file(path, expected.shape[1:])
    if failure:
        return failure

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


def check_trained(path, mean, std, least_accuracy):
    failure = check_file(path, [10])
    if failure:
        return failure
    folder = os.environ.get("FNN_DATA") or "/usr/share/datasets/fashion-mnist"
    images = read_idx(os.path.join(folder, "t10k-images-idx3-ubyte.gz"), 3)[:1000]
    labels = read_idx(os.path.join(folder, "t10k-labels-idx1-ubyte.gz"), 1)[:1000]
    net = cv2.dnn.readNetFromONNX(path)
    net.setInput(np.ascontiguousarray(((images / 255.0 - mean) / std)[:, None].astype(np.float32)))
    accuracy = float(np.mean(net.forward().argmax(axis=1) == labels))
    print(f"{path}: onnx.checker and shape inference pass; OpenCV classifies {accuracy:.2%} of 1000 test images")
    if not accuracy >= least_accuracy:
        return f"{path}: OpenCV's accuracy {accuracy:.2%} is below {least_accuracy:.2%}"
    return None


def main():
    if len(sys.argv) > 2:
        parser = argparse.ArgumentParser(usage=__doc__)
        parser.add_argument("--model", required=True)
        parser.add_argument("--mean", type=float, required=True)
        parser.add_argument("--std", type=float, required=True)
        parser.add_argument("--accuracy", type=float, required=True)
        args = parser.parse_args()
        failure = check_trained(args.model, args.mean, args.std, args.accuracy)
        if failure:
            print("FAILED:", failure)
        return 1 if failure else 0
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
