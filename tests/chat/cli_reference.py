#!/usr/bin/env python3
"""Runs `hfserve chat-template` as a user would and compares its stdout, byte for byte, with
transformers' apply_chat_template (and render_jinja_template, the function it calls, for a
--template file, a folder without a tokenizer or a GGUF file).

MODEL is given in each of its forms: a model folder; Hub references to models placed in a
temporary Hugging Face cache (huggingface_hub's layout), which transformers loads offline
and hfserve must read without the network (HF_ENDPOINT points nowhere); and GGUF files, one
written here by llama.cpp's gguf package and a real one, whose templates and tokens the
reference reads back with gguf's own reader.

Usage: cli_reference.py HFSERVE_BINARY TESTDATA_DIR
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

import gguf
from transformers import AutoTokenizer
from transformers.utils import chat_template_utils

TOOLS = [{"type": "function", "function": {
    "name": "get_weather", "description": "Get the weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"},
                                                    "days": {"type": "integer"}},
                   "required": ["city"]}}}]
MESSAGES = [{"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Weather in Paris? Ça va 🤗"},
            {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {
                "name": "get_weather", "arguments": {"city": "Paris", "days": 2}}}]},
            {"role": "tool", "name": "get_weather", "content": "sunny, 21 °C"}]


# A revision as the cache names it (any 40-hex commit).
COMMIT = "0123456789abcdef0123456789abcdef01234567"


def run(binary, args, env=None):
    return subprocess.run([binary, "chat-template", *args], capture_output=True, env=env)


def cache_model(hub_cache, repo_id, files):
    """Places `files` (name -> source path) in hub_cache as huggingface_hub lays out a
    download: blobs by hash, snapshot links, refs/main."""
    repo = os.path.join(hub_cache, "models--" + repo_id.replace("/", "--"))
    os.makedirs(os.path.join(repo, "blobs"), exist_ok=True)
    os.makedirs(os.path.join(repo, "refs"), exist_ok=True)
    snapshot = os.path.join(repo, "snapshots", COMMIT)
    os.makedirs(snapshot, exist_ok=True)
    for name, source in files.items():
        with open(source, "rb") as f:
            data = f.read()
        blob = hashlib.sha256(data).hexdigest()
        with open(os.path.join(repo, "blobs", blob), "wb") as f:
            f.write(data)
        os.symlink(os.path.join("..", "..", "blobs", blob), os.path.join(snapshot, name))
    with open(os.path.join(repo, "refs", "main"), "w") as f:
        f.write(COMMIT)


def write_gguf(path, default_template, tool_template, tokens, bos_id, eos_id):
    """A vocabulary-only GGUF, as llama.cpp's converters write one."""
    writer = gguf.GGUFWriter(path, "llama")
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_bos_token_id(bos_id)
    writer.add_eos_token_id(eos_id)
    writer.add_chat_template([{"name": "default", "template": default_template},
                              {"name": "tool_use", "template": tool_template}])
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def gguf_template_and_tokens(path):
    """The default chat template and the bos/eos strings of a GGUF, read by gguf's reader."""
    reader = gguf.GGUFReader(path)
    template = reader.fields["tokenizer.chat_template"].contents()
    tokens = reader.fields["tokenizer.ggml.tokens"].contents()
    special = {}
    for name, key in (("bos_token", "tokenizer.ggml.bos_token_id"),
                      ("eos_token", "tokenizer.ggml.eos_token_id"),
                      ("unk_token", "tokenizer.ggml.unknown_token_id"),
                      ("pad_token", "tokenizer.ggml.padding_token_id")):
        if key in reader.fields:
            special[name] = tokens[reader.fields[key].contents()]
    return template, special


def render(source, messages, **kwargs):
    return chat_template_utils.render_jinja_template(
        conversations=[messages], chat_template=source, **kwargs)[0][0]


def main():
    binary, testdata = sys.argv[1], sys.argv[2]
    failures = 0
    work = tempfile.mkdtemp(prefix="hfserve_cli_chat_")
    try:
        request = os.path.join(work, "request.json")
        with open(request, "w", encoding="utf-8") as f:
            json.dump({"model": "any", "messages": MESSAGES, "tools": TOOLS}, f, ensure_ascii=False)
        messages = os.path.join(work, "messages.json")
        with open(messages, "w", encoding="utf-8") as f:
            json.dump(MESSAGES[:2], f, ensure_ascii=False)
        tools = os.path.join(work, "tools.json")
        with open(tools, "w", encoding="utf-8") as f:
            json.dump(TOOLS, f)
        jinja_only = os.path.join(work, "jinja_only")
        os.mkdir(jinja_only)
        hermes = os.path.join(testdata, "chat-templates", "NousResearch-Hermes-3-Llama-3.1-8B-tool_use.jinja")
        shutil.copy(hermes, os.path.join(jinja_only, "chat_template.jinja"))
        with open(hermes, encoding="utf-8") as f:
            hermes_source = f.read()
        qwen3 = os.path.join(testdata, "tokenizers", "qwen3")
        llama3 = os.path.join(testdata, "tokenizers", "llama3")
        qwen_tok = AutoTokenizer.from_pretrained(qwen3)
        llama_tok = AutoTokenizer.from_pretrained(llama3)
        qwen25 = os.path.join(testdata, "chat-templates", "Qwen-Qwen2.5-7B-Instruct.jinja")
        with open(qwen25, encoding="utf-8") as f:
            qwen25_source = f.read()

        cases = [
            ("qwen3 folder, OpenAI-style request, --var",
             [qwen3, "--messages", request, "--add-generation-prompt", "--var", "enable_thinking=false"],
             qwen_tok.apply_chat_template(MESSAGES, tools=TOOLS, add_generation_prompt=True,
                                          enable_thinking=False, tokenize=False), None),
            ("llama3 folder, message array, --tools",
             [llama3, "--messages", messages, "--tools", tools],
             llama_tok.apply_chat_template(MESSAGES[:2], tools=TOOLS, tokenize=False), None),
            ("--template with the special tokens of a model folder",
             ["--template", qwen25, qwen3, "--messages", request, "--add-generation-prompt"],
             chat_template_utils.render_jinja_template(
                 conversations=[MESSAGES], tools=TOOLS, chat_template=qwen25_source,
                 add_generation_prompt=True, **qwen_tok.special_tokens_map)[0][0], None),
            ("folder holding only chat_template.jinja",
             [jinja_only, "--messages", messages, "--tools", tools, "--var", "tools_in_user_message=false"],
             chat_template_utils.render_jinja_template(
                 conversations=[MESSAGES[:2]], tools=TOOLS, chat_template=hermes_source,
                 tools_in_user_message=False)[0][0], None),
        ]
        # A model in a Hugging Face cache, named by reference; the Hub is unreachable.
        hf_home = os.path.join(work, "hf_home")
        hub_cache = os.path.join(hf_home, "hub")
        cache_model(hub_cache, "org/qwen3-chat", {
            name: os.path.join(qwen3, name) for name in os.listdir(qwen3)})
        cache_env = {**os.environ, "HF_HOME": hf_home, "HF_ENDPOINT": "http://127.0.0.1:9"}
        for name in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HUB_OFFLINE"):
            cache_env.pop(name, None)
        cached_tok = AutoTokenizer.from_pretrained("org/qwen3-chat", cache_dir=hub_cache,
                                                   local_files_only=True)

        # GGUF files: one written here with two templates, and llama.cpp's phi-3 vocabulary.
        llama31 = os.path.join(testdata, "chat-templates", "meta-llama-Llama-3.1-8B-Instruct.jinja")
        with open(llama31, encoding="utf-8") as f:
            llama31_source = f.read()
        gguf_tokens = ["<unk>", "<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>", "héllo"]
        written_gguf = os.path.join(work, "tiny.gguf")
        write_gguf(written_gguf, llama31_source, qwen25_source, gguf_tokens, bos_id=1, eos_id=3)
        gguf_special = {"bos_token": gguf_tokens[1], "eos_token": gguf_tokens[3]}
        phi3 = os.path.join(testdata, "llamacpp-vocab", "ggml-vocab-phi-3.gguf")
        phi3_source, phi3_special = gguf_template_and_tokens(phi3)
        cache_model(hub_cache, "org/tiny-GGUF", {"tiny.Q8_0.gguf": written_gguf})

        prefill = MESSAGES[:2] + [{"role": "assistant", "content": "Il fait beau  "}]
        prefill_file = os.path.join(work, "prefill.json")
        with open(prefill_file, "w", encoding="utf-8") as f:
            json.dump(prefill, f, ensure_ascii=False)

        cases += [
            ("Hub reference to a cached model, without network",
             ["org/qwen3-chat", "--messages", request, "--add-generation-prompt"],
             cached_tok.apply_chat_template(MESSAGES, tools=TOOLS, add_generation_prompt=True,
                                            tokenize=False), cache_env),
            ("Hub reference with the revision as a commit, hf:// form",
             ["hf://org/qwen3-chat:" + COMMIT, "--messages", messages],
             cached_tok.apply_chat_template(MESSAGES[:2], tokenize=False), cache_env),
            ("GGUF written by gguf-py: default template, bos/eos from the vocabulary",
             [written_gguf, "--messages", messages, "--add-generation-prompt"],
             render(llama31_source, MESSAGES[:2], add_generation_prompt=True, **gguf_special),
             None),
            ("GGUF written by gguf-py: its tool_use template for a request with tools",
             [written_gguf, "--messages", request],
             render(qwen25_source, MESSAGES, tools=TOOLS, **gguf_special), None),
            ("GGUF repository in the cache, by reference with a quantisation",
             ["org/tiny-GGUF:Q8_0", "--messages", messages],
             render(llama31_source, MESSAGES[:2], **gguf_special), cache_env),
            ("llama.cpp's phi-3 vocabulary GGUF",
             [phi3, "--messages", messages, "--add-generation-prompt"],
             render(phi3_source, MESSAGES[:2], add_generation_prompt=True, **phi3_special), None),
            ("--continue-final-message",
             [qwen3, "--messages", prefill_file, "--continue-final-message"],
             qwen_tok.apply_chat_template(prefill, continue_final_message=True, tokenize=False),
             None),
            ("--continue-final-message on a GGUF's template",
             [written_gguf, "--messages", prefill_file, "--continue-final-message"],
             render(llama31_source, prefill, continue_final_message=True, **gguf_special), None),
        ]
        for name, args, expected, env in cases:
            result = run(binary, args, env)
            if result.returncode != 0 or result.stdout != expected.encode("utf-8") or result.stderr:
                failures += 1
                print(f"FAIL {name}: rc={result.returncode}\n  stderr: {result.stderr!r}\n"
                      f"  want: {expected[:300]!r}\n  got:  {result.stdout[:300]!r}")
            else:
                print(f"ok   {name}")

        gemma = os.path.join(testdata, "chat-templates", "google-gemma-2-2b-it.jinja")
        result = run(binary, ["--template", gemma, "--messages", request])
        if result.returncode == 0 or result.stdout or b"System role not supported" not in result.stderr:
            failures += 1
            print(f"FAIL template error: rc={result.returncode} stdout={result.stdout!r} stderr={result.stderr!r}")
        else:
            print("ok   a template's raise_exception ends in one stderr line and status 1")
        result = run(binary, [qwen3, "--messages", prefill_file, "--continue-final-message",
                              "--add-generation-prompt"])
        if result.returncode == 0 or result.stdout or b"not compatible" not in result.stderr:
            failures += 1
            print(f"FAIL both prompt flags: rc={result.returncode} stderr={result.stderr!r}")
        else:
            print("ok   --continue-final-message with --add-generation-prompt is refused")
        result = run(binary, ["org/not-cached", "--messages", messages],
                     {**cache_env, "HF_HUB_OFFLINE": "1"})
        if result.returncode == 0 or b"org/not-cached" not in result.stderr:
            failures += 1
            print(f"FAIL uncached model offline: rc={result.returncode} stderr={result.stderr!r}")
        else:
            print("ok   a model neither cached nor reachable is named in the error")
        result = run(binary, [qwen3, "--messages", os.path.join(work, "missing.json")])
        if result.returncode == 0 or b"missing.json" not in result.stderr:
            failures += 1
            print(f"FAIL missing file: rc={result.returncode} stderr={result.stderr!r}")
        else:
            print("ok   a missing --messages file is named in the error")
    finally:
        shutil.rmtree(work)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
