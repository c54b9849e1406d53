#!/usr/bin/env python3
"""Computes the reference renders the chat tests compare hfserve with.

Renders, with transformers' own code (pinned in requirements.txt):
  * every chat template of TESTDATA/chat-templates/*.jinja and of
    TESTDATA/tokenizers/*/tokenizer_config.json over each conversation of conversations.json,
    with add_generation_prompt false and true, and with continue_final_message (alone, and
    with add_generation_prompt where apply_chat_template refuses the pair). Tokenizer folders with a tokenizer.json go
    through AutoTokenizer.from_pretrained(...).apply_chat_template(tokenize=False); the others
    through transformers.utils.chat_template_utils.render_jinja_template, the function
    apply_chat_template calls, with the special tokens of their tokenizer_config.json;
  * every snippet of snippets.json with the jinja2 environment transformers compiles templates
    in (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks, HF's tojson,
    raise_exception and strftime_now).
strftime_now is pinned to FIXED_NOW on this side; the C++ side reads the same instant from
the output. Where the reference raises, the case records the kind of error instead.

Usage: reference_renders.py TESTDATA_DIR OUT_JSON
"""
import datetime
import glob
import json
import os
import sys

import jinja2
from jinja2.sandbox import SecurityError
from transformers import AutoTokenizer
from transformers.utils import chat_template_utils

HERE = os.path.dirname(os.path.abspath(__file__))
FIXED_NOW = datetime.datetime(2024, 7, 26, 13, 45, 7)
# The special tokens given to the standalone .jinja templates, which come without a tokenizer.
STANDALONE_TOKENS = {"bos_token": "<s>", "eos_token": "</s>", "unk_token": "<unk>"}
SPECIAL_KEYS = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token",
                "mask_token"]


class FixedDatetime(datetime.datetime):
    @classmethod
    def now(cls, tz=None):
        return FIXED_NOW


chat_template_utils.datetime = FixedDatetime


def error_kind(error):
    if isinstance(error, jinja2.TemplateSyntaxError):
        return "syntax"
    if isinstance(error, jinja2.UndefinedError):
        return "undefined"
    if isinstance(error, SecurityError):
        return "security"
    if type(error) is jinja2.TemplateError:  # raise_exception()
        return "raised"
    return "type"


def outcome(render):
    try:
        return {"output": render()}
    except Exception as error:  # the kind of any failure is what the test compares
        return {"error": error_kind(error), "message": str(error)}


def token_text(token):
    if isinstance(token, dict):
        return token.get("content")
    return token


def special_tokens(config):
    tokens = {}
    for key in SPECIAL_KEYS:
        text = token_text(config.get(key))
        if text:
            tokens[key] = text
    extra = config.get("additional_special_tokens")
    if extra:
        tokens["additional_special_tokens"] = [token_text(t) for t in extra]
    return tokens


def render_cases(testdata, conversations):
    cases = []
    sources = []
    for path in sorted(glob.glob(os.path.join(testdata, "chat-templates", "*.jinja"))):
        with open(path, encoding="utf-8") as f:
            sources.append((os.path.relpath(path, testdata), f.read(), STANDALONE_TOKENS, None))
    for config_path in sorted(glob.glob(os.path.join(testdata, "tokenizers", "*", "tokenizer_config.json"))):
        with open(config_path, encoding="utf-8") as f:
            config = json.load(f)
        if not isinstance(config.get("chat_template"), str):
            continue
        folder = os.path.dirname(config_path)
        tokenizer = None
        if os.path.exists(os.path.join(folder, "tokenizer.json")):
            tokenizer = AutoTokenizer.from_pretrained(folder)
        sources.append((os.path.relpath(folder, testdata), config["chat_template"],
                        special_tokens(config), tokenizer))
    for name, source, tokens, tokenizer in sources:
        # (add_generation_prompt, continue_final_message); only apply_chat_template checks
        # that the two are not combined, so that case needs a tokenizer.
        modes = [(False, False), (True, False), (False, True)]
        if tokenizer is not None:
            modes.append((True, True))
        for conversation in conversations:
            for add_generation_prompt, continue_final_message in modes:
                messages = conversation["messages"]
                tools = conversation.get("tools")
                documents = conversation.get("documents")
                extra = conversation.get("extra", {})
                if tokenizer is not None:
                    render = lambda: tokenizer.apply_chat_template(
                        messages, tools=tools, documents=documents,
                        add_generation_prompt=add_generation_prompt,
                        continue_final_message=continue_final_message, tokenize=False, **extra)
                else:
                    render = lambda: chat_template_utils.render_jinja_template(
                        conversations=[messages], tools=tools, documents=documents,
                        chat_template=source, add_generation_prompt=add_generation_prompt,
                        continue_final_message=continue_final_message,
                        **{**tokens, **extra})[0][0]
                case = {"template": name, "conversation": conversation["name"],
                        "add_generation_prompt": add_generation_prompt,
                        "continue_final_message": continue_final_message}
                if name.endswith(".jinja"):
                    case["special_tokens"] = tokens
                case.update(outcome(render))
                cases.append(case)
    return cases


def render_snippets(snippets):
    results = []
    for snippet in snippets:
        def render():
            template = chat_template_utils._compile_jinja_template(snippet["template"])
            return template.render(**snippet.get("context", {}))
        result = {"template": snippet["template"], "context": snippet.get("context", {})}
        result.update(outcome(render))
        results.append(result)
    return results


def main():
    testdata, out_path = sys.argv[1], sys.argv[2]
    with open(os.path.join(HERE, "conversations.json"), encoding="utf-8") as f:
        conversations = json.load(f)["conversations"]
    with open(os.path.join(HERE, "snippets.json"), encoding="utf-8") as f:
        snippets = json.load(f)["snippets"]
    result = {
        "now_utc_epoch_seconds": int(FIXED_NOW.replace(tzinfo=datetime.timezone.utc).timestamp()),
        "conversations": conversations,
        "cases": render_cases(testdata, conversations),
        "snippets": render_snippets(snippets),
    }
    tmp = out_path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(result, f, ensure_ascii=False, indent=1)
    os.replace(tmp, out_path)
    print(f"{len(result['cases'])} template renders, {len(result['snippets'])} snippets -> {out_path}")


if __name__ == "__main__":
    main()
