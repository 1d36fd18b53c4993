#!/usr/bin/env python3
"""fnn's float32 and bfloat16 matrix products side by side (fnn::set_float32_matmul_precision).

Each round runs, one after the other:
  fnn_bench       the square GEMM (BM_Gemm, BM_GemmBfloat16, n = 1024 and 2048) and the VGG-like model's
                  convolution products (BM_GemmConv: forward, weight and input gradient of 64 samples), on
                  1 and 2 threads, GFLOP/s
  fnn_throughput  the VGG-like model's training and inference (--model vgg_like_bn --images N), with
                  --matmul-precision float32 and bfloat16, images/s
and prints the medians over the rounds with the ratios bfloat16 / float32, each the median of the
rounds' own ratios (runs made one after the other compare better on a machine whose speed drifts).
The build must have AVX512-BF16 (the bfloat16 benchmarks fail without it). Writes a record (date,
commit, CPU, command, every run) to docs/records/matmul_precision/ or --json PATH.

Usage: benchmarks/matmul_precision.py [--build build/release] [--rounds 3] [--images 9600]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

from records import record_metadata, write_record

HERE = os.path.dirname(os.path.abspath(__file__))
THROUGHPUT = ["train_images_per_second", "inference_images_per_second"]


def run(command):
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return done.stdout


def gemm_round(bench, min_time):
    """GFLOP/s of each GEMM benchmark, by name with the precision's part taken out, per precision."""
    out = json.loads(run([bench, "--benchmark_filter=BM_Gemm(Bfloat16)?/n:|BM_GemmConv",
                          f"--benchmark_min_time={min_time}", "--benchmark_format=json"]))
    figures = {}
    for b in out["benchmarks"]:
        if b.get("error_occurred"):
            raise SystemExit(f"{b['name']}: {b.get('error_message')}")
        name = b["name"].replace("/real_time", "")
        bf16 = name.startswith("BM_GemmBfloat16") or "/bf16:1" in name
        key = name.replace("BM_GemmBfloat16", "BM_Gemm").replace("/bf16:1", "").replace("/bf16:0", "")
        figures.setdefault(key, {})["bfloat16" if bf16 else "float32"] = b["GFLOP/s"]
    return figures


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--build", default=os.path.join(HERE, "..", "build", "release"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--images", type=int, default=9600, help="training images per timed pass")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--min-time", type=float, default=0.3, help="fnn_bench's --benchmark_min_time")
    parser.add_argument("--json", help="write the record here instead of docs/records/matmul_precision/")
    args = parser.parse_args()
    record = record_metadata("matmul_precision", "benchmarks/matmul_precision.py", sys.argv[1:], ("--json", "--build"))
    bench = os.path.join(args.build, "benchmarks", "fnn_bench")
    throughput = os.path.join(args.build, "benchmarks", "fnn_throughput")

    gemm_runs, vgg_runs = [], []
    for r in range(args.rounds):
        gemm_runs.append(gemm_round(bench, args.min_time))
        vgg = {}
        for precision in ("float32", "bfloat16"):
            result = json.loads(run([throughput, "--model", "vgg_like_bn", "--threads", str(args.threads),
                                     "--images", str(args.images), "--matmul-precision", precision]).splitlines()[-1])
            if result["matmul_precision"] != precision:
                raise SystemExit(f"fnn_throughput took {result['matmul_precision']} products, not {precision}")
            vgg[precision] = result
        vgg_runs.append(vgg)
        print(f"round {r + 1}/{args.rounds}: VGG-like training {vgg['float32']['train_images_per_second']:.0f} -> "
              f"{vgg['bfloat16']['train_images_per_second']:.0f} images/s", flush=True)

    def summary(runs, keys, figure):
        """Per key: the medians of each precision and the median of the rounds' ratios."""
        return {k: {"float32": statistics.median(figure(x, k, "float32") for x in runs),
                    "bfloat16": statistics.median(figure(x, k, "bfloat16") for x in runs),
                    "ratio": statistics.median(figure(x, k, "bfloat16") / figure(x, k, "float32") for x in runs)}
                for k in keys}

    gemm = summary(gemm_runs, gemm_runs[0].keys(), lambda x, k, p: x[k][p])
    vgg = summary(vgg_runs, THROUGHPUT, lambda x, k, p: x[p][k])
    print(f"\nMedians of {args.rounds} rounds; ratios: medians of the rounds' bfloat16 / float32")
    print(f"{'GEMM (GFLOP/s)':44} {'float32':>8} {'bfloat16':>8} {'ratio':>6}")
    for k, v in gemm.items():
        print(f"{k:44} {v['float32']:8.1f} {v['bfloat16']:8.1f} {v['ratio']:5.2f}x")
    print(f"{'VGG-like, ' + str(args.threads) + ' threads (images/s)':44} {'float32':>8} {'bfloat16':>8} {'ratio':>6}")
    for k, v in vgg.items():
        print(f"{k:44} {v['float32']:8.0f} {v['bfloat16']:8.0f} {v['ratio']:5.2f}x")
    record.update({"rounds": args.rounds, "images": args.images, "threads": args.threads, "gemm": gemm,
                   "vgg_like_bn": vgg, "runs": {"gemm": gemm_runs, "vgg_like_bn": vgg_runs}})
    print(f"record: {write_record(record, args.json)}")


if __name__ == "__main__":
    main()
