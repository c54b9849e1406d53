"""`hfserve bench --json` on the demo model, checked against gguf-py and llama-bench's
definitions: one pp and one tg row with llama-bench's field names; model_size and
model_n_params equal the bytes and elements of the file's tensors as gguf-py reads them;
avg_ts and stddev_ts are the mean and sample standard deviation of samples_ts, and each
sample is the test's tokens over its samples_ns. The figures themselves are not judged.

Usage: bench_check.py HFSERVE (the demo model is found in the Hugging Face cache where
scripts/setup put it)
"""
import json
import os
import statistics
import subprocess
import sys

import gguf

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from demo_model import demo_gguf  # noqa: E402

hfserve = sys.argv[1]
path = demo_gguf("bench_check")

out = subprocess.run([hfserve, "--log_level", "warn", "bench", str(path), "-p", "48", "-n", "6",
                      "-b", "32", "-r", "3", "-t", "2", "--json", "--kv_cache_memory", "16MiB",
                      "--max_model_len", "256"],
                     check=True, capture_output=True, text=True).stdout
rows = json.loads(out)
reader = gguf.GGUFReader(path)
size = sum(int(t.n_bytes) for t in reader.tensors)
params = sum(int(t.n_elements) for t in reader.tensors)

problems = []
def expect(what, got, want):
    if got != want:
        problems.append(f"{what}: {got!r}, expected {want!r}")

expect("tests", [(r["n_prompt"], r["n_gen"]) for r in rows], [(48, 0), (0, 6)])
for row in rows:
    name = f"pp{row['n_prompt']}" if row["n_prompt"] else f"tg{row['n_gen']}"
    expect(name + " model_filename", row["model_filename"], path.name)
    expect(name + " model_size", row["model_size"], size)
    expect(name + " model_n_params", row["model_n_params"], params)
    expect(name + " n_threads", row["n_threads"], 2)
    expect(name + " n_batch", row["n_batch"], 32)
    expect(name + " samples", (len(row["samples_ns"]), len(row["samples_ts"])), (3, 3))
    tokens = row["n_prompt"] + row["n_gen"]
    for ns, ts in zip(row["samples_ns"], row["samples_ts"]):
        if ns <= 0 or abs(ts - tokens * 1e9 / ns) > 1e-3 * ts:
            problems.append(f"{name}: sample {ts} t/s is not {tokens} tokens in {ns} ns")
    if abs(row["avg_ts"] - statistics.mean(row["samples_ts"])) > 1e-9 * row["avg_ts"]:
        problems.append(f"{name}: avg_ts {row['avg_ts']} is not the mean of samples_ts")
    if abs(row["stddev_ts"] - statistics.stdev(row["samples_ts"])) > 1e-6 * row["avg_ts"]:
        problems.append(f"{name}: stddev_ts {row['stddev_ts']} is not the samples' stdev")
    print(f"{name}: {row['avg_ts']:.1f} ± {row['stddev_ts']:.1f} t/s")

table = subprocess.run([hfserve, "--log_level", "warn", "bench", str(path), "-p", "16", "-n", "0",
                        "-r", "1", "--kv_cache_memory", "16MiB", "--max_model_len", "256"],
                       check=True, capture_output=True, text=True).stdout.splitlines()
expect("table header", table[0], "| model | size | params | backend | threads | test | t/s |")
expect("table rows", len(table), 3)
if f"| {path.name} |" not in table[-1] or "| pp16 |" not in table[-1]:
    problems.append(f"table row: {table[-1]!r}")

for p in problems:
    print("PROBLEM:", p)
sys.exit(1 if problems else 0)
