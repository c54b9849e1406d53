"""`hfserve generate` against llama.cpp (PyPI llama-cpp-python, from scripts/setup --peers;
run with .venv-peers' python) on the demo model, a real SmolLM2-135M-Instruct Q4_1 GGUF.

Usage: llamacpp_generate_check.py HFSERVE (the demo model is found in the Hugging Face
cache where scripts/setup put it)

For each prompt llama.cpp continues greedily for 16 tokens and gives its logits along the
way. hfserve generates from the prompt text and from llama.cpp's prompt ids
(--prompt-ids), printing its ids (--print-ids). Both engines quantise activations to 8
bits but round differently, so where llama.cpp's best two tokens are within MARGIN logits
of each other either choice is right; the check compares up to the first such near-tie.
hfserve's greedy text and ids must start with llama.cpp's up to there (and the two prompt
forms must agree), and that stretch must hold at least MIN_TOKENS tokens (so a prompt
that ties at once does not pass by comparing nothing).
Exits non-zero with every problem found.
"""
import json
import os
import subprocess
import sys

import llama_cpp
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from demo_model import demo_gguf  # noqa: E402

hfserve = sys.argv[1]
gguf = str(demo_gguf("llamacpp_generate_check"))
PROMPTS = ["The capital of France is", "Once upon a time, there was a little",
           "The largest planet in the solar system is", "1, 2, 3, 4, 5,"]
STEPS, MARGIN, MIN_TOKENS = 16, 0.15, 4

llm = llama_cpp.Llama(model_path=gguf, n_ctx=256, logits_all=True, n_threads=2, verbose=False)
problems = []
for prompt in PROMPTS:
    prompt_ids = llm.tokenize(prompt.encode(), add_bos=True, special=False)
    ids = list(prompt_ids)
    llm.reset()
    llm.eval(ids)
    for _ in range(STEPS):
        ids.append(int(np.argmax(llm.scores[len(ids) - 1])))
        llm.eval(ids[-1:])
    scores = np.array(llm.scores[len(prompt_ids) - 1: len(ids) - 1])
    top2 = np.sort(scores, axis=1)[:, -2:]
    ties = np.nonzero(top2[:, 1] - top2[:, 0] < MARGIN)[0]
    agreed = int(ties[0]) if len(ties) else STEPS
    want = llm.detokenize(ids[len(prompt_ids): len(prompt_ids) + agreed],
                          prev_tokens=prompt_ids).decode("utf-8", "replace")
    out = subprocess.run([hfserve, "--log_level", "warn", "generate", gguf, "--prompt", prompt,
                          "--max_tokens", str(STEPS), "--ignore_eos", "--print-ids"], check=True,
                         capture_output=True, text=True).stdout
    got, got_ids = out[:out.rstrip("\n").rfind("\n")], json.loads(out.splitlines()[-1])
    # The same prompt given as llama.cpp's ids must continue the same way.
    from_ids = subprocess.run([hfserve, "--log_level", "warn", "generate", gguf, "--prompt-ids",
                               ",".join(map(str, prompt_ids)), "-n", str(STEPS), "--ignore_eos",
                               "--print-ids"], check=True, capture_output=True,
                              text=True).stdout.splitlines()[-1]
    want_ids = ids[len(prompt_ids): len(prompt_ids) + agreed]
    print(f"{prompt!r}: llama.cpp {want!r} {want_ids} ({agreed} tokens before a near-tie); "
          f"hfserve {got!r} {got_ids}")
    if agreed < MIN_TOKENS:
        problems.append(f"{prompt!r}: llama.cpp ties after {agreed} tokens; choose another prompt")
    elif not got.startswith(want) or got_ids[:agreed] != want_ids:
        problems.append(f"{prompt!r}: hfserve wrote {got!r} {got_ids}, llama.cpp {want!r} {want_ids}")
    elif json.loads(from_ids) != got_ids:
        problems.append(f"{prompt!r}: --prompt-ids gave {from_ids}, --prompt {got_ids}")

for problem in problems:
    print("llamacpp_generate_check:", problem, file=sys.stderr)
sys.exit(1 if problems else 0)
