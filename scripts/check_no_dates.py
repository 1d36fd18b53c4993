#!/usr/bin/env python3
"""Fails when the documentation or the library's comments hold what only stays true for a day: a date
(YYYY-MM-DD, or a month's name with a day or a year), a time of day in UTC, a commit id (7 to 40 hex
characters standing alone, with at least one digit and one letter), or "this machine". Measurements, which do need
their date, commit and machine, belong in the records under docs/records/, which are not checked.

  --docs      README.md and docs/*.md
  --comments  the comments of the headers under include/ (string literals are not comments)

With neither, both. Prints each offending line as FILE:LINE: what: text, and exits 1 if there is one.
"""
import argparse
import glob
import os
import re
import sys

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December|"
         r"Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)")
PATTERNS = [
    ("a date", re.compile(r"\b\d{4}-\d{2}-\d{2}\b")),
    ("a date", re.compile(MONTH + r"\.? \d{1,2}(?:st|nd|rd|th)?\b|\b\d{1,2}(?:st|nd|rd|th)? " + MONTH + r"\b|" +
                          MONTH + r",? \d{4}\b")),
    ("a time of day", re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?(?:-\d{1,2}:\d{2})? ?UTC\b")),
    ("a commit id", re.compile(r"\b(?=[0-9a-f]*[0-9])(?=[0-9a-f]*[a-f])[0-9a-f]{7,40}\b")),
    ("'this machine'", re.compile(r"\bthis machine\b", re.I)),
]


def findings(text):
    for what, pattern in PATTERNS:
        match = pattern.search(text)
        if match:
            yield what, match.group(0)


def comments(source):
    """(line number, text) of every comment of a C++ source, skipping string and character literals."""
    i, line, n = 0, 1, len(source)
    while i < n:
        c = source[i]
        if source.startswith("//", i):
            end = source.find("\n", i)
            end = n if end == -1 else end
            yield line, source[i:end]
            i = end
        elif source.startswith("/*", i):
            end = source.find("*/", i + 2)
            end = n if end == -1 else end + 2
            for k, text in enumerate(source[i:end].split("\n")):
                yield line + k, text
            line += source.count("\n", i, end)
            i = end
        elif c == 'R' and source.startswith('R"', i) and (i == 0 or not (source[i - 1].isalnum() or source[i - 1] == "_")):
            open_end = source.find("(", i)
            delimiter = source[i + 2:open_end]
            end = source.find(")" + delimiter + '"', open_end)
            end = n if end == -1 else end + len(delimiter) + 2
            line += source.count("\n", i, end)
            i = end
        elif c == '"' or (c == "'" and not (i > 0 and source[i - 1].isalnum() and i + 1 < n and source[i + 1].isalnum())):
            # A string or character literal (a ' between two alphanumerics is a digit separator: 1'000).
            j = i + 1
            while j < n and source[j] != c and source[j] != "\n":
                j += 2 if source[j] == "\\" else 1
            i = j + 1
        else:
            if c == "\n":
                line += 1
            i += 1


def check_docs():
    paths = [os.path.join(ROOT, "README.md")] + sorted(glob.glob(os.path.join(ROOT, "docs", "*.md")))
    for path in paths:
        with open(path) as f:
            for number, text in enumerate(f, 1):
                for what, found in findings(text):
                    yield path, number, what, found, text.rstrip("\n")


def check_comments():
    for path in sorted(glob.glob(os.path.join(ROOT, "include", "**", "*.hpp"), recursive=True)):
        with open(path) as f:
            source = f.read()
        lines = source.split("\n")
        for number, text in comments(source):
            for what, found in findings(text):
                yield path, number, what, found, lines[number - 1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", action="store_true", help="check README.md and docs/*.md")
    parser.add_argument("--comments", action="store_true", help="check the comments under include/")
    args = parser.parse_args()
    checks = []
    if args.docs or not args.comments:
        checks.append(check_docs)
    if args.comments or not args.docs:
        checks.append(check_comments)
    bad = 0
    for check in checks:
        for path, number, what, found, text in check():
            bad += 1
            print(f"{os.path.relpath(path, ROOT)}:{number}: {what} ({found}): {text.strip()}")
    if bad:
        print(f"check_no_dates.py: {bad} lines hold a date, a time, a commit id or 'this machine'; "
              "measurements and their circumstances belong in docs/records/")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
