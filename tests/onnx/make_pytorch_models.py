#!/usr/bin/env python3
"""PyTorch's models for fnn's ONNX import test (tests/onnx/test_onnx.cpp, the [pytorch] tests).

Builds each seed model of benchmarks/pytorch/seed_models.py and a ResNet-8 (the ResNet of
include/fnn/extras/models/fashion_mnist.hpp, from the parity test's basic blocks) in PyTorch, with
BatchNorm's weights and running statistics randomised, and exports it in evaluation mode with
torch.onnx.export, as a user would: opset 13, a dynamic batch axis, constants folded (which folds each
BatchNorm2d into the convolution before it). For each it writes to OUTDIR

    <model>.onnx    the export
    <model>.fnnt    an fnn tensor file: "input" [8, 1, 28, 28], the parity test's fixed batch, and
                    "output" [8, 10], PyTorch's logits (or log-probabilities) for it

Usage: /usr/bin/python3 make_pytorch_models.py OUTDIR        Needs PyTorch and numpy.
"""
import os
import sys

import torch
from torch import nn

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "parity"))
sys.path.insert(0, os.path.join(here, "..", "..", "benchmarks", "pytorch"))
from make_parity_data import basic_block, fixed_batch, randomise_batchnorm, write_tensor_file  # noqa: E402
from seed_models import cnn_20_50, lenet, mlp, mlp_dropout, vgg_like_bn  # noqa: E402


def resnet8():
    # fnn::models::resnet(rng, 1): a stem, three stages of one basic block each, pooling and a Linear.
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
        basic_block(16, 16, 1), nn.ReLU(),
        basic_block(16, 32, 2), nn.ReLU(),
        basic_block(32, 64, 2), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


MODELS = {"lenet": lenet, "mlp_dropout": mlp_dropout, "cnn_20_50": cnn_20_50, "mlp": mlp,
          "vgg_like_bn": vgg_like_bn, "resnet8": resnet8}


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    torch.set_num_threads(1)
    x, _ = fixed_batch()
    for index, (name, build) in enumerate(MODELS.items()):
        torch.manual_seed(100 + index)
        model = build()
        randomise_batchnorm(model, torch.Generator().manual_seed(200 + index))
        model.eval()
        with torch.no_grad():
            y = model(x)
        path = os.path.join(outdir, name + ".onnx")
        torch.onnx.export(model, x, path + ".tmp", opset_version=13, input_names=["input"],
                          output_names=["output"], dynamic_axes={"input": {0: "N"}, "output": {0: "N"}})
        os.replace(path + ".tmp", path)
        write_tensor_file(os.path.join(outdir, name + ".fnnt"), [("input", x.numpy()), ("output", y.numpy())])
        print(f"{name}: exported to {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
