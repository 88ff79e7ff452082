#!/usr/bin/env python3
"""Checks that every module includes only modules below it.

The graph is the one docs/architecture.md draws and the CMake targets link:
each entry lists a module's direct dependencies; a module may include its
own headers and those of anything it reaches. Test sources (*_test.cc, test
fixtures) are exempt: tests may use any module. Exit 0 when every include is
allowed, 1 with one line per violation (file:line, module, included module).

usage: module_deps.py SRC_ROOT   (SRC_ROOT = the repository's src/)
"""
import os
import re
import sys

DEPS = {
    "base": [],
    "crypto": ["base"],
    "text": ["base"],
    "format": ["base", "text"],
    "store": ["base", "crypto"],
    "ledger": ["base", "crypto"],
    "sketch": ["base", "crypto", "text", "format"],
    "mark": ["base", "crypto", "text"],
    "core/vault": ["base", "crypto", "format", "store", "ledger"],
    "core/ingest": ["core/vault", "sketch", "text"],
    "core/parties": ["core/vault"],
    "core/release": ["core/parties", "mark"],
    "core/exposure": ["core/release"],
    "core/attribution": ["base", "mark"],
    "core/match": ["core/vault", "sketch", "text"],
    "core/trace": ["core/attribution", "core/match", "core/release"],
    "core/audit": ["core/exposure"],
    "core/response": ["core/trace", "core/audit"],
    "core": ["core/vault", "core/ingest", "core/parties", "core/release", "core/exposure",
             "core/attribution", "core/match", "core/trace", "core/audit", "core/response"],
    "core/demo": ["core", "sketch"],
    "serve": ["core"],
}

TEST_FILE = re.compile(r"(_test\.cc|_fixture\.h|temp_vault\.h|test_util\.h)$")
INCLUDE = re.compile(r'^\s*#\s*include\s+"custody/([^"]+)"')


def reach(module, seen=None):
    seen = set() if seen is None else seen
    for d in DEPS[module]:
        if d not in seen:
            seen.add(d)
            reach(d, seen)
    return seen


def module_of(rel):
    """The module of a path relative to src/custody ("core/trace/x.h")."""
    parts = rel.split("/")
    if parts[0] == "core":
        return "core" if len(parts) == 2 else "core/" + parts[1]
    return parts[0]


def cycle():
    """A dependency cycle in DEPS, or None."""
    state = {}

    def visit(m, path):
        state[m] = 1
        for d in DEPS[m]:
            if state.get(d) == 1:
                return path + [d]
            if d not in state:
                found = visit(d, path + [d])
                if found:
                    return found
        state[m] = 2
        return None

    for m in DEPS:
        if m not in state:
            found = visit(m, [m])
            if found:
                return found
    return None


def main():
    root = os.path.join(sys.argv[1], "custody")
    problems = []
    c = cycle()
    if c:
        problems.append("module graph has a cycle: " + " -> ".join(c))
    checked = 0
    for dirpath, _, files in os.walk(root):
        for name in sorted(files):
            if not name.endswith((".h", ".cc")) or TEST_FILE.search(name):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            mod = module_of(rel)
            if mod not in DEPS:
                problems.append(f"{rel}: module '{mod}' is not in the graph")
                continue
            allowed = reach(mod) | {mod}
            with open(path, encoding="utf-8") as f:
                for lineno, line in enumerate(f, 1):
                    m = INCLUDE.match(line)
                    if not m:
                        continue
                    target = module_of(m.group(1))
                    if target not in allowed:
                        problems.append(f"src/custody/{rel}:{lineno}: module '{mod}' includes "
                                        f"'{m.group(1)}' of module '{target}', which it does "
                                        f"not depend on")
            checked += 1
    for p in problems:
        print(p)
    print(f"{checked} files checked, {len(problems)} problem(s)")
    return 1 if problems or checked == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
