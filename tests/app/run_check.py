"""`hfserve run` driven through a pipe, as a script would: a conversation of several turns
on the demo model. Each reply must be what the server's /v1/chat/completions gives for
the same conversation so far (greedy), so the history, its roles and the replies fed back
are exactly what a chat client would send; /clear must forget, a message between \"\"\"
lines is one message, /bye ends with status 0 and no prompt is printed without a
terminal.

Usage: run_check.py HFSERVE_BINARY
"""
import json
import os
import subprocess
import sys
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from serve_process import free_port, wait_ready  # noqa: E402

BINARY = sys.argv[1]
FLAGS = ["--offline", "--kv_cache_memory", "64MiB", "--max_model_len", "1024", "--threads", "2"]
MAX_TOKENS = 24


def chat_reference(port, messages):
    body = {"messages": messages, "max_tokens": MAX_TOKENS, "temperature": 0}
    request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/chat/completions",
                                     data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as r:
        return json.load(r)["choices"][0]["message"]["content"]


def main():
    turns = ["Hello", "What is 2+2?", "/clear", '"""Name two colours,', 'one per line."""',
             "/bye", "never sent"]
    out = subprocess.run([BINARY, "--log_level", "warn", "run", "--system", "Be brief.",
                          "--max_tokens", str(MAX_TOKENS), *FLAGS],
                         input="\n".join(turns) + "\n", capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert ">>>" not in out.stdout, out.stdout

    port = free_port()
    server = subprocess.Popen([BINARY, "--log_level", "warn", "serve", "--http_port", str(port),
                               "--task_history", "off", *FLAGS],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_ready(server, port)
        system = {"role": "system", "content": "Be brief."}
        history = [system, {"role": "user", "content": "Hello"}]
        expected = [chat_reference(port, history)]
        history += [{"role": "assistant", "content": expected[0]},
                    {"role": "user", "content": "What is 2+2?"}]
        expected.append(chat_reference(port, history))
        # After /clear: only the system message and the two-line message.
        expected.append(chat_reference(port, [
            system, {"role": "user", "content": "Name two colours,\none per line."}]))
    finally:
        server.terminate()
        server.wait(timeout=30)
        server.stdout.close()
    # Each reply is followed by a blank line.
    want = "".join(reply + "\n\n" for reply in expected)
    assert out.stdout == want, f"{out.stdout!r} != {want!r}"
    print("3 turns equal the server's answers:", json.dumps(expected))


if __name__ == "__main__":
    main()
