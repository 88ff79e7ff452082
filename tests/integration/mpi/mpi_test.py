#!/usr/bin/env python3
"""custody-mpi under a real mpirun (Open MPI), oversubscribed on one machine.

usage: mpi_test.py TEST CUSTODY CUSTODY_MPI

Each TEST is one function below. Exit 0: passed; 1: failed (the reason on
stderr); 77: skipped, saying why (mpirun or custody-mpi is missing). Every
test runs in a new temporary directory with CUSTODY_VAULT and
CUSTODY_KEY_FILE inside it; mpirun runs with the variables that let Open MPI
start as root (a test machine's user) and never leaves the machine.
"""
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

SKIP = 77


class Failed(Exception):
    pass


def check(cond, message):
    if not cond:
        raise Failed(message)


class Env:
    def __init__(self, custody, custody_mpi):
        self.custody = custody
        self.custody_mpi = custody_mpi
        self.tmp = tempfile.mkdtemp(prefix="custody-mpi-")
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CUSTODY_")}
        self.env.update({
            "CUSTODY_VAULT": os.path.join(self.tmp, "vault"),
            "CUSTODY_KEY_FILE": os.path.join(self.tmp, "master.key"),
            "CUSTODY_ACTOR": "mpi-test",
            "OMPI_ALLOW_RUN_AS_ROOT": "1",
            "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
            # One machine, no network: shared memory and loopback only.
            "OMPI_MCA_btl": "self,vader,tcp",
            "OMPI_MCA_btl_tcp_if_include": "lo",
            "OMPI_MCA_oob_tcp_if_include": "lo",
            "LC_ALL": "C",
        })
        # In a sanitizer build, Open MPI's own allocations that it never frees
        # would fail every rank at exit; leaks of custody's code on this path
        # are checked in process by match_plan_test (core_test), which runs
        # the same plan, split and merge without MPI.
        asan = self.env.get("ASAN_OPTIONS", "")
        self.env["ASAN_OPTIONS"] = (asan + ":" if asan else "") + "detect_leaks=0"

    def run(self, *args, ok=True, timeout=300):
        p = subprocess.run(list(args), cwd=self.tmp, env=self.env, stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=timeout)
        if ok and p.returncode != 0:
            raise Failed(f"{' '.join(args)}: exit {p.returncode}\n{p.stdout}{p.stderr}")
        return p

    def custody_run(self, *args, ok=True):
        return self.run(self.custody, *args, ok=ok)

    def mpirun(self, n, *args, ok=True):
        return self.run(shutil.which("mpirun"), "--oversubscribe", "-np", str(n), self.custody_mpi,
                        *args, ok=ok)

    def path(self, name):
        return os.path.join(self.tmp, name)

    def read(self, name):
        with open(self.path(name), encoding="utf-8") as f:
            return f.read()


def planted_vault(e, records=4000):
    """A vault of generated records in several shards, and a dump of exact,
    edited and truncated copies of them among hard negatives (generated
    records of another seed: the same templates, other values)."""
    e.custody_run("init")
    e.custody_run("generate", "--records", str(records), "--seed", "5", "--out", "data.jsonl")
    e.custody_run("generate", "--records", "1500", "--seed", "9", "--out", "negatives.jsonl")
    e.custody_run("ingest", "--dataset", "math", "--shard-bits", "10", "data.jsonl")
    rng = random.Random(3)
    out = []
    for i, line in enumerate(e.read("data.jsonl").splitlines()):
        r = json.loads(line)
        if i % 5 == 0:
            out.append(line)  # exact
        elif i % 5 == 1:  # edited: lower-cased, two words replaced
            for k, v in r.items():
                if isinstance(v, str):
                    w = v.lower().split()
                    if len(w) > 4:
                        w[2], w[-2] = "zebra", "quartz"
                    r[k] = " ".join(w)
            out.append(json.dumps(r))
        elif i % 5 == 2:  # truncated to two thirds
            for k, v in r.items():
                if isinstance(v, str):
                    r[k] = v[: len(v) * 2 // 3]
            out.append(json.dumps(r))
    out.extend(e.read("negatives.jsonl").splitlines())
    rng.shuffle(out)
    with open(e.path("leak.jsonl"), "w", encoding="utf-8") as f:
        f.write("\n".join(out) + "\n")


def test_scan_is_the_single_process_scan(e):
    """np=2, 3 (uneven) and 4 (oversubscribed) write the same results file
    as `custody scan`, byte for byte, and the same match set as
    `custody match`."""
    planted_vault(e)
    e.custody_run("scan", "leak.jsonl", "--out", "single.jsonl", "--threads", "1")
    single = e.read("single.jsonl")
    match = json.loads(e.custody_run("--json", "match", "leak.jsonl", "--list").stdout)
    by_match = sorted((r["source"], r["match"]["record_id"], r["match"]["kind"])
                      for r in match["results"] if r.get("match"))
    by_scan = sorted((r["source"], r["match"]["record_id"], r["match"]["kind"])
                     for r in map(json.loads, single.splitlines()))
    check(by_scan == by_match, "custody scan and custody match disagree")
    kinds = {k for _, _, k in by_scan}
    check({"exact", "near"} <= kinds, f"the planted dump should give exact and near matches, found {kinds}")
    check(len(by_scan) > 1500, f"expected the planted copies to match, found {len(by_scan)} matches")
    for n in (2, 3, 4):
        p = e.mpirun(n, "scan", "leak.jsonl", "--out", f"mpi{n}.jsonl", "--json", "--threads", "1")
        summary = json.loads(p.stdout)
        check(summary["ranks"] == n, f"np={n}: summary says {summary['ranks']} ranks")
        check(summary["matched"] == len(by_scan), f"np={n}: {summary['matched']} matched, expected {len(by_scan)}")
        check(e.read(f"mpi{n}.jsonl") == single, f"np={n}: results differ from custody scan")


def test_a_failed_rank_fails_the_job(e):
    """A dump no rank can read, and a vault rank 0 cannot open: non-zero exit,
    the reason printed, no results file."""
    planted_vault(e, records=600)
    p = e.mpirun(2, "scan", "nosuch.jsonl", "--out", "out.jsonl", ok=False)
    check(p.returncode != 0, "a missing dump should fail the job")
    check("nosuch.jsonl" in p.stderr, f"the error should name the dump:\n{p.stderr}")
    check(not os.path.exists(e.path("out.jsonl")), "no results file after a failure")
    e.env["CUSTODY_KEY_FILE"] = e.path("other.key")
    p = e.mpirun(2, "scan", "leak.jsonl", "--out", "out.jsonl", ok=False)
    check(p.returncode != 0, "a vault rank 0 cannot open should fail the job")
    check("master key" in p.stderr, f"the error should say why:\n{p.stderr}")
    check(not os.path.exists(e.path("out.jsonl")), "no results file after a failure")


def test_usage_error_exits_2(e):
    """Bad usage: exit 2 and one message, from rank 0."""
    p = e.mpirun(2, "scan", ok=False)
    check(p.returncode == 2 or "exit code: 2" in p.stderr.lower() or "exit code:    2" in p.stderr,
          f"expected exit 2, found {p.returncode}:\n{p.stderr}")
    check(p.stderr.count("dumps is required") == 1, f"expected one usage message:\n{p.stderr}")


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    test, custody, custody_mpi = sys.argv[1:]
    if shutil.which("mpirun") is None:
        print("SKIPPED: mpirun is missing (scripts/install-deps installs openmpi-bin)")
        return SKIP
    fn = globals().get("test_" + test)
    if fn is None:
        print(f"no test {test}", file=sys.stderr)
        return 2
    e = Env(custody, custody_mpi)
    try:
        fn(e)
    except Failed as f:
        print(f"FAILED: {test}: {f}", file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(e.tmp, ignore_errors=True)
    print(f"passed: {test}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
