#!/usr/bin/env python3
"""Reference data for fnn's PyTorch parity test (tests/parity/test_parity.cpp).

For every seed architecture of include/fnn/models/fashion_mnist.hpp, plus a small "batchnorm" model,
this builds the same network as torch.nn.Sequential (same layer order, so the state_dict names
"0.weight", "3.bias", ... are fnn's parameter names), runs one forward and backward pass on a fixed
batch and writes <outdir>/<model>.fnnt, an fnn tensor file (include/fnn/io/tensor_file.hpp) holding

    <state_dict name>        every parameter and BatchNorm running buffer BEFORE the forward
                             (num_batches_tracked is skipped: fnn has no such buffer)
    input                    [8, 1, 28, 28] normalised pixel values
    target                   [8] class indices, as float32
    output                   [8, 10] the model's output (logits, or log-probabilities)
    loss                     [1] CrossEntropyLoss on logits, NLLLoss after LogSoftmax (mean)
    grad.<parameter name>    d loss / d parameter
    running.<buffer name>    BatchNorm running statistics AFTER the forward (train-mode update)

The models are in train() mode, except Dropout and Dropout2d, put in eval() because their masks
cannot match across implementations; BatchNorm therefore normalises with the batch's statistics.

The initial parameters and the input are drawn in float32 (torch.manual_seed fixed). The reference
pass then runs in float64 on exactly those values (float32 -> float64 is exact), and its results are
rounded to float32 for the file: the file holds the exact answer to float32 precision, so the fnn
float run is measured against the truth rather than against PyTorch's own float32 rounding. The
script also runs PyTorch in float32 and prints how far that is from the float64 reference, for
scale.

Usage: /usr/bin/python3 make_parity_data.py OUTDIR [MODEL ...]
Needs PyTorch (Debian: python3-torch) and numpy.
"""
import argparse
import copy
import os
import struct
import sys
import zlib

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "benchmarks", "pytorch"))
from seed_models import cnn_20_50, deep_mlp_dropout, lenet, mlp, mlp_dropout, vgg_like  # noqa: E402

SEED = 20240601
BATCH = 8
# Fashion-MNIST's pixel mean and standard deviation (of values scaled to [0, 1]).
PIXEL_MEAN, PIXEL_STD = 0.2860, 0.3530


# ---------------------------------------------------------------------------------------------------
# The architectures: the same layer order as the builders in include/fnn/models/fashion_mnist.hpp.

def batchnorm():
    # Not a seed: exercises BatchNorm2d and BatchNorm1d in training mode (built in test_parity.cpp).
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(4 * 14 * 14, 16), nn.BatchNorm1d(16), nn.ReLU(),
        nn.Linear(16, 10))


def activations():
    # Not a seed: every element-wise activation and Softmax between Linear layers (built in test_parity.cpp).
    width = 24
    return nn.Sequential(
        nn.Flatten(), nn.Linear(28 * 28, width), nn.Sigmoid(),
        nn.Linear(width, width), nn.Tanh(),
        nn.Linear(width, width), nn.LeakyReLU(0.1),
        nn.Linear(width, width), nn.ELU(0.7),
        nn.Linear(width, width), nn.GELU(),
        nn.Linear(width, width), nn.GELU(approximate="tanh"),
        nn.Linear(width, width), nn.SiLU(),
        nn.Linear(width, width), nn.Identity(),
        nn.Linear(width, 10), nn.Softmax(dim=1))


# Composition, as fnn's Residual, Add and Concat name their children (include/fnn/layers/residual.hpp,
# add.hpp, concat.hpp): torch.nn has none of the three, a model writes them in its forward.
class Residual(nn.Module):
    """body(x) + shortcut(x); the shortcut is the identity when None."""

    def __init__(self, body, shortcut=None):
        super().__init__()
        self.body = body
        self.shortcut = shortcut

    def forward(self, x):
        return self.body(x) + (x if self.shortcut is None else self.shortcut(x))


class Add(nn.ModuleList):
    """The sum of the branches' outputs; the branches named 0, 1, ..."""

    def forward(self, x):
        return sum(branch(x) for branch in self)


class Concat(nn.ModuleList):
    """The branches' outputs joined along the channels (dim=1)."""

    def forward(self, x):
        return torch.cat([branch(x) for branch in self], dim=1)


def basic_block(inputs, outputs, stride):
    # torchvision's ResNet BasicBlock: conv3x3-BN-ReLU-conv3x3-BN plus the shortcut (ReLU after it).
    body = nn.Sequential(
        nn.Conv2d(inputs, outputs, 3, stride, 1, bias=False), nn.BatchNorm2d(outputs), nn.ReLU(),
        nn.Conv2d(outputs, outputs, 3, 1, 1, bias=False), nn.BatchNorm2d(outputs))
    shortcut = None
    if stride != 1 or inputs != outputs:
        shortcut = nn.Sequential(nn.Conv2d(inputs, outputs, 1, stride, bias=False), nn.BatchNorm2d(outputs))
    return Residual(body, shortcut)


def residual_pooling():
    # Not a seed: ResNet basic blocks (identity and projection shortcuts), Concat and Add of branches,
    # MaxPool2d with padding, AvgPool2d with and without the padding counted, and AdaptiveAvgPool2d from
    # 7 x 7 to 3 x 3, whose windows overlap (built in test_parity.cpp).
    return nn.Sequential(
        nn.Conv2d(1, 6, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, 2, 1),
        basic_block(6, 6, 1), nn.ReLU(),
        basic_block(6, 8, 2), nn.ReLU(),
        Concat([nn.AvgPool2d(3, 1, 1), nn.AvgPool2d(3, 1, 1, count_include_pad=False), nn.Identity()]),
        Add([nn.Conv2d(24, 8, 1), nn.Conv2d(24, 8, 3, padding=1)]),
        nn.AdaptiveAvgPool2d((3, 3)),
        nn.Flatten(), nn.Linear(8 * 3 * 3, 10))


def normalization():
    # Not a seed: GroupNorm (with and without affine, one channel a group at 9), BatchNorm2d and
    # BatchNorm1d without affine, LayerNorm over [C, H, W] and over features (built in test_parity.cpp).
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.GroupNorm(2, 8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 8, 3, padding=1), nn.BatchNorm2d(8, affine=False), nn.ReLU(), nn.MaxPool2d(2),
        nn.LayerNorm([8, 7, 7]),
        nn.Conv2d(8, 4, 1), nn.GroupNorm(4, 4, affine=False),
        nn.Flatten(), nn.Linear(4 * 7 * 7, 16), nn.LayerNorm(16), nn.ReLU(), nn.BatchNorm1d(16, affine=False),
        nn.Linear(16, 10))


def dropout2d():
    # Not a seed: Dropout2d between a convolution and its activation, in eval() as every dropout here.
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.Dropout2d(0.3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(4 * 14 * 14, 10))


MODELS = {
    "lenet": lenet,
    "mlp_dropout": mlp_dropout,
    "deep_mlp_dropout": deep_mlp_dropout,
    "cnn_20_50": cnn_20_50,
    "mlp": mlp,
    "vgg_like": vgg_like,
    "batchnorm": batchnorm,
    "activations": activations,
    "dropout2d": dropout2d,
    "residual_pooling": residual_pooling,
    "normalization": normalization,
}


# ---------------------------------------------------------------------------------------------------
# The fnn tensor file (include/fnn/io/tensor_file.hpp):
#   "FNNTENSR", u32 version 1, u32 count, u64 payload size, u32 CRC-32 (zlib) of the payload, payload;
#   per tensor: u16 name length, name, u8 dtype (1 = float32), u8 rank (1-4), rank x u64 extents,
#   the elements row-major. Everything little-endian.

def write_tensor_file(path, tensors):
    payload = bytearray()
    for name, value in tensors:
        array = np.ascontiguousarray(value, dtype="<f4")
        if not 1 <= array.ndim <= 4:
            raise ValueError(f"{name}: rank {array.ndim} is outside 1-4")
        encoded = name.encode("utf-8")
        payload += struct.pack("<H", len(encoded)) + encoded
        payload += struct.pack("<BB", 1, array.ndim)
        payload += struct.pack(f"<{array.ndim}Q", *array.shape)
        payload += array.tobytes(order="C")
    header = b"FNNTENSR" + struct.pack("<IIQI", 1, len(tensors), len(payload), zlib.crc32(payload) & 0xFFFFFFFF)
    temporary = path + ".tmp"
    with open(temporary, "wb") as f:
        f.write(header)
        f.write(payload)
    os.replace(temporary, path)  # atomic: a test never sees half a file


# ---------------------------------------------------------------------------------------------------

def fixed_batch():
    """Eight 28x28 'images': smooth blobs on a dark background plus pixel noise, scaled to [0, 1] and
    normalised like Fashion-MNIST. Every pixel is distinct (no exact ties for max-pooling)."""
    g = torch.Generator().manual_seed(SEED)
    ys, xs = torch.meshgrid(torch.arange(28.0), torch.arange(28.0), indexing="ij")
    images = torch.zeros(BATCH, 1, 28, 28)
    for n in range(BATCH):
        centre = 8 + 12 * torch.rand(2, generator=g)
        radius = 4 + 6 * torch.rand(2, generator=g)
        blob = torch.exp(-(((ys - centre[0]) / radius[0]) ** 2 + ((xs - centre[1]) / radius[1]) ** 2))
        images[n, 0] = (0.9 * blob + 0.1 * torch.rand(28, 28, generator=g)).clamp(0, 1)
    images = (images - PIXEL_MEAN) / PIXEL_STD
    targets = torch.randint(0, 10, (BATCH,), generator=g)
    return images.float(), targets


def randomise_batchnorm(model, g):
    """BatchNorm, GroupNorm and LayerNorm start as the identity (gamma 1, beta 0, running stats 0 and 1);
    give them values that would expose a swapped gamma/beta or a wrong running-statistics update."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.modules.batchnorm._BatchNorm, nn.GroupNorm, nn.LayerNorm)) and m.weight is not None:
                m.weight.copy_(0.5 + torch.rand(m.weight.shape, generator=g))
                m.bias.copy_(0.5 * torch.randn(m.bias.shape, generator=g))
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.running_mean.copy_(0.3 * torch.randn(m.running_mean.shape, generator=g))
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=g))


def set_modes(model):
    model.train()
    for m in model.modules():
        if isinstance(m, (nn.Dropout, nn.Dropout2d)):
            m.eval()


def forward_backward(model, x, targets):
    set_modes(model)
    model.zero_grad(set_to_none=True)
    out = model(x)
    criterion = nn.NLLLoss() if isinstance(model[-1], nn.LogSoftmax) else nn.CrossEntropyLoss()
    loss = criterion(out, targets)
    loss.backward()
    grads = {name: p.grad.detach().clone() for name, p in model.named_parameters()}
    return out.detach(), loss.detach().reshape(1), grads


def relative_error(a, b):
    a, b = a.double(), b.double()
    return float((a - b).norm() / max(float(b.norm()), 1e-30))


def make(name, outdir, x, targets):
    torch.manual_seed(SEED + list(MODELS).index(name))  # a different initialisation per model
    model = MODELS[name]()
    randomise_batchnorm(model, torch.Generator().manual_seed(SEED + 1))
    state = [(k, v.detach().clone()) for k, v in model.state_dict().items() if not k.endswith("num_batches_tracked")]
    buffer_names = [k for k, _ in model.named_buffers() if not k.endswith("num_batches_tracked")]

    # The reference: float64 on exactly the float32 parameters and input.
    reference = copy.deepcopy(model).double()
    out, loss, grads = forward_backward(reference, x.double(), targets)
    running = {k: v.detach().clone() for k, v in reference.named_buffers() if k in buffer_names}

    # PyTorch in float32, for scale only. Gradients that are zero in exact arithmetic (a bias right
    # before a BatchNorm, whose mean subtraction cancels it) have no meaningful relative error.
    out32, loss32, grads32 = forward_backward(model, x, targets)
    largest = max(float(g.norm()) for g in grads.values())
    vanishing = [k for k, g in grads.items() if float(g.norm()) <= 1e-9 * largest]
    worst32 = max([relative_error(out32, out), relative_error(loss32, loss)] +
                  [relative_error(grads32[k], grads[k]) for k in grads if k not in vanishing])

    tensors = [(k, v.numpy()) for k, v in state]
    tensors += [("input", x.numpy()), ("target", targets.float().numpy()),
                ("output", out.float().numpy()), ("loss", loss.float().numpy())]
    tensors += [("grad." + k, g.float().numpy()) for k, g in grads.items()]
    tensors += [("running." + k, running[k].float().numpy()) for k in buffer_names]
    path = os.path.join(outdir, name + ".fnnt")
    write_tensor_file(path, tensors)
    print(f"{path}: {len(tensors)} tensors, loss {float(loss):.6f}; "
          f"PyTorch float32 vs float64: worst norm-wise relative error {worst32:.2e}" +
          (f"; gradients zero in exact arithmetic: {', '.join(vanishing)}" if vanishing else ""))


# ---------------------------------------------------------------------------------------------------
# Optimizers, apart from the models: a few steps of each optimizer on fixed parameters and fixed
# gradients, written to <outdir>/optimizers.fnnt:
#
#    start.<p>                 the parameters before the first step ("w" [3, 4], "b" [4])
#    grad.<k>.<p>              the gradient given at step k = 1..OPTIMIZER_STEPS
#    <config>.<k>.<p>          the parameters after step k under the optimizer configuration <config>
#
# test_parity.cpp builds each configuration of OPTIMIZER_CONFIGS with fnn's options under the same name.
# As for the models, the values are drawn in float32 and the steps run in float64.

OPTIMIZER_STEPS = 5

OPTIMIZER_CONFIGS = {
    "sgd_nesterov": lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9, weight_decay=0.01, nesterov=True),
    "adamw": lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.1),
    "rmsprop": lambda p: torch.optim.RMSprop(p, lr=0.01),
    "rmsprop_centered": lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, eps=1e-6, weight_decay=0.1,
                                                      momentum=0.9, centered=True),
    "adagrad": lambda p: torch.optim.Adagrad(p, lr=0.1),
    "adagrad_decay": lambda p: torch.optim.Adagrad(p, lr=0.1, lr_decay=0.05, weight_decay=0.1,
                                                   initial_accumulator_value=0.5, eps=1e-6),
    # Parameter groups: each with its own rate and weight decay, the others from the optimizer's.
    "sgd_groups": lambda p: torch.optim.SGD([{"params": [p[0]], "weight_decay": 0.1}, {"params": [p[1]], "lr": 0.05}],
                                            lr=0.1, momentum=0.9),
    "adam_groups": lambda p: torch.optim.Adam([{"params": [p[0]]}, {"params": [p[1]], "lr": 0.001, "weight_decay": 0.0}],
                                              lr=0.01, weight_decay=0.1),
    "adamw_groups": lambda p: torch.optim.AdamW([{"params": [p[0]]}, {"params": [p[1]], "weight_decay": 0.0}],
                                                lr=0.01, weight_decay=0.1),
}


def make_optimizer_steps(outdir):
    g = torch.Generator().manual_seed(SEED + 2)
    shapes = {"w": (3, 4), "b": (4,)}
    start = {k: torch.randn(s, generator=g) for k, s in shapes.items()}
    grads = [{k: torch.randn(s, generator=g) for k, s in shapes.items()} for _ in range(OPTIMIZER_STEPS)]
    tensors = [("start." + k, v.numpy()) for k, v in start.items()]
    tensors += [(f"grad.{step}.{k}", v.numpy()) for step, gs in enumerate(grads, 1) for k, v in gs.items()]
    for config, make_optimizer in OPTIMIZER_CONFIGS.items():
        params = {k: v.double().clone().requires_grad_(True) for k, v in start.items()}
        optimizer = make_optimizer(list(params.values()))
        for step, gs in enumerate(grads, 1):
            for k, p in params.items():
                p.grad = gs[k].double().clone()
            optimizer.step()
            tensors += [(f"{config}.{step}.{k}", p.detach().float().numpy()) for k, p in params.items()]
    path = os.path.join(outdir, "optimizers.fnnt")
    write_tensor_file(path, tensors)
    print(f"{path}: {len(tensors)} tensors, {OPTIMIZER_STEPS} steps of {', '.join(OPTIMIZER_CONFIGS)}")


# ---------------------------------------------------------------------------------------------------
# Learning-rate schedules: the rate of SGD(lr=0.1) before the first step and after each step of every
# configuration of SCHEDULE_CONFIGS, written to <outdir>/schedules.fnnt as "<config>" [steps + 1]; the
# schedules that follow a metric are given PLATEAU_METRICS, also written ("metrics").

PLATEAU_METRICS = [1.0, 0.9, 0.95, 0.899, 0.9, 0.91, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6, 0.6, 0.45, 0.6, 0.6, 0.6, 0.6]

SCHEDULE_CONFIGS = {
    "linear": lambda o: torch.optim.lr_scheduler.LinearLR(o),
    "linear_decay": lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=1.0, end_factor=0.25, total_iters=4),
    "warmup_cosine": lambda o: torch.optim.lr_scheduler.SequentialLR(
        o, [torch.optim.lr_scheduler.LinearLR(o, start_factor=0.1, total_iters=3),
            torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=6, eta_min=0.001)], milestones=[3]),
    "warmup_step_linear": lambda o: torch.optim.lr_scheduler.SequentialLR(
        o, [torch.optim.lr_scheduler.LinearLR(o, start_factor=0.5, total_iters=2),
            torch.optim.lr_scheduler.StepLR(o, step_size=2, gamma=0.5),
            torch.optim.lr_scheduler.LinearLR(o, start_factor=1.0, end_factor=0.1, total_iters=3)], milestones=[2, 7]),
    "plateau": lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(
        o, factor=0.5, patience=1, threshold=0.01, cooldown=1, min_lr=0.02),
    "plateau_max_abs": lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(
        o, mode="max", factor=0.3, patience=0, threshold=0.05, threshold_mode="abs", eps=0.004),
}


def make_schedules(outdir):
    tensors = [("metrics", np.array(PLATEAU_METRICS))]
    for config, make_schedule in SCHEDULE_CONFIGS.items():
        optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
        schedule = make_schedule(optimizer)
        rates = [optimizer.param_groups[0]["lr"]]
        for metric in PLATEAU_METRICS:
            optimizer.step()
            if isinstance(schedule, torch.optim.lr_scheduler.ReduceLROnPlateau):
                schedule.step(metric)
            else:
                schedule.step()
            rates.append(optimizer.param_groups[0]["lr"])
        tensors.append((config, np.array(rates)))
    path = os.path.join(outdir, "schedules.fnnt")
    write_tensor_file(path, tensors)
    print(f"{path}: {len(PLATEAU_METRICS)} steps of {', '.join(SCHEDULE_CONFIGS)}")


# ---------------------------------------------------------------------------------------------------
# Losses, apart from the models: each configuration of LOSS_CONFIGS on a fixed input and target,
# written to <outdir>/losses.fnnt as
#
#    <config>.input, <config>.target    [6, 5] (class indices [6], as float32, for cross-entropy)
#    <config>.weight                    the class weights or pos_weight [5], where the loss has them
#    <config>.loss                      [1]
#    <config>.grad                      d loss / d input
#
# test_parity.cpp builds each configuration with fnn's loss under the same name. The kinds of input:
# "real" (any value, regression targets), "probability" (in (0, 1), targets in [0, 1]), "logits"
# (targets 0 or 1) and "classes" (logits and class indices). As for the models, the values are drawn in
# float32 and the loss runs in float64.

LOSS_WEIGHTS = [0.5, 2.0, 1.0, 3.0, 0.25]

LOSS_CONFIGS = {
    "mse": ("real", lambda w: nn.MSELoss()),
    "mse_sum": ("real", lambda w: nn.MSELoss(reduction="sum")),
    "l1": ("real", lambda w: nn.L1Loss()),
    "l1_sum": ("real", lambda w: nn.L1Loss(reduction="sum")),
    "smooth_l1": ("real", lambda w: nn.SmoothL1Loss()),
    "smooth_l1_beta_sum": ("real", lambda w: nn.SmoothL1Loss(reduction="sum", beta=0.5)),
    "huber": ("real", lambda w: nn.HuberLoss()),
    "huber_delta_sum": ("real", lambda w: nn.HuberLoss(reduction="sum", delta=0.3)),
    "bce": ("probability", lambda w: nn.BCELoss()),
    "bce_sum": ("probability", lambda w: nn.BCELoss(reduction="sum")),
    "bce_with_logits": ("logits", lambda w: nn.BCEWithLogitsLoss()),
    "bce_with_logits_pos_weight_sum": ("logits", lambda w: nn.BCEWithLogitsLoss(reduction="sum", pos_weight=w)),
    "cross_entropy_sum": ("classes", lambda w: nn.CrossEntropyLoss(reduction="sum")),
    "cross_entropy_weight": ("classes", lambda w: nn.CrossEntropyLoss(weight=w)),
    "cross_entropy_weight_smoothing_sum": ("classes", lambda w: nn.CrossEntropyLoss(weight=w, reduction="sum",
                                                                                     label_smoothing=0.1)),
}


def loss_inputs(kind, g):
    x = torch.randn(6, 5, generator=g)
    if kind == "real":
        return x, torch.randn(6, 5, generator=g)
    if kind == "probability":
        return torch.sigmoid(2 * x), torch.rand(6, 5, generator=g)
    if kind == "logits":
        return 2 * x, (torch.rand(6, 5, generator=g) < 0.5).float()
    return 2 * x, torch.randint(0, 5, (6,), generator=g)


def make_losses(outdir):
    g = torch.Generator().manual_seed(SEED + 3)
    weight = torch.tensor(LOSS_WEIGHTS)
    tensors = []
    for config, (kind, make_loss) in LOSS_CONFIGS.items():
        x, target = loss_inputs(kind, g)
        criterion = make_loss(weight.double())
        has_weight = any(getattr(criterion, name, None) is not None for name in ("weight", "pos_weight"))
        x64 = x.double().requires_grad_(True)
        loss = criterion(x64, target if kind == "classes" else target.double())
        loss.backward()
        tensors += [(config + ".input", x.numpy()), (config + ".target", target.float().numpy())]
        tensors += [(config + ".weight", weight.numpy())] if has_weight else []
        tensors += [(config + ".loss", loss.detach().float().reshape(1).numpy()),
                    (config + ".grad", x64.grad.float().numpy())]
    path = os.path.join(outdir, "losses.fnnt")
    write_tensor_file(path, tensors)
    print(f"{path}: {len(tensors)} tensors, {', '.join(LOSS_CONFIGS)}")


# ---------------------------------------------------------------------------------------------------
# Conv2d's geometry, apart from the models: each configuration of CONV2D_CONFIGS (rectangular kernels,
# stride and padding per axis, dilation, groups, depthwise) on a fixed input, with a fixed gradient of
# the output, written to <outdir>/conv2d.fnnt as
#
#    <config>.input, <config>.grad_output     x [N, C, H, W] and dL/dy, drawn in float32
#    <config>.weight, <config>.bias           the layer's parameters (bias only where it has one)
#    <config>.output                          y
#    <config>.grad.input, <config>.grad.weight, <config>.grad.bias    dL/dx and dL/dparameter
#
# test_parity.cpp builds each configuration with fnn's Conv2dOptions under the same name. As for the
# models, the values are drawn in float32 and the convolution runs in float64.

CONV2D_CONFIGS = {
    "rect_stride_padding": ((2, 3, 7, 9), dict(in_channels=3, out_channels=4, kernel_size=(3, 5), stride=(2, 1),
                                                padding=(1, 2))),
    "rect_no_bias": ((2, 2, 5, 8), dict(in_channels=2, out_channels=3, kernel_size=(2, 3), stride=(1, 2),
                                         padding=(0, 1), bias=False)),
    "dilation2": ((2, 2, 8, 7), dict(in_channels=2, out_channels=3, kernel_size=3, padding=2, dilation=2)),
    "dilation_per_axis_no_bias": ((1, 2, 9, 8), dict(in_channels=2, out_channels=2, kernel_size=(3, 2),
                                                      stride=(2, 1), padding=(1, 0), dilation=(2, 3), bias=False)),
    "groups2": ((2, 4, 6, 5), dict(in_channels=4, out_channels=6, kernel_size=3, padding=1, groups=2)),
    "groups2_dilated_rect_no_bias": ((2, 4, 7, 7), dict(in_channels=4, out_channels=4, kernel_size=(3, 2),
                                                         stride=(1, 2), padding=(2, 1), dilation=(2, 1), groups=2,
                                                         bias=False)),
    "depthwise": ((2, 3, 7, 6), dict(in_channels=3, out_channels=3, kernel_size=3, stride=2, padding=1, groups=3)),
    "depthwise_multiplier2_no_bias": ((2, 3, 5, 4), dict(in_channels=3, out_channels=6, kernel_size=(3, 1),
                                                          padding=(1, 0), groups=3, bias=False)),
}


def make_conv2d(outdir):
    torch.manual_seed(SEED + 4)
    g = torch.Generator().manual_seed(SEED + 5)
    tensors = []
    for config, (input_shape, kwargs) in CONV2D_CONFIGS.items():
        conv = nn.Conv2d(**kwargs)  # PyTorch's own initialisation, in float32
        x = torch.randn(input_shape, generator=g)
        reference = copy.deepcopy(conv).double()
        x64 = x.double().requires_grad_(True)
        y = reference(x64)
        grad_output = torch.randn(y.shape, generator=g)
        y.backward(grad_output.double())
        tensors += [(config + ".input", x.numpy()), (config + ".grad_output", grad_output.numpy())]
        tensors += [(f"{config}.{k}", v.detach().numpy()) for k, v in conv.named_parameters()]
        tensors += [(config + ".output", y.detach().float().numpy()),
                    (config + ".grad.input", x64.grad.float().numpy())]
        tensors += [(f"{config}.grad.{k}", v.grad.float().numpy()) for k, v in reference.named_parameters()]
    path = os.path.join(outdir, "conv2d.fnnt")
    write_tensor_file(path, tensors)
    print(f"{path}: {len(tensors)} tensors, {', '.join(CONV2D_CONFIGS)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("outdir")
    parser.add_argument("models", nargs="*", metavar="MODEL", help="any of " + ", ".join(MODELS) + " (default: all)")
    args = parser.parse_args()
    unknown = [m for m in args.models if m not in MODELS]
    if unknown:
        parser.error("unknown model(s): " + ", ".join(unknown))
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(args.outdir, exist_ok=True)
    x, targets = fixed_batch()
    for name in args.models or MODELS:
        make(name, args.outdir, x, targets)
    if not args.models:
        make_optimizer_steps(args.outdir)
        make_schedules(args.outdir)
        make_losses(args.outdir)
        make_conv2d(args.outdir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
