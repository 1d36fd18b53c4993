#!/usr/bin/env python3
"""PyTorch's side of benchmarks/compare.py: the same measurements as fnn_throughput
(benchmarks/throughput/main.cpp), on the same model, printed as one JSON object.

  train_images_per_second      one pass over the first --images training images at the seed's batch size:
                               shuffling, conversion to float, forward, loss, backward, optimizer
  inference_images_per_second  forward passes over a batch of 1000 test images under torch.no_grad() in
                               eval mode (median)
  latency_us                   one test image through the model (median)
  train_peak_rss_mb            the process's peak resident memory after training (before inference)
  peak_rss_mb                  the process's peak resident memory at the end

The data set is read once into uint8 tensors (as fnn's Dataset holds it); each batch is gathered from a
fresh random permutation and scaled to [0, 1] in float32, which is what fnn's DataLoader does. (The seeds'
torchvision DataLoader with ToTensor converts image by image through PIL and is many times slower; it
would measure torchvision, not PyTorch's training.)

Usage: /usr/bin/python3 throughput.py --model lenet --threads 2 [--images N] [--data DIR]
"""
import argparse
import gzip
import json
import os
import resource
import statistics
import sys
import time

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from seed_models import BENCHMARKS  # noqa: E402


def read_idx(path, magic, dims):
    with gzip.open(path, "rb") as f:
        data = f.read()
    found = int.from_bytes(data[0:4], "big")
    if found != magic:
        raise SystemExit(f"{path}: magic number {found:#x}, expected {magic:#x}")
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return torch.from_numpy(np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape).copy())


def load(folder, prefix):
    images = read_idx(os.path.join(folder, f"{prefix}-images-idx3-ubyte.gz"), 0x803, 3)
    labels = read_idx(os.path.join(folder, f"{prefix}-labels-idx1-ubyte.gz"), 0x801, 1).long()
    return images, labels


def batches(images, labels, batch_size, generator):
    order = torch.randperm(len(labels), generator=generator)
    for start in range(0, len(labels), batch_size):
        index = order[start:start + batch_size]
        yield images[index].unsqueeze(1).float().div_(255), labels[index]


def train_pass(model, optimizer, loss_fn, images, labels, batch_size, generator):
    model.train()
    correct = 0
    for x, y in batches(images, labels, batch_size, generator):
        optimizer.zero_grad()
        scores = model(x)
        loss = loss_fn(scores, y)
        loss.backward()
        optimizer.step()
        correct += (scores.argmax(1) == y).sum().item()
    return correct


def median_seconds(repeats, run):
    run()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, choices=sorted(BENCHMARKS))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--images", type=int, default=0, help="training images in the timed pass (0: all)")
    parser.add_argument("--inference-repeats", type=int, default=20)
    parser.add_argument("--latency-repeats", type=int, default=2000)
    parser.add_argument("--data", default=os.environ.get("FNN_DATA", "/usr/share/datasets/fashion-mnist"))
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    architecture, batch_size, optimizer_name, lr, log_softmax = BENCHMARKS[args.model]
    train_images, train_labels = load(args.data, "train")
    test_images, _ = load(args.data, "t10k")
    if 0 < args.images < len(train_labels):
        train_images, train_labels = train_images[:args.images], train_labels[:args.images]

    model = architecture()
    if optimizer_name == "adam":
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    loss_fn = nn.NLLLoss() if log_softmax else nn.CrossEntropyLoss()
    generator = torch.Generator().manual_seed(1)

    warm_up = 20 * batch_size
    train_pass(model, optimizer, loss_fn, train_images[:warm_up], train_labels[:warm_up], batch_size, generator)
    start = time.perf_counter()
    correct = train_pass(model, optimizer, loss_fn, train_images, train_labels, batch_size, generator)
    train_seconds = time.perf_counter() - start
    train_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    model.eval()
    batch = test_images[:1000].unsqueeze(1).float().div_(255)
    one = batch[:1].clone()
    with torch.no_grad():
        batch_seconds = median_seconds(args.inference_repeats, lambda: model(batch))
        single_seconds = median_seconds(args.latency_repeats, lambda: model(one))

    print(json.dumps({
        "framework": "pytorch",
        "torch": torch.__version__,
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY", ""),
        "model": args.model,
        "threads": args.threads,
        "batch_size": batch_size,
        "train_images": len(train_labels),
        "train_accuracy": correct / len(train_labels),
        "train_images_per_second": len(train_labels) / train_seconds,
        "inference_images_per_second": 1000 / batch_seconds,
        "latency_us": single_seconds * 1e6,
        "train_peak_rss_mb": train_peak_mb,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }))


if __name__ == "__main__":
    main()
