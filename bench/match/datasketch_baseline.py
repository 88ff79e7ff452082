#!/usr/bin/env python3
"""Optional baseline of the whole-command matching benchmark (run-e2e): the
Python datasketch library's MinHashLSH (num_perm=128, threshold=0.5) over a
slice of the corpus, queried with MIX dump records restricted to that slice.

Usage: datasketch_baseline.py DATASKETCH_DIR CORPUS.jsonl MIX.jsonl
                              MIX.jsonl.sources RECORDS QUERIES

DATASKETCH_DIR is a checkout of https://github.com/ekzhu/datasketch (put at
the front of sys.path; never vendored). It needs numpy and scipy (Debian:
python3-numpy, python3-scipy); without them the script prints why it skips
and exits with status 3.

Text of a record: prompt + " " + response, lower-cased, split on white space,
word 3-shingles (a record of fewer words is one shingle). Index: the first
RECORDS corpus records, keyed by corpus line. Queries: up to QUERIES MIX
records, half (at most) edited copies of records in the slice (from
MIX.jsonl.sources, written by make_dump), the rest unrelated records, in
dump order. Times are CPU seconds of this process (time.process_time).
Prints "name value" lines.
"""
import json
import sys
import time


def skip(why):
    print(f"skipped: {why}")
    sys.exit(3)


def main():
    if len(sys.argv) != 7:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    ds_dir, corpus, mix, sources, records, queries = sys.argv[1:]
    records, queries = int(records), int(queries)
    sys.path.insert(0, ds_dir)
    for mod, deb in (("numpy", "python3-numpy"), ("scipy", "python3-scipy")):
        try:
            __import__(mod)
        except ImportError:
            skip(f"python3 cannot import {mod} (Debian package {deb})")
    try:
        from datasketch import MinHash, MinHashLSH
    except ImportError as e:
        skip(f"cannot import datasketch from {ds_dir}: {e}")

    num_perm = 128

    def shingles(rec):
        words = (rec.get("prompt", "") + " " + rec.get("response", "")).lower().split()
        if len(words) < 3:
            return [" ".join(words).encode("utf-8")]
        return list({" ".join(words[i:i + 3]).encode("utf-8") for i in range(len(words) - 2)})

    # MinHash.generator reuses one set of permutations for every record (the
    # library's fast path for many MinHashes).
    def corpus_shingles():
        with open(corpus, encoding="utf-8") as f:
            k = 0
            for line in f:
                if k >= records:
                    break
                line = line.strip()
                if line:
                    yield shingles(json.loads(line))
                    k += 1

    t0 = time.process_time()
    lsh = MinHashLSH(threshold=0.5, num_perm=num_perm)
    n = 0
    for m in MinHash.generator(corpus_shingles(), num_perm=num_perm):
        lsh.insert(n, m, check_duplication=False)
        n += 1
    build_s = time.process_time() - t0

    # Queries: MIX lines whose source is in the slice, or unrelated.
    with open(sources) as f:
        src = [int(x) for x in f]
    ours = [i for i, s in enumerate(src) if 0 <= s < n][: queries // 2]
    unrelated = [i for i, s in enumerate(src) if s < 0][: queries - len(ours)]
    chosen = set(ours) | set(unrelated)
    with open(mix, encoding="utf-8") as f:
        lines = [(i, line) for i, line in enumerate(f) if i in chosen]

    t0 = time.process_time()
    matched = matched_ours = 0
    hashes = MinHash.generator((shingles(json.loads(line)) for _, line in lines), num_perm=num_perm)
    for (i, _), m in zip(lines, hashes):
        found = lsh.query(m)
        if found:
            matched += 1
            if src[i] >= 0 and src[i] in found:
                matched_ours += 1
    query_s = time.process_time() - t0

    print(f"corpus_records {n}")
    print(f"build_cpu_s {build_s:.2f}")
    print(f"build_records_per_s {n / build_s:.0f}")
    print(f"queries {len(lines)}")
    print(f"queries_ours {len(ours)}")
    print(f"matched {matched}")
    print(f"matched_ours {matched_ours}")
    print(f"query_cpu_s {query_s:.2f}")
    print(f"queries_per_s {len(lines) / query_s:.0f}")


if __name__ == "__main__":
    main()
