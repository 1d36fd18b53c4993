#!/usr/bin/env python3
"""Training speed while another process keeps one core busy, against the same run on an idle machine.

A user's machine always runs something else. With as many OpenMP threads as cores, a core taken by another
program slows every parallel loop to its slowest thread; how much more than that depends on what the
waiting threads do: libgomp's default spins for a while at every barrier before it sleeps (GOMP_SPINCOUNT
300,000), taking time from the thread that shares its core. This measures, for each wait configuration,
fnn's training images/s idle and with a competing busy loop (a Python `while True: pass`, left to the
scheduler), alternating the two, and the slowdown busy / idle; PyTorch with OMP_WAIT_POLICY=PASSIVE runs
beside it for reference.

Configurations of fnn (fnn_throughput):
  tuned      as fnn::train::fit trains: ThreadTuner runs fewer threads while that is faster; libgomp's
             default waiting (OMP_WAIT_POLICY and GOMP_SPINCOUNT unset: 300,000 spins)
  fixed      every thread throughout (--fixed-threads), libgomp's default waiting
  passive    every thread throughout, OMP_WAIT_POLICY=PASSIVE (no spinning)
  spin-N     every thread throughout, GOMP_SPINCOUNT=N

Writes its record (date, commit, CPU, command, every run) to docs/records/competing-load/DATE-CPU.json.

Usage: benchmarks/competing_load.py --fnn build/release/benchmarks/fnn_throughput [--rounds 2]
       [--models vgg_like_bn mlp] [--configurations tuned fixed passive spin-N ...] [--json record.json]
"""
import argparse
import os
import statistics
import subprocess
import sys

from compare import run_json, torch_version
from records import record_metadata, write_record

HERE = os.path.dirname(os.path.abspath(__file__))
# Training images per timed run, as passes over a part of the training set: long enough (10-30 s idle) for
# the scheduler's sharing to average out and for ThreadTuner's probes to back off as in a long training.
IMAGES = {"lenet": (60000, 1), "mlp_dropout": (60000, 10), "cnn_20_50": (20000, 1), "mlp": (60000, 10),
          "vgg_like_bn": (15000, 1)}
WAIT_VARIABLES = ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")


def environment(configuration):
    """The environment of a run in `configuration`, with no wait setting inherited from the caller."""
    env = {k: v for k, v in os.environ.items() if k not in WAIT_VARIABLES}
    if configuration == "passive":
        env["OMP_WAIT_POLICY"] = "PASSIVE"
    elif configuration.startswith("spin-"):
        env["GOMP_SPINCOUNT"] = configuration[len("spin-"):]
    return env


class BusyLoop:
    """A process that keeps one core busy for as long as the `with` block runs."""

    def __enter__(self):
        self.process = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        return self

    def __exit__(self, *exc):
        self.process.kill()
        self.process.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fnn", default=os.path.join(HERE, "..", "build", "release", "benchmarks", "fnn_throughput"))
    parser.add_argument("--python", default="/usr/bin/python3", help="a Python with torch (Debian: python3-torch)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--models", nargs="+", default=["vgg_like_bn", "mlp"], choices=sorted(IMAGES))
    parser.add_argument("--configurations", nargs="+", default=["tuned", "fixed", "passive"],
                        help="tuned, fixed, passive or spin-N (GOMP_SPINCOUNT=N)")
    parser.add_argument("--json", help="write the record here instead of docs/records/competing-load/DATE-CPU.json")
    args = parser.parse_args()
    for c in args.configurations:
        if c not in ("tuned", "fixed", "passive") and not (c.startswith("spin-") and c[5:].isdigit()):
            parser.error(f"unknown configuration {c!r}")
    record = record_metadata("competing-load", "benchmarks/competing_load.py", sys.argv[1:],
                             ("--json", "--fnn", "--python"))
    pytorch_version = torch_version(args.python)

    def fnn(model, configuration):
        images, passes = IMAGES[model]
        command = [args.fnn, "--model", model, "--threads", str(args.threads), "--images", str(images),
                   "--passes", str(passes), "--inference-repeats", "1", "--latency-repeats", "1"]
        if configuration != "tuned":
            command.append("--fixed-threads")
        return run_json(command, environment(configuration))["train_images_per_second"]

    def pytorch(model):
        command = [args.python, os.path.join(HERE, "pytorch", "throughput.py"), "--model", model,
                   "--threads", str(args.threads), "--images", str(IMAGES[model][0]),
                   "--inference-repeats", "1", "--latency-repeats", "1"]
        return run_json(command, environment("passive"))["train_images_per_second"]

    runs = {m: {c: {"idle": [], "busy": []} for c in args.configurations} for m in args.models}
    if pytorch_version:
        for m in args.models:
            runs[m]["pytorch_passive"] = {"idle": [], "busy": []}
    for r in range(args.rounds):
        for m in args.models:
            for c in runs[m]:
                for load in ("idle", "busy"):
                    measure = (lambda: pytorch(m)) if c == "pytorch_passive" else (lambda: fnn(m, c))
                    if load == "busy":
                        with BusyLoop():
                            runs[m][c][load].append(measure())
                    else:
                        runs[m][c][load].append(measure())
                    print(f"round {r + 1}/{args.rounds} {m:12} {c:16} {load:5} "
                          f"{runs[m][c][load][-1]:8.0f} img/s", flush=True)

    summary = {}
    print(f"\n{'model':12} {'configuration':16} {'idle img/s':>10} {'busy img/s':>10} {'slowdown':>9}")
    for m, by_config in runs.items():
        summary[m] = {}
        for c, loads in by_config.items():
            # Each round's busy run follows its idle run; their ratio is steadier than a ratio of medians.
            slowdown = statistics.median(i / b for i, b in zip(loads["idle"], loads["busy"]))
            summary[m][c] = {"idle": statistics.median(loads["idle"]), "busy": statistics.median(loads["busy"]),
                             "slowdown": slowdown}
            s = summary[m][c]
            print(f"{m:12} {c:16} {s['idle']:10.0f} {s['busy']:10.0f} {slowdown:8.2f}x")
    record.update({"threads": args.threads, "rounds": args.rounds,
                   "images": {m: {"images": IMAGES[m][0], "fnn_passes": IMAGES[m][1]} for m in args.models},
                   "pytorch": pytorch_version, "summary": summary, "runs": runs})
    print(f"record: {write_record(record, args.json)}")


if __name__ == "__main__":
    main()
