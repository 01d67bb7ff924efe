#!/usr/bin/env python3
"""Writes the fuzzer's seed corpus: every service frame of the golden file (mode byte 0) and
every ACL case as rules + topic (mode byte 1). Usage: fuzz_seeds.py <corpus dir>."""
import json
import os
import sys

root = os.path.join(os.path.dirname(__file__), "..", "Fixtures")
out = sys.argv[1]
os.makedirs(out, exist_ok=True)
seeds = []
with open(os.path.join(root, "bridge-frames.txt")) as f:
    for line in f:
        parts = line.split()
        if len(parts) == 4 and parts[0] in ("frame", "malformed") and parts[2] == "service":
            seeds.append(b"\x00" + bytes.fromhex(parts[3]))
with open(os.path.join(root, "acl-cases.json"), encoding="utf-8") as f:
    for case in json.load(f)["cases"]:
        rules = bytes.fromhex(case["encoded"])
        seeds.append(b"\x01" + len(rules).to_bytes(2, "big") + rules + case["topic"].encode("utf-8"))
for i, seed in enumerate(seeds):
    with open(os.path.join(out, "seed-%03d" % i), "wb") as f:
        f.write(seed)
