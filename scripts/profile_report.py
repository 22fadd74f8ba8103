#!/usr/bin/env python3
"""make profile-wave, report part: the hottest functions of each perf profile that bench_wave.py --profile
recorded.

For every DIR/NAME.data: the functions with the most time of their own (any library: malloc, SQLite's
B-tree and parser, the kernel's page copies), then this project's functions (modules MeetupNode,
CheckInCore, MeetupCrypto, MeetupProtocol, MeetupControl) by time including what they call, Swift names
demangled. SQL shows there by the Store function that runs it: the store is the only place SQL is written,
one request per function, so `Store.dueEnvelopes` high in the second list names its statements. Not a test:
it asserts nothing.
"""
import argparse
import glob
import os
import subprocess
import sys

OURS = ("10MeetupNode", "11CheckInCore", "12MeetupCrypto", "14MeetupProtocol", "13MeetupControl")


def rows(data, children):
    """(total %, self %, symbol) of `perf report`, highest first."""
    command = ["perf", "report", "-i", data, "--stdio", "--sort", "symbol", "-g", "none", "--percent-limit", "0.5",
               "--children" if children else "--no-children"]
    output = subprocess.run(command, capture_output=True, text=True).stdout
    found = []
    for line in output.splitlines():
        fields = line.split()
        if not line.strip() or line.startswith("#") or len(fields) < 3:
            continue
        if children:
            if len(fields) < 4:
                continue
            total, own, symbol = fields[0], fields[1], " ".join(fields[3:])
        else:
            total, symbol = fields[0], " ".join(fields[2:])
            own = total
        found.append((total, own, symbol.split("  ")[0].strip().removesuffix(" - -").strip()))
    return found


def demangled(symbols):
    """Swift names for mangled ones, by `swift demangle` (one per line, the rest left as they are)."""
    if not symbols:
        return []
    result = subprocess.run(["swift", "demangle", "--simplified"], input="\n".join(symbols) + "\n",
                            capture_output=True, text=True)
    names = result.stdout.splitlines()
    return names if len(names) == len(symbols) else symbols


def report(data, top):
    print("== %s" % os.path.basename(data))
    own = rows(data, children=False)[:top]
    print("-- most time of their own (self %):")
    for (total, _, _), name in zip(own, demangled([symbol for _, _, symbol in own])):
        print("  %7s  %s" % (total, name[:160]))
    ours = [row for row in rows(data, children=True) if any(module in row[2] for module in OURS)][:top]
    print("-- this project's functions, with what they call (total %, self %):")
    for (total, own_share, _), name in zip(ours, demangled([symbol for _, _, symbol in ours])):
        print("  %7s %7s  %s" % (total, own_share, name[:160]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory")
    parser.add_argument("--top", type=int, default=25)
    a = parser.parse_args()
    profiles = sorted(glob.glob(os.path.join(a.directory, "*.data")))
    if not profiles:
        raise SystemExit("profile_report: no perf profile in %s" % a.directory)
    for data in profiles:
        report(data, a.top)


if __name__ == "__main__":
    sys.exit(main())
