"""End-to-end pull throughput: `hfserve pull` next to huggingface_hub's snapshot_download
(the reference client, PyPI, pinned), both downloading the same model from the same local
fake Hub (tests/hub/fake_hub.py, one LFS file redirected to the CDN host) into fresh
caches, in the same run. The fake Hub is a Python server, so this measures the clients
over loopback, including verification and the cache writes; it reports, it asserts nothing.

usage: pull_bench.py HFSERVE_BINARY [--mib N] [--runs N]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(SOURCE, "tests", "hub"))
import fake_hub  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("hfserve")
    parser.add_argument("--mib", type=int, default=256)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    fake_hub.add_big_repo(args.mib)
    hub_url, _ = fake_hub.start()
    os.environ.update({"HF_ENDPOINT": hub_url, "HF_HUB_DISABLE_PROGRESS_BARS": "1",
                       "HF_HUB_DISABLE_TELEMETRY": "1"})
    import huggingface_hub  # reads HF_ENDPOINT at import

    def time_hfserve(cache):
        start = time.perf_counter()
        subprocess.run([args.hfserve, "pull", "acme/big", "--quiet"], check=True,
                       env=dict(os.environ, HF_HUB_CACHE=cache), stdout=subprocess.DEVNULL)
        return time.perf_counter() - start

    def time_reference(cache):
        start = time.perf_counter()
        huggingface_hub.snapshot_download("acme/big", cache_dir=cache)
        return time.perf_counter() - start

    size = args.mib << 20
    for name, run in (("hfserve pull", time_hfserve),
                      ("huggingface_hub.snapshot_download (reference)", time_reference)):
        best = None
        for _ in range(args.runs):
            cache = tempfile.mkdtemp(prefix="hfserve_pull_bench_")
            seconds = run(cache)
            shutil.rmtree(cache)
            best = seconds if best is None else min(best, seconds)
        print("%-48s %4d MiB  best of %d: %.3f s  %.0f MiB/s" %
              (name, args.mib, args.runs, best, size / best / (1 << 20)))


if __name__ == "__main__":
    main()
