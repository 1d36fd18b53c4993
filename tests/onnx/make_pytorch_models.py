#!/usr/bin/env python3
"""PyTorch's models for fnn's ONNX import test (tests/onnx/test_onnx.cpp, the [pytorch] tests).

Builds each seed model of benchmarks/pytorch/seed_models.py and a ResNet-8 (the ResNet of
include/fnn/extras/models/fashion_mnist.hpp, from the parity test's basic blocks) in PyTorch, with
BatchNorm's weights and running statistics randomised, trains it for a few steps on real Fashion-MNIST
training images (so that its weights are not the initial ones and its classes are not ties), and exports
it in evaluation mode with torch.onnx.export, as a user would: opset 13, a dynamic batch axis, constants
folded (which folds each BatchNorm2d into the convolution before it). A small CNN with SiLU, GELU (in a
residual branch) and the tanh GELU, the activations PyTorch decomposes into several nodes, is exported
the same way at opsets 11, 13 and 17. For each it writes to OUTDIR

    <model>.onnx    the export
    <model>.fnnt    an fnn tensor file: "input" [32, 1, 28, 28], the first 32 test images of
                    Fashion-MNIST normalised by "normalize" [2] (mean and deviation of a pixel in [0, 1]),
                    "output" [32, 10], PyTorch's logits (or log-probabilities) for them, and "labels" [32]

Usage: /usr/bin/python3 make_pytorch_models.py OUTDIR        Needs PyTorch, numpy and Fashion-MNIST in
$FNN_DATA, or /usr/share/datasets/fashion-mnist when that is not set (as fnn::data::default_data_dir).
"""
import os
import sys

import torch
from torch import nn

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "parity"))
sys.path.insert(0, os.path.join(here, "..", "..", "benchmarks", "pytorch"))
from make_parity_data import (PIXEL_MEAN, PIXEL_STD, Residual, basic_block, randomise_batchnorm,  # noqa: E402
                              write_tensor_file)
from seed_models import cnn_20_50, lenet, mlp, mlp_dropout, vgg_like_bn  # noqa: E402
from throughput import load  # noqa: E402

BATCH = 32                   # test images in the file
STEPS, STEP_BATCH = 10, 32   # the short training before the export


def resnet8():
    # fnn::models::resnet(rng, 1): a stem, three stages of one basic block each, pooling and a Linear.
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
        basic_block(16, 16, 1), nn.ReLU(),
        basic_block(16, 32, 2), nn.ReLU(),
        basic_block(32, 64, 2), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))


def activations():
    # Not a seed: every activation that torch.onnx.export writes as several nodes, one of them where
    # its input also feeds a residual branch's sum.
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, stride=2, padding=1), nn.SiLU(),
        Residual(nn.Sequential(nn.GELU(), nn.Conv2d(8, 8, 3, padding=1))), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(8 * 7 * 7, 32), nn.GELU(approximate="tanh"), nn.Linear(32, 10))


# name: (model, operator set)
MODELS = {"lenet": (lenet, 13), "mlp_dropout": (mlp_dropout, 13), "cnn_20_50": (cnn_20_50, 13), "mlp": (mlp, 13),
          "vgg_like_bn": (vgg_like_bn, 13), "resnet8": (resnet8, 13), "activations_opset11": (activations, 11),
          "activations_opset13": (activations, 13), "activations_opset17": (activations, 17)}


def normalised(images):
    return (images.unsqueeze(1).float() / 255 - PIXEL_MEAN) / PIXEL_STD


def train_briefly(model, images, labels, generator):
    loss_fn = nn.NLLLoss() if isinstance(model[-1], nn.LogSoftmax) else nn.CrossEntropyLoss()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    model.train()
    for _ in range(STEPS):
        index = torch.randint(0, len(labels), (STEP_BATCH,), generator=generator)
        optimizer.zero_grad()
        loss_fn(model(normalised(images[index])), labels[index]).backward()
        optimizer.step()


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    torch.set_num_threads(1)
    data = os.environ.get("FNN_DATA") or "/usr/share/datasets/fashion-mnist"
    train_images, train_labels = load(data, "train")
    test_images, test_labels = load(data, "t10k")
    x, labels = normalised(test_images[:BATCH]), test_labels[:BATCH]
    normalize = torch.tensor([PIXEL_MEAN, PIXEL_STD])
    for index, (name, (build, opset)) in enumerate(MODELS.items()):
        torch.manual_seed(100 + index)
        model = build()
        randomise_batchnorm(model, torch.Generator().manual_seed(200 + index))
        train_briefly(model, train_images, train_labels, torch.Generator().manual_seed(300 + index))
        model.eval()
        with torch.no_grad():
            y = model(x)
        path = os.path.join(outdir, name + ".onnx")
        torch.onnx.export(model, x, path + ".tmp", opset_version=opset, input_names=["input"],
                          output_names=["output"], dynamic_axes={"input": {0: "N"}, "output": {0: "N"}})
        os.replace(path + ".tmp", path)
        write_tensor_file(os.path.join(outdir, name + ".fnnt"),
                          [("input", x.numpy()), ("output", y.numpy()), ("normalize", normalize.numpy()),
                           ("labels", labels.float().numpy())])
        print(f"{name}: exported to {path} (opset {opset})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
