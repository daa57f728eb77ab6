"""Puts a section of figures into bench/RESULTS.md: `python3 bench/results.py OUT SECTION`.

SECTION is a file holding one or more `## ` sections (after a full run's preamble, which
becomes the section "The last full run"). Each goes under the file's title
(`# Benchmark results (bench/run.sh)`), newest first, and replaces the section of the
same kind already there: the one whose heading reads the same up to its date in
parentheses (`## Bulk sync (...)`, `## Worklist: 20,000 loans, ... (...)`). Every other
section is kept as it was.
"""
import os
import re
import sys

TITLE = "# Benchmark results (bench/run.sh)"


def kind(heading):
    return re.sub(r"\s*\(.*$", "", heading.strip())


def split(text):
    """The text before the first `## ` heading, then each section (heading and body)."""
    parts = re.split(r"(?m)^(?=## )", text)
    return parts[0], [p for p in parts[1:] if p.strip()]


def main(out, section_path):
    new_head, new = split(open(section_path).read())
    preamble = [l for l in new_head.splitlines() if l.strip() and l.strip() != TITLE]
    if preamble:  # a full run's machine and knobs
        new.insert(0, "## The last full run\n\n" + "\n".join(preamble) + "\n\n")
    old = open(out).read() if os.path.exists(out) else TITLE + "\n\n"
    head, sections = split(old)
    lines = [l for l in head.splitlines() if l.strip() and l.strip() != TITLE]
    if lines:  # a preamble of the last full run: under a heading of its own
        sections.insert(0, "## The last full run\n\n" + "\n".join(lines) + "\n\n")
    replaced = {kind(s.splitlines()[0]) for s in new}
    kept = [s for s in sections if kind(s.splitlines()[0]) not in replaced]
    body = "".join(s if s.endswith("\n\n") else s.rstrip("\n") + "\n\n" for s in new + kept)
    open(out, "w").write(TITLE + "\n\n" + body.rstrip("\n") + "\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
