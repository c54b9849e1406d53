"""`hfserve generate --prompt-ids 1 -n 256 --print-ids` on llama2.c's stories260K, as a
GGUF (Q/K in Meta's layout) and as a safetensors folder (HF's layout), neither of which
carries a tokenizer: the printed ids must be exactly greedy_ids_256.json, which llama2.c's
own run.c produced. Also the command line's refusals (no prompt, both prompts, ids that
are not in the vocabulary, --chat with ids), each a clear message and a non-zero exit.

Usage: generate_ids_check.py HFSERVE TESTDATA
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

hfserve, testdata = sys.argv[1], sys.argv[2]
stories = os.path.join(testdata, "stories260K")
with open(os.path.join(stories, "greedy_ids_256.json")) as f:
    golden = json.load(f)
problems = []


def generate(model, *args):
    return subprocess.run([hfserve, "--log_level", "warn", "generate", model, *args],
                          capture_output=True, text=True)


folder = tempfile.mkdtemp()
try:
    for name in ("model.safetensors", "config.json"):
        shutil.copy(os.path.join(stories, name), folder)
    for model in (os.path.join(stories, "stories260K-f32.gguf"), folder):
        run = generate(model, "--prompt-ids", "1", "-n", "256", "--print-ids")
        if run.returncode != 0:
            problems.append(f"{model}: exit {run.returncode}: {run.stderr}")
            continue
        ids = json.loads(run.stdout.splitlines()[-1])
        if ids != golden:
            problems.append(f"{model}: ids differ from llama2.c's from position "
                            f"{next((i for i, (a, b) in enumerate(zip(ids, golden)) if a != b), len(ids))}")
        if "prefill:" not in run.stderr or "decode: 255 tokens" not in run.stderr:
            problems.append(f"{model}: no speed line on stderr: {run.stderr!r}")

    gguf = os.path.join(stories, "stories260K-f32.gguf")
    refusals = [
        ((), "--prompt TEXT or --prompt-ids"),
        (("--prompt", "x", "--prompt-ids", "1"), "excludes"),
        (("--prompt-ids", "1,512"), "\"512\" is not a token id in [0, 512)"),
        (("--prompt-ids", "1,,2"), "\"\" is not a token id"),
        (("--prompt-ids", "1,x"), "\"x\" is not a token id"),
        (("--prompt-ids", "1", "--chat"), "--chat takes --prompt TEXT"),
        (("--prompt", "hello"), "carries no tokenizer"),
    ]
    for args, message in refusals:
        run = generate(gguf, *args)
        if run.returncode == 0 or message not in run.stderr:
            problems.append(f"{args}: exit {run.returncode}, stderr {run.stderr!r}; "
                            f"wanted a refusal saying {message!r}")
finally:
    shutil.rmtree(folder)

for problem in problems:
    print("generate_ids_check:", problem, file=sys.stderr)
sys.exit(1 if problems else 0)
