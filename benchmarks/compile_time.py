#!/usr/bin/env python3
"""Compile time of a program that uses fnn: the README's tour, and an empty program that only includes
the header, compiled at -O2 by the C++ compiler (g++ unless CXX says otherwise), alternately against
each include folder given, so that the machine's load falls on every tree alike. Writes a record to
docs/records/compile/ (or --json FILE).

    python3 benchmarks/compile_time.py [--rounds 3] [--baseline OLD_TREE/include] [--json FILE]

--baseline adds a second tree, e.g. an older checkout (`git worktree add /tmp/old COMMIT`) to compare
with; each tree's tour is taken from its own README.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare import record_metadata  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tour_source(include):
    """The first C++ block of the tree's README.md: the tour of the API."""
    with open(os.path.join(include, "..", "README.md")) as f:
        return re.search(r"```cpp\n(.*?)```", f.read(), re.S).group(1)


def compile_seconds(cxx, source, include, extra):
    with tempfile.TemporaryDirectory() as work:
        path = os.path.join(work, "program.cpp")
        with open(path, "w") as f:
            f.write(source)
        command = [cxx, "-std=c++17", "-O2", "-fopenmp", "-I" + include, "-I/usr/include/eigen3", path,
                   "-o", os.path.join(work, "program")] + extra
        start = time.perf_counter()
        subprocess.run(command, check=True)
        return time.perf_counter() - start


def tree_commit(include):
    done = subprocess.run(["git", "-C", include, "rev-parse", "HEAD"], capture_output=True, text=True)
    return done.stdout.strip() or None


def preprocessed_lines(cxx, include):
    done = subprocess.run([cxx, "-x", "c++", "-std=c++17", "-fopenmp", "-E", "-I" + include, "-I/usr/include/eigen3", "-"],
                          input="#include <fnn/fnn.hpp>\n", capture_output=True, text=True, check=True)
    return done.stdout.count("\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", help="another tree's include folder to compare with")
    parser.add_argument("--json", help="write the record here instead of docs/records/compile/")
    args = parser.parse_args()
    cxx = os.environ.get("CXX", "g++")
    trees = {"current": os.path.join(ROOT, "include")}
    if args.baseline:
        trees["baseline"] = os.path.abspath(args.baseline)
    empty = "#include <fnn/fnn.hpp>\nint main() {}\n"
    programs = {tree: {"tour": tour_source(include), "empty": empty} for tree, include in trees.items()}
    # An older tree's header may still need zlib at link time; the current core never does.
    extra = {"current": [], "baseline": ["-lz"]}
    seconds = {tree: {"tour": [], "empty": []} for tree in trees}
    for _ in range(args.rounds):
        for name in ("tour", "empty"):
            for tree, include in trees.items():
                seconds[tree][name].append(compile_seconds(cxx, programs[tree][name], include, extra[tree]))
    compiler = subprocess.run([cxx, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    record = record_metadata(sys.argv[1:])
    # The command as a reader would repeat it: the baseline's folder is named by what it is (the record
    # holds its commit), not by where it happened to be.
    shown = ["--rounds", str(args.rounds)] + (["--baseline", "OLD_TREE/include"] if args.baseline else [])
    record.update({"kind": "compile", "command": "benchmarks/compile_time.py " + " ".join(shown),
                   "compiler": compiler,
        "flags": "-std=c++17 -O2 -fopenmp", "rounds": args.rounds, "trees": {
            tree: {"commit": tree_commit(include), "preprocessed_lines": preprocessed_lines(cxx, include),
                   "seconds": seconds[tree],
                   "median_seconds": {n: statistics.median(s) for n, s in seconds[tree].items()}}
            for tree, include in trees.items()}})
    path = args.json or os.path.join(ROOT, "docs", "records", "compile",
                                     record["date"][:16].replace(":", "") + "Z.json")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(record, f, indent=1)
    for tree, data in record["trees"].items():
        print(tree, data["preprocessed_lines"], "lines", data["median_seconds"])
    print("record:", path)


if __name__ == "__main__":
    main()
