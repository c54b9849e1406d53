"""End-to-end pull throughput: `hfserve pull` next to huggingface_hub's snapshot_download
(the reference client, PyPI, pinned), both downloading the same model from the same local
fake Hub (tests/hub/fake_hub.py in its own process, one LFS file redirected to the CDN
host) into fresh caches, in the same run. Each client runs in its own process; the
reference times snapshot_download itself (its interpreter start-up is not counted), and
hfserve's figure includes its process start. The fake Hub is a Python server, which caps
both. Reports; asserts nothing.

usage: pull_bench.py HFSERVE_BINARY [--mib N] [--runs N]
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FAKE_HUB = os.path.join(os.path.dirname(os.path.dirname(HERE)), "tests", "hub", "fake_hub.py")

REFERENCE = """
import sys, time
import huggingface_hub
start = time.perf_counter()
huggingface_hub.snapshot_download("acme/big", cache_dir=sys.argv[1])
print(time.perf_counter() - start)
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("hfserve")
    parser.add_argument("--mib", type=int, default=256)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="hfserve_pull_bench_")
    ready = os.path.join(work, "ready.json")
    server = subprocess.Popen([sys.executable, FAKE_HUB, "--ready-file", ready,
                               "--big-mib", str(args.mib)], stdin=subprocess.PIPE)
    try:
        while not os.path.exists(ready):
            time.sleep(0.05)
        with open(ready) as urls:
            hub_url = json.load(urls)["hub"]
        env = dict(os.environ, HF_ENDPOINT=hub_url, HF_HUB_DISABLE_PROGRESS_BARS="1",
                   HF_HUB_DISABLE_TELEMETRY="1")

        def time_hfserve(cache):
            start = time.perf_counter()
            subprocess.run([args.hfserve, "--log_level", "warn", "pull", "acme/big", "--quiet"],
                           check=True, env=dict(env, HF_HUB_CACHE=cache), stdout=subprocess.DEVNULL)
            return time.perf_counter() - start

        def time_reference(cache):
            run = subprocess.run([sys.executable, "-c", REFERENCE, cache], check=True, env=env,
                                 capture_output=True, text=True)
            return float(run.stdout.split()[-1])

        size = args.mib << 20
        for name, measure in (("hfserve pull", time_hfserve),
                              ("huggingface_hub.snapshot_download (reference)", time_reference)):
            best = None
            for _ in range(args.runs):
                cache = tempfile.mkdtemp(dir=work)
                seconds = measure(cache)
                shutil.rmtree(cache)
                best = seconds if best is None else min(best, seconds)
            print("%-48s %4d MiB  best of %d: %.3f s  %.0f MiB/s" %
                  (name, args.mib, args.runs, best, size / best / (1 << 20)))
    finally:
        server.stdin.close()
        server.wait()
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
