#!/usr/bin/env python3
"""Runs `hfserve chat-template` as a user would and compares its stdout, byte for byte, with
transformers' apply_chat_template (and render_jinja_template, the function it calls, for a
--template file or a folder without a tokenizer).

Usage: cli_reference.py HFSERVE_BINARY TESTDATA_DIR
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

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


def run(binary, args):
    return subprocess.run([binary, "chat-template", *args], capture_output=True)


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
                                          enable_thinking=False, tokenize=False)),
            ("llama3 folder, message array, --tools",
             [llama3, "--messages", messages, "--tools", tools],
             llama_tok.apply_chat_template(MESSAGES[:2], tools=TOOLS, tokenize=False)),
            ("--template with the special tokens of a model folder",
             ["--template", qwen25, qwen3, "--messages", request, "--add-generation-prompt"],
             chat_template_utils.render_jinja_template(
                 conversations=[MESSAGES], tools=TOOLS, chat_template=qwen25_source,
                 add_generation_prompt=True, **qwen_tok.special_tokens_map)[0][0]),
            ("folder holding only chat_template.jinja",
             [jinja_only, "--messages", messages, "--tools", tools, "--var", "tools_in_user_message=false"],
             chat_template_utils.render_jinja_template(
                 conversations=[MESSAGES[:2]], tools=TOOLS, chat_template=hermes_source,
                 tools_in_user_message=False)[0][0]),
        ]
        for name, args, expected in cases:
            result = run(binary, args)
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
