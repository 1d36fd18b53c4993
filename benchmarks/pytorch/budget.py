#!/usr/bin/env python3
"""The recipe of examples/fashion_mnist_budget in PyTorch: the VGG-like model with BatchNorm trained on
Fashion-MNIST within a wall-clock budget, from the first training step to the final test accuracy,
evaluations included (loading the data is not counted), for the side-by-side comparison with fnn.

The same recipe: SGD with Nesterov momentum 0.9 and weight decay 5e-4 on the weights only (none on biases
and BatchNorm), a one-cycle schedule (cosine warm-up over 30% from lr/25 to lr, cosine down to lr/25e4) that
follows the budget's progress, label smoothing 0.1, random crops (padding 2) and horizontal flips, inputs
standardised with the training set's mean and deviation, batch 128, a test pass after every epoch. The
budget's plan is fnn's (fnn/train/time_budget.hpp): after every step, the training time the run can
afford is made again from the recent step time and the last evaluation's time, and training stops when one
more step would pass it. The fastest CPU configuration PyTorch offers is the default here: OMP_WAIT_POLICY
PASSIVE (set before torch loads), channels_last, and bf16 autocast where the CPU has AVX512-BF16
(--no-bf16, --no-channels-last turn them off).

Usage: /usr/bin/python3 benchmarks/pytorch/budget.py --minutes 10 --seed 1 [--threads 2] [--quick] [--record]
Prints the run's record as one JSON line; --record also writes it as a record to docs/records/budget/, beside
fashion_mnist_budget's (`--record docs/records/budget`), where scripts/tables.py reads both from.
"""
import argparse
import json
import math
import os
import sys
import time

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # read once, when torch's OpenMP runtime loads

import torch  # noqa: E402
from torch import nn  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from records import record_metadata, write_record  # noqa: E402 (benchmarks/records.py)
from seed_models import vgg_like_bn  # noqa: E402
from throughput import load  # noqa: E402


class TimeBudget:
    """fnn's TimeBudget: the fraction of the affordable training time spent, and when to stop."""

    recent_weight = 0.05

    def __init__(self, seconds):
        self.seconds = seconds
        self.start = self.last_mark = time.perf_counter()
        self.evaluation_seconds = self.evaluation_total = 0.0
        self.recent_step = 0.0
        self.steps = 0
        self.progress = 0.0
        self.over = False

    def elapsed(self):
        return time.perf_counter() - self.start

    def evaluation_done(self):
        now = time.perf_counter()
        self.evaluation_total += now - self.last_mark
        self.last_mark = now

    def step_done(self, steps_per_epoch):
        now = time.perf_counter()
        step = now - self.last_mark
        self.last_mark = now
        self.recent_step = step if self.steps == 0 else self.recent_weight * step + (1 - self.recent_weight) * self.recent_step
        self.steps += 1
        training = self.elapsed() - self.evaluation_total
        epoch = self.recent_step * steps_per_epoch
        left = self.seconds - self.elapsed() - self.evaluation_seconds
        affordable = training + max(0.0, left) / (1 + self.evaluation_seconds / max(epoch, 1e-9))
        self.progress = min(1.0, max(self.progress, training / max(affordable, 1e-9)))
        self.over = training + self.recent_step > affordable
        if self.over:
            self.progress = 1.0


def one_cycle_rate(progress, max_lr, pct_start=0.3, div_factor=25, final_div_factor=1e4):
    """OneCycleLR's cosine rate at `progress` (0 to 1) of the cycle."""
    def cosine(start, end, pct):
        return end + (start - end) * (1 + math.cos(math.pi * pct)) / 2
    if progress <= pct_start:
        return cosine(max_lr / div_factor, max_lr, progress / pct_start)
    return cosine(max_lr, max_lr / div_factor / final_div_factor, min(1.0, (progress - pct_start) / (1 - pct_start)))


def augment(x, generator):
    """Random crop with padding 2 (black, as torchvision's RandomCrop pads an image) and horizontal flip of a
    batch [N, 1, 28, 28] of pixels in [0, 1], each image its own draw."""
    n = x.shape[0]
    padded = nn.functional.pad(x, (2, 2, 2, 2))
    tops = torch.randint(0, 5, (n,), generator=generator)
    lefts = torch.randint(0, 5, (n,), generator=generator)
    rows = (tops.view(n, 1) + torch.arange(28)).view(n, 1, 28, 1).expand(n, 1, 28, 32)
    cols = (lefts.view(n, 1) + torch.arange(28)).view(n, 1, 1, 28).expand(n, 1, 28, 28)
    cropped = padded.gather(2, rows).gather(3, cols)
    flip = torch.rand(n, generator=generator) < 0.5
    cropped[flip] = cropped[flip].flip(3)
    return cropped


def parameter_groups(model, weight_decay):
    """Weight decay on the convolution and Linear weights only, as fnn::weight_decay_groups."""
    decayed, plain = [], []
    for module in model.modules():
        for name, p in module.named_parameters(recurse=False):
            (decayed if name == "weight" and isinstance(module, (nn.Conv2d, nn.Linear)) else plain).append(p)
    return [{"params": decayed, "weight_decay": weight_decay}, {"params": plain, "weight_decay": 0.0}]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--lr", type=float, default=0.1)
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--no-bf16", action="store_true", help="fp32 throughout")
    parser.add_argument("--no-channels-last", action="store_true")
    parser.add_argument("--quick", action="store_true", help="2,000 training and 1,000 test images")
    parser.add_argument("--data", default=os.environ.get("FNN_DATA", "/usr/share/datasets/fashion-mnist"))
    parser.add_argument("--record", action="store_true", help="write the run's record to docs/records/budget/")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    generator = torch.Generator().manual_seed(args.seed)
    train_images, train_labels = load(args.data, "train")
    test_images, test_labels = load(args.data, "t10k")
    if args.quick:
        train_images, train_labels, test_images, test_labels = (
            train_images[:2000], train_labels[:2000], test_images[:1000], test_labels[:1000])
    mean = train_images.float().div(255).mean().item()
    std = train_images.float().div(255).std(unbiased=False).item()

    def pixels(images):
        return images.unsqueeze(1).float().div_(255)

    def standardised(x):
        return x.sub_(mean).div_(std).contiguous(memory_format=memory_format)

    bf16 = not args.no_bf16 and "avx512_bf16" in open("/proc/cpuinfo").read()
    memory_format = torch.contiguous_format if args.no_channels_last else torch.channels_last
    model = vgg_like_bn().to(memory_format=memory_format)
    optimizer = torch.optim.SGD(parameter_groups(model, 5e-4), lr=args.lr, momentum=0.9, nesterov=True)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
    test_x = standardised(pixels(test_images))

    def evaluate():
        model.eval()
        correct = 0
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
            for start in range(0, len(test_labels), 500):
                scores = model(test_x[start:start + 500])
                correct += (scores.argmax(1) == test_labels[start:start + 500]).sum().item()
        return correct / len(test_labels)

    steps_per_epoch = math.ceil(len(train_labels) / args.batch_size)
    budget = TimeBudget(60 * args.minutes)
    trial = time.perf_counter()
    evaluate()  # the trial evaluation: fnn's times a few batches, this one the whole pass
    budget.evaluation_seconds = time.perf_counter() - trial
    budget.evaluation_done()
    epochs = images = 0
    accuracy = 0.0
    while not budget.over:
        epochs += 1
        model.train()
        order = torch.randperm(len(train_labels), generator=generator)
        for start in range(0, len(train_labels), args.batch_size):
            index = order[start:start + args.batch_size]
            x = standardised(augment(pixels(train_images[index]), generator))
            for group in optimizer.param_groups:
                group["lr"] = one_cycle_rate(budget.progress, args.lr)
            optimizer.zero_grad()
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16):
                loss = loss_fn(model(x), train_labels[index])
            loss.backward()
            optimizer.step()
            images += len(index)
            budget.step_done(steps_per_epoch)
            if budget.over:
                break
        evaluation_start = budget.elapsed()
        accuracy = evaluate()
        budget.evaluation_seconds = budget.elapsed() - evaluation_start
        budget.evaluation_done()
        print(f"epoch {epochs}  test acc {100 * accuracy:.2f}%  {budget.elapsed() / 60:.2f} min", file=sys.stderr)
    record = record_metadata("budget", "benchmarks/pytorch/budget.py", sys.argv[1:], ["--data"])
    record.update({"library": "pytorch", "torch": torch.__version__, "minutes": args.minutes, "threads": args.threads,
                   "quick": args.quick, "bf16": bf16, "channels_last": not args.no_channels_last,
                   "runs": [{"seed": args.seed, "test_accuracy": accuracy, "seconds": budget.elapsed(),
                             "epochs": epochs, "images": images}]})
    print(json.dumps(record))
    if args.record:
        print(f"record: {write_record(record)}", file=sys.stderr)

if __name__ == "__main__":
    main()
