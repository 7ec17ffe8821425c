#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# recap.py LOG: the PLAY RECAP of an ansible-playbook log (default callback)
# as JSON, {host: {ok, changed, unreachable, failed, skipped, rescued,
# ignored}}. ansible-core 2.14 ships no json stdout callback (that one is in
# ansible.posix), so the recap is read as text: its format is stable.
import json
import re
import sys

line = re.compile(r"^(\S+)\s+:\s+((?:\w+=\d+\s*)+)$")
hosts = {}
in_recap = False
with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
    for raw in f:
        raw = raw.rstrip("\n")
        if raw.startswith("PLAY RECAP"):
            in_recap = True
            hosts = {}
            continue
        if in_recap:
            m = line.match(raw.strip())
            if m:
                hosts[m.group(1)] = {k: int(v) for k, v in (kv.split("=") for kv in m.group(2).split())}
if not hosts:
    sys.exit("recap.py: no PLAY RECAP in " + sys.argv[1])
json.dump(hosts, sys.stdout, indent=1, sort_keys=True)
print()
