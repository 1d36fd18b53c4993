"""The seed models of include/fnn/models/fashion_mnist.hpp as torch.nn.Sequential, layer for layer, so the
state_dict names ("0.weight", "3.bias", ...) are fnn's parameter names. Used by the benchmarks
(throughput.py) and by the PyTorch parity test (tests/parity/make_parity_data.py).

BENCHMARKS is benchmarks/common/seed_models.hpp's table: architecture, batch size, optimizer, loss.
"""
from torch import nn


def lenet():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 12, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(192, 120), nn.ReLU(),
        nn.Linear(120, 60), nn.ReLU(),
        nn.Linear(60, 10))


def mlp_dropout(p=0.25):
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(784, 128), nn.ReLU(), nn.Dropout(p),
        nn.Linear(128, 64), nn.ReLU(), nn.Dropout(p),
        nn.Linear(64, 10), nn.LogSoftmax(dim=1))


def deep_mlp_dropout(p=0.25):
    layers = [nn.Flatten()]
    widths = [784, 512, 256, 128, 64]
    for a, b in zip(widths, widths[1:]):
        layers += [nn.Linear(a, b), nn.ReLU(), nn.Dropout(p)]
    layers += [nn.Linear(64, 10), nn.LogSoftmax(dim=1)]
    return nn.Sequential(*layers)


def cnn_20_50():
    return nn.Sequential(
        nn.Conv2d(1, 20, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(20, 50, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(800, 500), nn.ReLU(),
        nn.Linear(500, 10))


def mlp():
    return nn.Sequential(
        nn.Flatten(),
        nn.Linear(784, 128), nn.ReLU(),
        nn.Linear(128, 64), nn.ReLU(),
        nn.Linear(64, 10))


def vgg_like(batchnorm=False):
    def conv(a, b):
        return [nn.Conv2d(a, b, 3, padding=1)] + ([nn.BatchNorm2d(b)] if batchnorm else []) + [nn.ReLU()]

    layers = []
    in_channels = 1
    for width in (32, 64):
        layers += conv(in_channels, width) + conv(width, width) + [nn.MaxPool2d(2), nn.Dropout(0.25)]
        in_channels = width
    layers += [nn.Flatten(), nn.Linear(64 * 7 * 7, 512)]
    layers += ([nn.BatchNorm1d(512)] if batchnorm else []) + [nn.ReLU(), nn.Dropout(0.5), nn.Linear(512, 10)]
    return nn.Sequential(*layers)


def vgg_like_bn():
    return vgg_like(batchnorm=True)


# name: (architecture, batch size, optimizer, learning rate, ends in LogSoftmax)
BENCHMARKS = {
    "lenet": (lenet, 20, "adam", 0.001, False),
    "mlp_dropout": (mlp_dropout, 64, "adam", 0.003, True),
    "cnn_20_50": (cnn_20_50, 75, "sgd_momentum", 0.01, False),
    "mlp": (mlp, 64, "sgd_momentum", 0.001, False),
    "vgg_like_bn": (vgg_like_bn, 64, "adam", 0.001, False),
}
