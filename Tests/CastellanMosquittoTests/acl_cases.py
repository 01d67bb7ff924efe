#!/usr/bin/env python3
"""Flattens Tests/Fixtures/acl-cases.json into lines a C test reads with fgets:

    <access> <topic as hex> <encoded rule set as hex> <expected> <name>

Hex keeps NUL, tabs and non-ASCII in topics intact; only the fields the plugin needs are kept."""
import json
import sys

with open(sys.argv[1], encoding="utf-8") as f:
    cases = json.load(f)["cases"]
for case in cases:
    topic = case["topic"].encode("utf-8").hex() or "-"
    print(case["access"], topic, case["encoded"] or "-", case["expected"], case["name"])
