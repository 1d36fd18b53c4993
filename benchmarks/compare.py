#!/usr/bin/env python3
"""fnn against PyTorch on the five seed models, side by side on the machine it runs on.

For each round and each model, runs alternately:
  fnn_throughput  with --threads T (and with 1 thread, for the scaling column)
  PyTorch         benchmarks/pytorch/throughput.py with torch.set_num_threads(T), as shipped and with
                  OMP_WAIT_POLICY=PASSIVE
then prints the medians over the rounds and the ratios fnn / PyTorch, against the faster of PyTorch's two
configurations for each model and measure. A ratio is the median of the rounds' own ratios, each taken
between runs made one after the other: on a shared machine whose speed drifts by tens of percent over
minutes, that is steadier than a ratio of two medians taken from different minutes. PyTorch is skipped,
and says so, where python3-torch is missing.

Every run writes its record: the date (UTC), the commit, the CPU (model, cores, AVX2 and AVX-512 flags),
the threads, the command, every run of every round, the medians and the ratios, as JSON, by default to
docs/records/compare/DATE-CPU.json, where scripts/tables.py finds it to regenerate the docs' tables.

With --matmul-precision bfloat16, fnn's runs take bfloat16 products (fnn_throughput --matmul-precision,
where the build has AVX512-BF16; each run reports the precision it took); PyTorch's stay float32.

Usage: benchmarks/compare.py --fnn build/release/benchmarks/fnn_throughput [--rounds 3] [--images N]
       [--models lenet mlp ...] [--matmul-precision bfloat16] [--json record.json]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

from records import record_metadata, write_record

HERE = os.path.dirname(os.path.abspath(__file__))
MODELS = ["lenet", "mlp_dropout", "cnn_20_50", "mlp", "vgg_like_bn"]
MEASURES = ["train_images_per_second", "inference_images_per_second", "latency_us", "train_peak_rss_mb", "peak_rss_mb"]


def run_json(command, env=None):
    done = subprocess.run(command, capture_output=True, text=True, env=env)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def torch_version(python):
    """PyTorch's version as `python` imports it, None if it cannot."""
    done = subprocess.run([python, "-c", "import torch; print(torch.__version__)"], capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fnn", default=os.path.join(HERE, "..", "build", "release", "benchmarks", "fnn_throughput"))
    parser.add_argument("--python", default="/usr/bin/python3", help="a Python with torch (Debian: python3-torch)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--images", type=int, default=0, help="training images per timed pass (0: the full epoch)")
    parser.add_argument("--models", nargs="+", default=MODELS, choices=MODELS)
    parser.add_argument("--matmul-precision", choices=["float32", "bfloat16"], default="float32",
                        help="operands of fnn's float products")
    parser.add_argument("--json", help="write the record here instead of docs/records/compare/DATE-CPU.json")
    args = parser.parse_args()
    record = record_metadata("compare", "benchmarks/compare.py", sys.argv[1:], ("--json", "--fnn", "--python"))

    pytorch_version = torch_version(args.python)
    with_torch = pytorch_version is not None
    if not with_torch:
        print(f"compare: PyTorch is not importable by {args.python} (Debian: apt-get install python3-torch); "
              "measuring fnn only", file=sys.stderr)
    common = ["--images", str(args.images)]
    fnn_common = common + ["--matmul-precision", args.matmul_precision]
    configurations = {
        "fnn": lambda m: run_json([args.fnn, "--model", m, "--threads", str(args.threads)] + fnn_common),
        "fnn_1_thread": lambda m: run_json([args.fnn, "--model", m, "--threads", "1"] + fnn_common),
    }
    if with_torch:
        script = os.path.join(HERE, "pytorch", "throughput.py")
        torch_command = [args.python, script, "--threads", str(args.threads)] + common
        configurations["pytorch"] = lambda m: run_json(torch_command + ["--model", m], dict(os.environ))
        configurations["pytorch_passive"] = lambda m: run_json(
            torch_command + ["--model", m], dict(os.environ, OMP_WAIT_POLICY="PASSIVE"))

    runs = {m: {c: [] for c in configurations} for m in args.models}
    for r in range(args.rounds):
        for m in args.models:
            for c, run in configurations.items():
                result = run(m)
                runs[m][c].append(result)
                print(f"round {r + 1}/{args.rounds} {m:12} {c:16} train {result['train_images_per_second']:10.0f} img/s"
                      f"  inference {result['inference_images_per_second']:10.0f} img/s"
                      f"  latency {result['latency_us']:9.1f} us  training peak {result['train_peak_rss_mb']:6.0f} MB", flush=True)

    medians = {m: {c: {k: statistics.median(x[k] for x in runs[m][c]) for k in MEASURES} for c in runs[m]}
               for m in runs}

    def median_ratio(m, key, against):
        """The median over the rounds of fnn's figure over the round's best of the `against` configurations."""
        return statistics.median(fnn[key] / max(runs[m][c][r][key] for c in against)
                                 for r, fnn in enumerate(runs[m]["fnn"]))

    torch_configurations = ("pytorch", "pytorch_passive")
    print(f"\nMedians of {args.rounds} rounds, {args.threads} threads, "
          f"{'full epochs' if args.images == 0 else f'{args.images} training images per pass'}; "
          "ratios: medians of the rounds' ratios")
    header = f"{'model':12} {'fnn train':>10} {'torch best':>10} {'ratio':>6} {'fnn infer':>10} {'torch best':>10} " \
             f"{'ratio':>6} {'fnn 1-img':>10} {'torch':>8} {'2T/1T':>6} {'train MB':>8}"
    print(header)
    ratios = {}
    for m, by_config in medians.items():
        fnn = by_config["fnn"]
        ratios[m] = {"scaling": median_ratio(m, "train_images_per_second", ["fnn_1_thread"])}
        row = f"{m:12} {fnn['train_images_per_second']:10.0f} "
        if with_torch:
            best = {k: max(by_config[c][k] for c in torch_configurations)
                    for k in ("train_images_per_second", "inference_images_per_second")}
            latency = min(by_config[c]["latency_us"] for c in torch_configurations)
            ratios[m]["train"] = median_ratio(m, "train_images_per_second", torch_configurations)
            ratios[m]["inference"] = median_ratio(m, "inference_images_per_second", torch_configurations)
            row += (f"{best['train_images_per_second']:10.0f} {ratios[m]['train']:5.2f}x "
                    f"{fnn['inference_images_per_second']:10.0f} {best['inference_images_per_second']:10.0f} "
                    f"{ratios[m]['inference']:5.2f}x {fnn['latency_us']:8.1f}us {latency:6.0f}us ")
        else:
            row += f"{'-':>10} {'-':>6} {fnn['inference_images_per_second']:10.0f} {'-':>10} {'-':>6} " \
                   f"{fnn['latency_us']:8.1f}us {'-':>8} "
        row += f"{ratios[m]['scaling']:5.2f}x {fnn['train_peak_rss_mb']:8.0f}"
        print(row)
    # Per model, what the tables show: fnn's medians, the faster PyTorch configuration's, the ratios.
    models = {}
    for m, by_config in medians.items():
        models[m] = {"fnn": by_config["fnn"], "fnn_1_thread": by_config["fnn_1_thread"], "ratios": ratios[m]}
        if with_torch:
            models[m]["pytorch_best"] = {
                "train_images_per_second": max(by_config[c]["train_images_per_second"] for c in torch_configurations),
                "inference_images_per_second": max(by_config[c]["inference_images_per_second"]
                                                   for c in torch_configurations),
                "latency_us": min(by_config[c]["latency_us"] for c in torch_configurations)}
    record.update({"threads": args.threads, "rounds": args.rounds, "images": args.images,
                   "matmul_precision": args.matmul_precision,
                   "pytorch": pytorch_version, "models": models, "medians": medians, "runs": runs})
    print(f"record: {write_record(record, args.json)}")


if __name__ == "__main__":
    main()
