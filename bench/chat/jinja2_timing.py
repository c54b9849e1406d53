#!/usr/bin/env python3
"""Times the reference renderer for bench_chat_template: for each (name, template file,
conversation) it measures transformers' compiled template (jinja2 in HF's sandbox) rendering
that conversation, and jinja2 compiling the template, in microseconds of process CPU
time. Prints JSON.

Usage: jinja2_timing.py CASES_JSON   (a list of {"name", "source", "context"})
"""
import json
import sys
import time
import timeit

from transformers.utils import chat_template_utils


def best_of(fn, repeat=5):
    # Process CPU time, as the C++ side measures: the machine may be shared, and wall time
    # would charge other processes' load to whichever side ran during it.
    timer = timeit.Timer(fn, timer=time.process_time)
    number, _ = timer.autorange()
    return min(timer.repeat(number=number, repeat=repeat)) / number * 1e6


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    env = chat_template_utils._compile_jinja_template("").environment
    out = {}
    for case in cases:
        template = chat_template_utils._compile_jinja_template(case["source"])
        context = case["context"]
        out[case["name"]] = {
            "render_us": best_of(lambda: template.render(**context)),
            "parse_us": best_of(lambda: env.from_string(case["source"]), repeat=3),
        }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
