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
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from harness import SKIP, Failed, Workdir, check, main  # noqa: E402


class Env(Workdir):
    """A Workdir whose mpirun starts as root and stays on this machine."""

    def __init__(self, custody, custody_mpi):
        super().__init__("custody-mpi-", "mpi-test", {
            "OMPI_ALLOW_RUN_AS_ROOT": "1",
            "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1",
            # One machine, no network: shared memory and loopback only.
            "OMPI_MCA_btl": "self,vader,tcp",
            "OMPI_MCA_btl_tcp_if_include": "lo",
            "OMPI_MCA_oob_tcp_if_include": "lo",
        })
        self.custody = custody
        self.custody_mpi = custody_mpi
        # In a sanitizer build, Open MPI's own allocations that it never frees
        # would fail every rank at exit; leaks of custody's code on this path
        # are checked in process by match_plan_test (core_test), which runs
        # the same plan, split and merge without MPI.
        asan = self.env.get("ASAN_OPTIONS", "")
        self.env["ASAN_OPTIONS"] = (asan + ":" if asan else "") + "detect_leaks=0"

    def custody_run(self, *args, ok=True):
        return self.exec([self.custody, *args], ok=ok, timeout=300)

    def mpirun(self, n, *args, ok=True):
        return self.exec([shutil.which("mpirun"), "--oversubscribe", "-np", str(n), self.custody_mpi, *args],
                         ok=ok, timeout=300)


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


def test_scan_resumes_from_its_checkpoint(e):
    """kill -9 of rank 1 in the middle of a scan with --checkpoint: the job
    fails; rerun with the checkpoint it resumes (with another rank count,
    or as `custody scan`: the same checkpoint) and writes the results of an
    uninterrupted scan, byte for byte, then removes the checkpoint."""
    planted_vault(e, records=20000)
    e.custody_run("scan", "leak.jsonl", "--out", "single.jsonl", "--threads", "1")
    single = e.read("single.jsonl")
    args = ["scan", "leak.jsonl", "--out", "out.jsonl", "--checkpoint", "scan.ckpt",
            "--checkpoint-records", "300", "--json"]
    kill_rank_1_when(e, args, lambda: os.path.exists(e.path("scan.ckpt")), "scan")
    check(os.path.exists(e.path("scan.ckpt")), "the checkpoint should outlive the failed job")
    ckpt, partial = e.read("scan.ckpt"), e.read("out.jsonl")
    check(len(partial) < len(single), "the killed job should not have finished")

    def restore():
        e.write("scan.ckpt", ckpt)
        e.write("out.jsonl", partial)

    # Resumed by three ranks.
    summary = json.loads(e.mpirun(3, *args).stdout)
    check(summary["resumed_from"] > 0, f"the rerun should resume: {summary}")
    check(e.read("out.jsonl") == single, "the resumed scan's results differ from an uninterrupted scan")
    check(not os.path.exists(e.path("scan.ckpt")), "the checkpoint should be removed once the scan is done")
    # Resumed by custody scan, one process.
    restore()
    done = json.loads(e.custody_run("--json", *args[:-1], "--threads", "1").stdout)
    check(done["resumed_from"] > 0, f"custody scan should resume custody-mpi's checkpoint: {done}")
    check(e.read("out.jsonl") == single, "custody scan resumed: results differ from an uninterrupted scan")


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


def index_files(e):
    d = e.path("vault/index")
    return {f: open(os.path.join(d, f), "rb").read() for f in sorted(os.listdir(d))
            if os.path.isfile(os.path.join(d, f))}


def log_size(e):
    return json.loads(e.custody_run("--json", "log", "status").stdout)["size"]


def sharded_vault(e, records, bits):
    e.custody_run("init")
    e.custody_run("generate", "--records", str(records), "--seed", "11", "--out", "data.jsonl")
    e.custody_run("ingest", "--dataset", "math", "--shard-bits", str(bits), "data.jsonl")


def test_build_is_the_ingest_index(e):
    """np=2, 3 (uneven) and 4 (oversubscribed) rebuild every shard and the
    manifest byte-identical to what ingest wrote, each rebuild one `index`
    log entry; vault check stays clean."""
    sharded_vault(e, 6000, 9)  # 12 shards
    before = index_files(e)
    check(sum(f.endswith(".idx") for f in before) == 12, f"expected 12 shards, found {sorted(before)}")
    for n in (2, 3, 4):
        size = log_size(e)
        out = json.loads(e.mpirun(n, "build", "math", "--json").stdout)
        check(out["shards"] == 12 and out["ranks"] == n and out["reused"] == 0, f"np={n}: {out}")
        after = index_files(e)
        check(after == before, f"np={n}: the rebuilt index differs from the ingested one")
        check(log_size(e) == size + 1, f"np={n}: expected one log entry")
        entry = json.loads(e.custody_run("--json", "log", "show", "--from", str(size), "--to", str(size)).stdout)
        check(entry["entry"]["type"] == "index" and entry["entry"]["hashes"]["index_manifest"] == out["index_manifest"],
              f"np={n}: log entry {entry}")
    e.custody_run("vault", "check")


def test_build_repairs_a_corrupted_shard(e):
    """A flipped byte in a shard: vault check names shard, file and block;
    the rebuild restores the shard as ingest wrote it."""
    sharded_vault(e, 3000, 9)
    before = index_files(e)
    victim = sorted(f for f in before if f.endswith(".s2.idx"))[0]
    path = os.path.join(e.path("vault/index"), victim)
    data = bytearray(before[victim])
    data[len(data) // 2] ^= 0x40
    with open(path, "wb") as f:
        f.write(data)
    p = e.custody_run("vault", "check", ok=False)
    check(p.returncode != 0 and victim in p.stdout + p.stderr and "block" in p.stdout + p.stderr,
          f"vault check should name the shard file and block:\n{p.stdout}{p.stderr}")
    e.mpirun(2, "build", "math")
    check(index_files(e) == before, "the rebuilt shard should be the ingested one")
    e.custody_run("vault", "check")


def rank_pid(rank, cwd):
    """The pid of the custody-mpi process of MPI rank `rank` running in
    `cwd` (this test's job, not another test's running beside it)."""
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read()
            if b"custody-mpi" not in cmd.split(b"\0")[0]:
                continue
            if os.path.realpath(os.readlink(f"/proc/{pid}/cwd")) != os.path.realpath(cwd):
                continue
            with open(f"/proc/{pid}/environ", "rb") as f:
                env = f.read().split(b"\0")
        except OSError:
            continue
        if f"OMPI_COMM_WORLD_RANK={rank}".encode() in env:
            return int(pid)
    return None


def kill_rank_1_when(e, args, ready, what):
    """Starts custody-mpi ARGS on 2 ranks, kills rank 1 with SIGKILL once
    ready() holds (polled), and checks that the job failed; returns its
    (stdout, stderr). Fails the test if the job ended before the kill."""
    proc = subprocess.Popen([shutil.which("mpirun"), "--oversubscribe", "-np", "2", e.custody_mpi, *args],
                            cwd=e.tmp, env=e.env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    killed = False
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline:
        if ready():
            pid = rank_pid(1, e.tmp)
            if pid is not None:
                os.kill(pid, 9)
                killed = True
                break
        time.sleep(0.005)
    out, err = proc.communicate(timeout=120)
    if not killed:
        raise Failed(f"rank 1 could not be killed mid-{what} (exit {proc.returncode}):\n{out}{err}")
    check(proc.returncode != 0, f"a killed rank should fail the job:\n{out}{err}")
    return out, err


def test_killed_rank_leaves_no_manifest_change_and_no_log_entry(e):
    """kill -9 of rank 1 in the middle of a build: non-zero exit, the index
    and the log untouched; the rerun reuses the shards finished before the
    kill and ends with the ingested index."""
    sharded_vault(e, 40000, 9)  # 79 shards
    before = index_files(e)
    size = log_size(e)
    staging = [os.path.join(e.path("vault/index"), ".rebuild-" + f[: -len(".manifest")])
               for f in before if f.endswith(".manifest")][0]
    kill_rank_1_when(e, ["build", "math"],
                     lambda: os.path.isdir(staging) and
                     len([f for f in os.listdir(staging) if f.endswith(".idx")]) >= 4, "build")
    check(index_files(e) == before, "the index changed after a failed build")
    check(log_size(e) == size, "a failed build appended to the log")
    out = json.loads(e.mpirun(2, "build", "math", "--json").stdout)
    check(out["reused"] >= 2, f"the rerun should reuse the shards finished before the kill: {out}")
    check(index_files(e) == before, "the rerun's index differs from the ingested one")
    check(log_size(e) == size + 1, "the rerun should append one log entry")
    check(not os.path.exists(staging), "the staging directory should be gone after the rerun")


def test_usage_error_exits_2(e):
    """Bad usage: exit 2 and one message, from rank 0."""
    p = e.mpirun(2, "scan", ok=False)
    check(p.returncode == 2 or "exit code: 2" in p.stderr.lower() or "exit code:    2" in p.stderr,
          f"expected exit 2, found {p.returncode}:\n{p.stderr}")
    check(p.stderr.count("dumps is required") == 1, f"expected one usage message:\n{p.stderr}")


def make_env(args):
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    if shutil.which("mpirun") is None:
        print("SKIPPED: mpirun is missing (scripts/install-deps installs openmpi-bin)")
        return SKIP
    return Env(*args)


if __name__ == "__main__":
    sys.exit(main(__doc__, sys.argv, make_env))
