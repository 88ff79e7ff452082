#!/usr/bin/env python3
"""Runs golden test cases of the custody command line (see README.md).

    runner.py CUSTODY_BINARY CASE.test...

Each case runs in a fresh temporary directory with its own vault and key
file: its setup steps, then its command with --json, whose exit code must be
the expected one and whose standard output, once masked, must equal the
expected output stored in the case after the "----" line. With
GOLDEN_UPDATE=1 the expected output is rewritten instead of compared.
Exits 0 when every case passes.
"""

import datetime
import difflib
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

SEPARATOR = "----"

# Keys whose values differ between any two runs, whatever the case: they come
# from the vault's random keys, or commit to entries that carry times. A key
# name masks that key anywhere in the output; "a.b" masks key b only in an
# object under key a (array indices are skipped).
DEFAULT_MASKS = [
    "vault_id",                   # random per vault
    "verifier_key",               # the log's signing key
    "public_key",                 # generated member keys
    "checkpoint",                 # signed note: root and signature
    "root",                       # log root: entries carry times
    "leaf_hash",                  # log leaves: entries carry times
    "fingerprint_params_sha256",  # commits to keyed mark parameters
    "file_sha256",                # released files carry keyed marks
    "index_manifest",             # the sketch index is keyed by the vault's index key
]

# RFC 3339 date-times, alone or inside a longer string.
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")

# Times within this many seconds of the run are the run's own (the clock's)
# and are masked; times a case gives (an expiry, --at) are not.
CLOCK_WINDOW = 2 * 86400
NOW = time.time()

STEP_TIMEOUT = 120  # seconds


def is_clock_time(seconds):
    return abs(seconds - NOW) <= CLOCK_WINDOW


def mask_time(m):
    try:
        t = datetime.datetime.fromisoformat(m.group(0).replace("Z", "+00:00"))
    except ValueError:  # shaped like a time but not one (month 13): kept
        return m.group(0)
    return "<time>" if is_clock_time(t.timestamp()) else m.group(0)


class CaseError(Exception):
    """A malformed case file, or a step that could not run."""


class Case:
    """A parsed case file: setup steps, masks, the command, expectations."""

    def __init__(self, path):
        self.path = path
        self.steps = []       # ("custody", argv) or ("sh", command line)
        self.masks = []       # key paths, each a list of key names
        self.command = None   # argv after "custody --json"
        self.exit_code = 0
        self.header = []      # lines up to and including the separator
        self.expected = None  # text after the separator, None if absent
        self._parse()

    def _parse(self):
        with open(self.path, encoding="utf-8") as f:
            lines = f.read().splitlines()
        for number, line in enumerate(lines, 1):
            if line.strip() == SEPARATOR:
                self.header = lines[:number]
                self.expected = "\n".join(lines[number:])
                break
            self.header.append(line)
            words = line.strip().split(None, 1)
            if not words or words[0].startswith("#"):
                continue
            verb, rest = words[0], words[1] if len(words) > 1 else ""
            where = f"{self.path}:{number}"
            if self.command is not None and verb in ("custody", "sh", "run"):
                raise CaseError(f"{where}: expected only mask and exit after run, "
                                f"found '{verb}'")
            if verb == "custody":
                self.steps.append(("custody", shlex.split(rest)))
            elif verb == "sh":
                self.steps.append(("sh", rest))
            elif verb == "run":
                self.command = shlex.split(rest)
            elif verb == "mask":
                self.masks += [m.split(".") for m in rest.split()]
            elif verb == "exit":
                if not rest.isdigit():
                    raise CaseError(f"{where}: expected an exit code, found '{rest}'")
                self.exit_code = int(rest)
            else:
                raise CaseError(f"{where}: expected custody, sh, run, mask, exit or "
                                f"{SEPARATOR}, found '{verb}'")
        if self.command is None:
            raise CaseError(f"{self.path}: expected a 'run' line, found none")
        if self.header and self.header[-1].strip() != SEPARATOR:
            self.header.append(SEPARATOR)


def parse_documents(text, where):
    """Returns the JSON values in text, one after another (JSON lines too)."""
    decoder = json.JSONDecoder()
    values, i = [], 0
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i == len(text):
            return values
        try:
            value, i = decoder.raw_decode(text, i)
        except json.JSONDecodeError as e:
            raise CaseError(f"{where}: expected JSON, {e}") from None
        values.append(value)


def placeholder(value):
    """"<TYPE>" for a masked value; an array keeps its length."""
    if isinstance(value, list):
        return [placeholder(item) for item in value]
    if isinstance(value, bool):
        return "<bool>"
    if isinstance(value, (int, float)):
        return "<number>"
    if value is None:
        return None
    return "<string>" if isinstance(value, str) else "<object>"


def mask(value, masks, tmp_prefixes, path=()):
    """Returns value with what varies between runs replaced by placeholders.

    A masked key's value becomes a placeholder naming its type (so a changed
    type still shows). In strings, temporary directory prefixes become "<tmp>"
    and RFC 3339 times of the run "<time>"; whole numbers that are unix times
    of the run (seconds or milliseconds) become "<unix time>".
    """
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            keys = path + (key,)
            if any(tuple(m) == keys[-len(m):] for m in masks):
                out[key] = placeholder(item)
            else:
                out[key] = mask(item, masks, tmp_prefixes, keys)
        return out
    if isinstance(value, list):
        return [mask(item, masks, tmp_prefixes, path) for item in value]
    if isinstance(value, str):
        for prefix in tmp_prefixes:
            value = value.replace(prefix, "<tmp>")
        return RFC3339.sub(mask_time, value)
    if isinstance(value, int) and not isinstance(value, bool):
        if is_clock_time(value) or is_clock_time(value / 1000):
            return "<unix time>"
    return value


def render(value, indent=0, lead=0, width=100):
    """Canonical text: sorted keys, two-space indent, and a container on one
    line when that line fits in width columns. lead is the number of columns
    already taken on the first line (by the key)."""
    flat = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(", ", ": "))
    if not value or not isinstance(value, (dict, list)) or indent + lead + len(flat) <= width:
        return flat
    pad = " " * (indent + 2)
    if isinstance(value, dict):
        items = []
        for key in sorted(value):
            k = json.dumps(key, ensure_ascii=False) + ": "
            items.append(pad + k + render(value[key], indent + 2, len(k), width))
        brackets = "{}"
    else:
        items = [pad + render(item, indent + 2, 0, width) for item in value]
        brackets = "[]"
    return brackets[0] + "\n" + ",\n".join(items) + "\n" + " " * indent + brackets[1]


def render_all(values):
    return "".join(render(v) + "\n" for v in values)


def make_env(tmp, custody):
    """Environment of every step: everything custody writes stays in tmp."""
    env = dict(os.environ)
    env.pop("CUSTODY_PASSPHRASE", None)
    env.update({
        "HOME": os.path.join(tmp, "home"),
        "XDG_CONFIG_HOME": os.path.join(tmp, "home", ".config"),
        "CUSTODY_VAULT": os.path.join(tmp, "vault"),
        "CUSTODY_KEY_FILE": os.path.join(tmp, "master.key"),
        "CUSTODY_ACTOR": "golden",
        "PATH": os.path.dirname(custody) + os.pathsep + env.get("PATH", ""),
        "LC_ALL": "C",
        "TZ": "UTC",
    })
    os.makedirs(env["HOME"])
    return env


def run_step(argv, tmp, env, shell=False):
    """Runs one command in tmp; no input, so nothing waits for a prompt."""
    try:
        return subprocess.run(argv, cwd=tmp, env=env, shell=shell, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, timeout=STEP_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise CaseError(f"no exit after {STEP_TIMEOUT} s: {argv}") from None


def substitute(arg, tmp):
    """`{{file:NAME}}` in a `run` argument becomes the text of the file NAME that a
    setup step wrote (surrounding whitespace removed): a value only known at run time."""
    def read(m):
        path = os.path.join(tmp, m.group(1))
        try:
            with open(path, encoding="utf-8") as f:
                return f.read().strip()
        except OSError as e:
            raise CaseError(f"{{{{file:{m.group(1)}}}}}: {e.strerror}") from None
    return re.sub(r"\{\{file:([^}]+)\}\}", read, arg)


def run_case(case, custody, update):
    """Runs one case; returns an error message, or None when it passes."""
    tmp = tempfile.mkdtemp(prefix="custody-golden-")
    try:
        env = make_env(tmp, custody)
        for kind, step in case.steps:
            if kind == "custody":
                p, shown = run_step([custody] + step, tmp, env), "custody " + shlex.join(step)
            else:
                p, shown = run_step(step, tmp, env, shell=True), step
            if p.returncode != 0:
                return (f"setup step failed with exit code {p.returncode}: {shown}\n"
                        f"{p.stdout}{p.stderr}")

        argv = [custody, "--json"] + [substitute(a, tmp) for a in case.command]
        p = run_step(argv, tmp, env)
        if p.returncode != case.exit_code:
            return (f"exit code {p.returncode}, expected {case.exit_code}: "
                    f"{shlex.join(argv[1:])}\n{p.stdout}{p.stderr}")
        prefixes = sorted({tmp, os.path.realpath(tmp)}, key=len, reverse=True)
        masks = [m.split(".") for m in DEFAULT_MASKS] + case.masks
        try:
            actual = render_all(mask(v, masks, prefixes)
                                for v in parse_documents(p.stdout, "standard output"))
        except CaseError as e:
            return f"{e}\n{p.stdout}"

        expected = None
        if case.expected is not None:
            try:
                expected = render_all(parse_documents(case.expected, case.path))
            except CaseError as e:
                if not update:
                    return str(e)
        if update:
            if expected != actual:
                with open(case.path, "w", encoding="utf-8") as f:
                    f.write("\n".join(case.header) + "\n" + actual)
                print(f"updated {case.path}")
            return None
        if expected is None:
            return f"no expected output (no '{SEPARATOR}' line); run with GOLDEN_UPDATE=1"
        if expected != actual:
            diff = difflib.unified_diff(expected.splitlines(True), actual.splitlines(True),
                                        "expected", "actual")
            return "output differs from the expected output:\n" + "".join(diff)
        return None
    finally:
        if os.environ.get("GOLDEN_KEEP"):
            print(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def main(argv):
    if len(argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    custody = os.path.abspath(argv[1])
    update = os.environ.get("GOLDEN_UPDATE", "") not in ("", "0")
    failed = 0
    for path in argv[2:]:
        try:
            error = run_case(Case(path), custody, update)
        except CaseError as e:
            error = str(e)
        name = os.path.splitext(os.path.basename(path))[0]
        if error:
            failed += 1
            print(f"FAIL {name}: {error}")
        else:
            print(f"ok   {name}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
