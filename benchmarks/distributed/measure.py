#!/usr/bin/env python3
"""Measures what data-parallel training costs on this machine and writes a record to docs/records/distributed/,
from which scripts/tables.py makes docs/distributed.md's tables.

Runs fnn_distributed_bench under mpirun with 2 processes of 1 thread each over shared memory: the all-reduce of
every seed model's gradients and a data-parallel pass. With --scaling, also 1 process of 2 threads, for the
comparison of the two on the same cores; the machine must be otherwise idle for that (the 1-minute load average
is recorded, and --scaling refuses to run above --max-load).

Usage: python3 benchmarks/distributed/measure.py --program build/release/benchmarks/fnn_distributed_bench
           [--scaling] [--images 6400] [--record-dir docs/records/distributed]
"""
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import records  # noqa: E402 (benchmarks/records.py)

MPI_ENVIRONMENT = {"OMPI_ALLOW_RUN_AS_ROOT": "1", "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}


def run(program, ranks, threads, images, repeats):
    """fnn_distributed_bench's JSON for `ranks` processes of `threads` threads (unbound, so that one process
    can use every core)."""
    command = ["mpirun", "-np", str(ranks), "--bind-to", "none", "--mca", "btl", "self,vader", program,
               "--threads", str(threads), "--images", str(images), "--repeats", str(repeats)]
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, **MPI_ENVIRONMENT})
    if done.returncode != 0:
        raise SystemExit(f"measure.py: {' '.join(command)} failed ({done.returncode}):\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--program", required=True, help="the fnn_distributed_bench executable")
    parser.add_argument("--scaling", action="store_true", help="also 1 process x 2 threads (an idle machine only)")
    parser.add_argument("--max-load", type=float, default=0.5, help="--scaling refuses a 1-minute load above this")
    parser.add_argument("--images", type=int, default=6400, help="training images in each timed pass")
    parser.add_argument("--repeats", type=int, default=30, help="timed all-reduces per model")
    parser.add_argument("--record-dir", help="folder for the record (default docs/records/distributed)")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    if args.scaling and load > args.max_load:
        raise SystemExit(f"measure.py: the 1-minute load average is {load:.2f}, above {args.max_load}: the "
                         "scaling figures need an otherwise idle machine")
    record = records.record_metadata("distributed", "benchmarks/distributed/measure.py", sys.argv[1:],
                                     ["--program", "--record-dir"])
    record["load_average_before"] = load
    record["images"] = args.images
    record["runs"] = [run(args.program, 2, 1, args.images, args.repeats)]
    if args.scaling:
        record["runs"].append(run(args.program, 1, 2, args.images, args.repeats))
    path = records.default_record_path(record)
    if args.record_dir:
        path = os.path.join(args.record_dir, os.path.basename(path))
    print(f"record: {records.write_record(record, path)}")


if __name__ == "__main__":
    main()
