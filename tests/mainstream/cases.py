#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""The profile schema under a mainstream validator.

    cases.py SCHEMA PROFILE_DIR OUT_DIR

Writes, as JSON documents in OUT_DIR, the built-in profiles and mutations
of them that each break (or keep) one rule of the schema, and prints one line
per document: "NAME valid" or "NAME invalid", the verdict of Python's
jsonschema (Draft202012Validator, Debian's python3-jsonschema). The bats test
runs `fintune validate --schema` on the same documents and expects the same
verdicts. JSON, not YAML, so that PyYAML's YAML 1.1 reading ("yes" is true)
cannot make a difference the schema does not.
"""
import copy
import json
import os
import sys

import jsonschema
import yaml


def mutations(base):
    """(name, function) pairs: each changes a copy of a valid profile."""
    def setp(path, value):
        def f(d):
            o = d
            for k in path[:-1]:
                o = o.setdefault(k, {})
            o[path[-1]] = value
        return f

    def delp(path):
        def f(d):
            o = d
            for k in path[:-1]:
                o = o[k]
            del o[path[-1]]
        return f

    pin = lambda k, v: setp(["pin", "net.ipv4." + k], v)
    return [
        ("no-fintune", delp(["fintune"])),
        ("no-name", delp(["name"])),
        ("fintune-2", setp(["fintune"], 2)),
        ("fintune-1.0", setp(["fintune"], 1.0)),
        ("name-upper", setp(["name"], "Reverse-Proxy")),
        ("name-long", setp(["name"], "a" * 64)),
        ("name-63", setp(["name"], "a" * 63)),
        ("unknown-top", setp(["colour"], "blue")),
        ("extends-number", setp(["extends"], 5)),
        ("description-list", setp(["description"], ["x"])),
        ("workload-string", setp(["workload"], "busy")),
        ("close-rate-negative", setp(["workload", "inbound", "close_rate"], -1)),
        ("close-rate-fraction", setp(["workload", "inbound", "close_rate"], 1.5)),
        ("close-rate-8000.0", setp(["workload", "inbound", "close_rate"], 8000.0)),
        ("close-rate-huge", setp(["workload", "inbound", "close_rate"], 10000001)),
        ("nat-string", setp(["workload", "inbound", "clients_behind_nat"], "yes")),
        ("closes-first-bad", setp(["workload", "inbound", "closes_first"], "me")),
        ("closes-first-either", setp(["workload", "inbound", "closes_first"], "either")),
        ("percent-101", setp(["workload", "inbound", "unresponsive_percent"], 101)),
        ("percent-0.5", setp(["workload", "inbound", "unresponsive_percent"], 0.5)),
        ("rtt-zero", setp(["workload", "rtt_ms"], 0)),
        ("rtt-string", setp(["workload", "rtt_ms"], "80ms")),
        ("rtt-tiny", setp(["workload", "rtt_ms"], 0.001)),
        ("budget-zero", setp(["workload", "memory_budget_mib"], 0)),
        ("unknown-workload", setp(["workload", "inbound", "keepalive"], 5)),
        ("destinations-zero", setp(["workload", "outbound", "destinations"], 0)),
        ("half-close-side", setp(["workload", "half_close", "side"], "both")),
        ("half-close-ok", setp(["workload", "half_close"], {"side": "peer", "seconds": 30, "concurrent": 100})),
        ("pin-core-pattern", setp(["pin", "kernel.core_pattern"], "|/tmp/x")),
        ("pin-tw-reuse-3", pin("tcp_tw_reuse", 3)),
        ("pin-tw-reuse-1", pin("tcp_tw_reuse", 1)),
        ("pin-orphan-retries-256", pin("tcp_orphan_retries", 256)),
        ("pin-orphan-retries-0", pin("tcp_orphan_retries", 0)),
        ("pin-fin-timeout-string", pin("tcp_fin_timeout", "30")),
        ("pin-fin-timeout-0", pin("tcp_fin_timeout", 0)),
        ("pin-timestamps-3", pin("tcp_timestamps", 3)),
        ("pin-delay-0", pin("tcp_tw_reuse_delay", 0)),
        ("pin-range-list", pin("ip_local_port_range", [1024, 65000])),
        ("pin-range-string", pin("ip_local_port_range", "1024 65000")),
        ("pin-range-tab", pin("ip_local_port_range", "1024\t65000")),
        ("pin-range-one", pin("ip_local_port_range", [1024])),
        ("pin-range-three", pin("ip_local_port_range", [1, 2, 3])),
        ("pin-range-zero", pin("ip_local_port_range", [0, 65000])),
        ("pin-range-65536", pin("ip_local_port_range", "1024 65536")),
        ("pin-range-word", pin("ip_local_port_range", "low high")),
        ("pin-list", setp(["pin"], [1])),
    ]


def main():
    schema_path, profile_dir, out = sys.argv[1:4]
    with open(schema_path) as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    v = jsonschema.Draft202012Validator(schema)
    docs = {}
    for name in sorted(os.listdir(profile_dir)):
        if name.endswith(".yaml"):
            with open(os.path.join(profile_dir, name)) as f:
                docs["builtin-" + name[:-5]] = yaml.safe_load(f)
    base = docs["builtin-reverse-proxy"]
    for name, change in mutations(base):
        d = copy.deepcopy(base)
        change(d)
        docs[name] = d
    for name, d in docs.items():
        with open(os.path.join(out, name + ".json"), "w") as f:
            json.dump(d, f, indent=2)
        print(name, "valid" if v.is_valid(d) else "invalid")


main()
