#!/usr/bin/env python3
"""Readings of seed 004's architectures 1 and 2 that give the seed's Keras parameter counts.

The seed gives only outlines: architecture 1 is conv, conv, pool, dropout, conv, pool, dropout and one
dense layer (848,330 parameters); architecture 2 two blocks of 4x4 conv, pool, dropout and one dense layer
(493,772). This searches the readings of each outline: one kernel size for every convolution, channel
widths that grow through the network, Keras's 'valid' or 'same' padding per convolution, a BatchNorm (its
weight and bias, as the seed's count for architecture 3 has them) after any convolution and after the
hidden dense layer or not, and the hidden dense layer's width (0: none). It prints every exact reading,
then the closest ones. fnn::models::keras_arch1 and keras_arch2 are the readings chosen from this.

    python3 scripts/seed004_readings.py
"""
import itertools

WIDTHS = [8, 16, 32, 48, 64, 96, 128, 256, 512]
HIDDEN = [0, 32, 64, 100, 128, 256, 512, 1024]
OUTLINES = {  # name: (kernel sizes, a pool after each convolution?, the seed's count)
    "architecture 1": ([2, 3, 4, 5], (False, True, True), 848_330),
    "architecture 2": ([4], (True, True), 493_772),
}


def count(kernel, widths, paddings, batchnorms, pools, hidden, hidden_batchnorm):
    """Parameters of one reading on 28x28 single-channel images; None when the image shrinks to nothing."""
    side, total, channels = 28, 0, 1
    for width, padding, batchnorm, pool in zip(widths, paddings, batchnorms, pools):
        side = side if padding == "same" else side - kernel + 1
        total += kernel * kernel * channels * width + width + (2 * width if batchnorm else 0)
        channels = width
        side = side // 2 if pool else side
        if side < 1:
            return None
    features = side * side * channels
    if hidden == 0:
        return total + features * 10 + 10
    return total + features * hidden + hidden + (2 * hidden if hidden_batchnorm else 0) + hidden * 10 + 10


def readings(kernels, pools):
    n = len(pools)
    for kernel in kernels:
        for widths in itertools.product(WIDTHS, repeat=n):
            if list(widths) != sorted(widths):
                continue
            for paddings in itertools.product(["valid", "same"], repeat=n):
                for batchnorms in itertools.product([False, True], repeat=n):
                    for hidden in HIDDEN:
                        for hidden_batchnorm in [False, True] if hidden else [False]:
                            total = count(kernel, widths, paddings, batchnorms, pools, hidden, hidden_batchnorm)
                            if total is not None:
                                yield total, (kernel, widths, paddings, batchnorms, hidden, hidden_batchnorm)


def describe(reading):
    kernel, widths, paddings, batchnorms, hidden, hidden_batchnorm = reading
    convs = ", ".join(f"{w} {p}{' +BN' if b else ''}" for w, p, b in zip(widths, paddings, batchnorms))
    dense = f"dense {hidden}{' +BN' if hidden_batchnorm else ''}" if hidden else "no hidden layer"
    return f"{kernel}x{kernel} conv [{convs}], {dense}"


def main():
    for name, (kernels, pools, target) in OUTLINES.items():
        found = sorted(readings(kernels, pools), key=lambda r: abs(r[0] - target))
        exact = [r for t, r in found if t == target]
        print(f"{name}: {target:,} parameters; {len(exact)} exact reading(s)")
        for reading in exact:
            print("  exact:", describe(reading))
        for total, reading in [f for f in found if f[0] != target][:5]:
            print(f"  {total - target:+,} ({100 * (total - target) / target:+.2f}%):", describe(reading))


if __name__ == "__main__":
    main()
