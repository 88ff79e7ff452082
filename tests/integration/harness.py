"""What the Python integration tests share (cli_contract_test.py, mpi_test.py).

A test script names its tests test_NAME(env) and ends with
`sys.exit(harness.main(__doc__, sys.argv, make_env))`: ctest runs it once per
test, `SCRIPT NAME ARGS...`. A test fails by raising Failed (check() does),
is skipped by returning SKIP after printing "SKIPPED: why", and passes
otherwise. Exit codes: 0 passed, 1 failed (the reason on stderr), 2 usage,
77 skipped (ctest's SKIP_RETURN_CODE).

Every test runs in a new temporary directory (Workdir) with the variables
custody reads (CUSTODY_*) scrubbed from the environment and its vault, key
file and actor inside the directory, so no test touches a user's vault or
another test's.
"""
import os
import shutil
import subprocess
import sys
import tempfile

SKIP = 77


class Failed(Exception):
    pass


def check(cond, message):
    """Raises Failed(message) unless cond."""
    if not cond:
        raise Failed(message)


class Workdir:
    """A temporary directory and the environment commands run in."""

    def __init__(self, prefix, actor, extra_env=None):
        self.tmp = tempfile.mkdtemp(prefix=prefix)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTODY_")}
        self.env.update({
            "CUSTODY_VAULT": os.path.join(self.tmp, "vault"),
            "CUSTODY_KEY_FILE": os.path.join(self.tmp, "master.key"),
            "CUSTODY_ACTOR": actor,
            "LC_ALL": "C",
        })
        self.env.update(extra_env or {})

    def exec(self, argv, env=None, ok=True, timeout=120):
        """Runs argv in the directory (stdin closed, output captured); with
        ok, raises Failed unless it exits 0. `env` adds to (None: removes
        from) the directory's environment for this run."""
        e = dict(self.env)
        e.update(env or {})
        e = {k: v for k, v in e.items() if v is not None}
        p = subprocess.run(list(argv), cwd=self.tmp, env=e, stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=timeout)
        if ok and p.returncode != 0:
            raise Failed(f"{' '.join(argv)}: exit {p.returncode}\n{p.stdout}{p.stderr}")
        return p

    def path(self, name):
        return os.path.join(self.tmp, name)

    def read(self, name):
        with open(self.path(name), encoding="utf-8") as f:
            return f.read()

    def write(self, name, text):
        path = self.path(name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def close(self):
        shutil.rmtree(self.tmp, ignore_errors=True)


def main(doc, argv, make_env):
    """Runs test_NAME of the calling script: argv is [script, NAME, ARGS...],
    and make_env(ARGS) returns the Workdir it runs in, or an int to exit
    with (SKIP when what the tests need is missing, having said why)."""
    tests = sys.modules["__main__"].__dict__
    if len(argv) < 2 or ("test_" + argv[1]) not in tests:
        print(doc, file=sys.stderr)
        if len(argv) >= 2:
            print(f"no test '{argv[1]}'", file=sys.stderr)
        return 2
    name = argv[1]
    env = make_env(argv[2:])
    if isinstance(env, int):
        return env
    try:
        if tests["test_" + name](env) == SKIP:
            return SKIP
    except Failed as e:
        print(f"FAILED: {name}: {e}", file=sys.stderr)
        return 1
    finally:
        env.close()
    print(f"passed: {name}")
    return 0
