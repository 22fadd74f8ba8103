#!/usr/bin/env python3
"""make fuzz: every decoder of untrusted bytes under libFuzzer with AddressSanitizer.

Builds the meetup-fuzz target (Fuzz/) into .build-fuzz with coverage and ASan, seeds one corpus per target
from the protocol vector files (Tests/MeetupProtocolTests/Vectors), contrib/meetupd.yaml and a few
hand-written inputs, runs each target for --seconds, and prints the executions and crashes per target. A
crash is saved under .build-fuzz/crashes/TARGET/ and makes the run fail; replay it with a plain build:
`.build/debug/meetup-fuzz TARGET FILE`.
"""
import argparse
import glob
import json
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SCRATCH = os.path.join(ROOT, ".build-fuzz")
TARGETS = ["envelope", "message", "card", "owntracks", "control", "config"]


def runtime_library():
    for path in glob.glob("/opt/swift/usr/lib/clang/*/lib/linux/libclang_rt.fuzzer_no_main-x86_64.a") + glob.glob(
            os.path.join(os.path.dirname(os.path.realpath(subprocess.check_output(["which", "swiftc"], text=True).strip())),
                         "..", "lib", "clang", "*", "lib", "linux", "libclang_rt.fuzzer_no_main-x86_64.a")):
        return path
    sys.exit("make fuzz: libclang_rt.fuzzer_no_main is not in this Swift toolchain")


def build():
    flags = ["-c", "release", "--product", "meetup-fuzz", "--scratch-path", SCRATCH,
             "-Xswiftc", "-sanitize=address", "-Xswiftc", "-sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table",
             "-Xswiftc", "-DFUZZING", "-Xlinker", runtime_library(), "-Xlinker", "-lstdc++"]
    subprocess.run(["swift", "build"] + flags, cwd=ROOT, check=True)
    return os.path.join(subprocess.check_output(["swift", "build"] + flags + ["--show-bin-path"], cwd=ROOT, text=True).strip(),
                        "meetup-fuzz")


def vectors():
    """The key: value fields of every vector file."""
    for path in sorted(glob.glob(os.path.join(ROOT, "Tests/MeetupProtocolTests/Vectors/*.txt"))):
        fields = {}
        for line in open(path, encoding="utf-8"):
            if ": " in line and not line.startswith("#"):
                key, value = line.rstrip("\n").split(": ", 1)
                fields[key] = value
        yield os.path.basename(path), fields


def seeds():
    corpus = {target: [] for target in TARGETS}
    for name, fields in vectors():
        if "sealed" in fields:
            corpus["envelope"].append(bytes.fromhex(fields["sealed"]))
        if "body" in fields and "type" in fields:
            corpus["message"].append(bytes([int(fields["type"])]) + bytes.fromhex(fields["body"]))
        if "card" in fields:
            corpus["card"].append(fields["card"].encode())
    corpus["owntracks"] += [
        b'{"_type":"location","lat":48.8566,"lon":2.3522,"tst":1795000000,"acc":15,"batt":64,"vel":5,"tid":"ph","conn":"m"}',
        b'{"_type":"transition","event":"enter","desc":"Home","lat":48.85,"lon":2.35,"tst":1795000000,"acc":10}',
        b'{"_type":"waypoint","desc":"Home","lat":"48.85","lon":2.35,"tst":1795000000}', b'',
    ]
    corpus["control"] += [
        bytes([0]) + json.dumps({"match": "Kiwi", "place": "Cafe", "geo": "48.8566,2.3522", "every": "15m", "grace": "5m",
                                 "for": "3h", "start": "+10m", "contacts": ["Anne"], "escalate_after": "5m"}).encode(),
        bytes([1]) + b'{"pin":"1234","duress_pin":"9876","current_pin":null}', bytes([2]) + b'{"pin":"1234"}',
        bytes([3]) + b'{"pin":"1234","by":"1h","until":null}', bytes([4]) + b'{"geo":"48.85,2.35","accuracy":12}',
        bytes([5]) + b'{"name":"Anne","card":"meetup1:AAAA","guardian":true,"tier":2}',
        bytes([6]) + b"match: Kiwi\nplace: Cafe\n# note\ngeo: 48.85,2.35\n",
    ]
    corpus["config"] += [open(os.path.join(ROOT, "contrib/meetupd.yaml"), "rb").read(),
                         b"listen: 0.0.0.0:7744\nretention: 30d\nguardian-slack: 1m30s\nhook-details: true\npeer-connection-limit: 64\n"]
    return corpus


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60, help="per target")
    parser.add_argument("--targets", default=",".join(TARGETS))
    a = parser.parse_args()
    binary = build()
    results = {}
    for target, inputs in seeds().items():
        if target not in a.targets.split(","):
            continue
        corpus = os.path.join(SCRATCH, "corpus", target)
        crashes = os.path.join(SCRATCH, "crashes", target) + "/"
        os.makedirs(corpus, exist_ok=True)
        os.makedirs(crashes, exist_ok=True)
        earlier = set(os.listdir(crashes))
        for index, data in enumerate(inputs):
            with open(os.path.join(corpus, "seed-%d" % index), "wb") as f:
                f.write(data)
        environment = dict(os.environ, MEETUP_FUZZ_TARGET=target, ASAN_OPTIONS="detect_leaks=0")
        run = subprocess.run([binary, corpus, "-max_total_time=%d" % a.seconds, "-max_len=65536", "-timeout=10",
                              "-rss_limit_mb=4096", "-artifact_prefix=" + crashes, "-print_final_stats=1"],
                             env=environment, capture_output=True, text=True)
        executions = re.search(r"stat::number_of_executed_units:\s*(\d+)", run.stderr)
        found = len(set(os.listdir(crashes)) - earlier)
        results[target] = {"executions": int(executions.group(1)) if executions else 0, "crashes": found,
                           "corpus": len(os.listdir(corpus)), "exit": run.returncode}
        print("fuzz %-9s %10d executions in %d s, %d crashes, corpus %d" % (
            target, results[target]["executions"], a.seconds, found, results[target]["corpus"]), flush=True)
        if run.returncode != 0 and found == 0:
            print(run.stderr[-3000:], file=sys.stderr)
    total = sum(r["executions"] for r in results.values())
    print(json.dumps({"targets": results, "executions": total}, sort_keys=True))
    return 0 if all(r["crashes"] == 0 and r["exit"] == 0 for r in results.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
