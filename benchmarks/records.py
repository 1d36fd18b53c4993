"""What every measurement record holds besides its figures, for the scripts that write records under
docs/records/KIND/ (benchmarks/compare.py, benchmarks/tabular/compare.py), where scripts/tables.py reads
them: the date (UTC), the commit and whether the tree differed from it, the CPU, and the command as a
reader would repeat it."""
import datetime
import json
import os
import shlex
import subprocess

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))


def git(*arguments):
    done = subprocess.run(["git", "-C", ROOT] + list(arguments), capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else None


def cpu():
    """The CPU as /proc/cpuinfo describes its first processor."""
    fields = {}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                fields.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    flags = set(fields.get("flags", "").split())
    return {"model": fields.get("model name"), "cores": os.cpu_count(), "avx2": "avx2" in flags,
            "avx512f": "avx512f" in flags, "avx512_bf16": "avx512_bf16" in flags}


def record_metadata(kind, script, argv, path_options):
    """The record's common fields. The command is `script` with `argv`, less the options in
    `path_options` (which only say where files are) and their values."""
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    command, skip = [script], False
    for a in argv:
        if skip:
            skip = False
        elif a in path_options:
            skip = True
        elif not a.startswith(tuple(o + "=" for o in path_options)):
            command.append(a)
    commit = git("rev-parse", "HEAD")
    return {"kind": kind, "date": now.strftime("%Y-%m-%dT%H:%M:%SZ"), "commit": commit,
            "dirty": bool(git("status", "--porcelain", "--untracked-files=no")) if commit else None,
            "cpu": cpu(), "command": " ".join(shlex.quote(c) for c in command)}


def default_record_path(record):
    """docs/records/KIND/YYYY-MM-DDTHHMMZ-avx512.json (or -avx2, or no suffix without either)."""
    date = record["date"]
    suffix = "-avx512" if record["cpu"]["avx512f"] else "-avx2" if record["cpu"]["avx2"] else ""
    return os.path.join(ROOT, "docs", "records", record["kind"], date[:11] + date[11:13] + date[14:16] + "Z" + suffix + ".json")


def write_record(record, path=None):
    """Writes `record` as indented JSON to `path`, or else to its place under docs/records/; returns the path."""
    path = os.path.normpath(os.path.abspath(path or default_record_path(record)))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(record, f, indent=1)
        f.write("\n")
    return path
