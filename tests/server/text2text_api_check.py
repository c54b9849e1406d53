"""Text2text (T5) end to end: the real binary serves the random T5 v1.0 and v1.1 that
tests/models/t5_reference.py makes (with a T5-style tokenizer.json), and its answers are
compared with transformers' generate() + tokenizer.decode(skip_special_tokens=True) on the
same folders: OpenAI /v1/completions (and /openai/v1/...) at temperature 0, KServe V1
predict and V2 infer (with V2's model metadata), streamed completions through the
official openai client (also with a stop string), a client that goes away, seeded
sampling reproducible, unsupported fields refused with 400.

Usage: text2text_api_check.py path/to/hfserve
"""
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

import openai

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from encoder_api_check import Server  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def responses(server, status):
    """hfserve_http_responses_total for one status (0 before the first)."""
    with urllib.request.urlopen(server.url("/metrics")) as r:
        for line in r.read().decode().splitlines():
            if line.startswith("hfserve_http_responses_total{") and f'status="{status}"' in line:
                return float(line.rsplit(" ", 1)[1])
    return 0.0


class Text2TextApi(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        subprocess.run([sys.executable, os.path.join(HERE, "..", "models", "t5_reference.py"),
                        cls.tmp.name], check=True)
        with open(os.path.join(cls.tmp.name, "expected.json")) as f:
            cls.cases = json.load(f)["cases"]

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def test_completions_and_predict_equal_transformers_generate(self):
        for case in self.cases:
            with self.subTest(model=case["dir"]):
                server = Server(os.path.join(self.tmp.name, case["dir"]), "--model_name",
                                "t5")
                try:
                    for i, text in enumerate(case["texts"]):
                        prefix = "/openai/v1" if i == 0 else "/v1"
                        status, body = server.post(prefix + "/completions", {
                            "model": "t5", "prompt": text, "max_tokens": 16, "temperature": 0})
                        self.assertEqual(status, 200, body)
                        choice = body["choices"][0]
                        self.assertEqual(choice["text"], case["greedy_text"][i])
                        greedy = case["greedy"][i]
                        self.assertEqual(choice["finish_reason"],
                                         "stop" if greedy[-1] == 1 else "length")
                        self.assertEqual(body["usage"]["prompt_tokens"], len(case["inputs"][i]))
                        self.assertEqual(body["usage"]["completion_tokens"], len(greedy))
                        self.assertEqual(body["object"], "text_completion")
                    status, body = server.post("/v1/models/t5:predict",
                                               {"instances": case["texts"]})
                    self.assertEqual(status, 200, body)
                    self.assertEqual(body["predictions"], case["greedy_text"])
                    # V2: the texts as one BYTES tensor (any shape), the generations as
                    # BYTES "output-0" [texts].
                    n = len(case["texts"])
                    status, body = server.post("/v2/models/t5/infer", {
                        "id": "t2t", "inputs": [{"name": "input-0", "datatype": "BYTES",
                                                 "shape": [n, 1], "data": case["texts"]}]})
                    self.assertEqual(status, 200, body)
                    self.assertEqual(body["id"], "t2t")
                    self.assertEqual(body["outputs"], [{"name": "output-0", "datatype": "BYTES",
                                                        "shape": [n],
                                                        "data": case["greedy_text"]}])
                    status, body = server.get("/v2/models/t5")
                    self.assertEqual(status, 200, body)
                    self.assertEqual(body["outputs"],
                                     [{"name": "output-0", "datatype": "BYTES", "shape": [-1]}])

                    self.check_streams(server, case)

                    sampled = {"prompt": case["texts"][0], "max_tokens": 8, "temperature": 1.0,
                               "top_p": 0.9, "seed": 7}
                    first, second = server.post("/v1/completions", sampled), \
                        server.post("/v1/completions", sampled)
                    self.assertEqual(first[0], 200, first)
                    self.assertEqual(first[1]["choices"][0]["text"],
                                     second[1]["choices"][0]["text"])
                    self.check_several_choices(server, case, sampled, first[1])

                    for bad in [{"prompt": "x", "stream_options": {"include_usage": True}},
                                {"prompt": ["a", "b"]}, {"prompt": "x", "best_of": 2},
                                {"prompt": "x", "n": 0}, {"prompt": "x", "n": 1.5},
                                {"prompt": "x", "temperature": 3},
                                {"prompt": 5}]:
                        status, body = server.post("/v1/completions", bad)
                        self.assertEqual(status, 400, bad)
                        self.assertIn("message", body["error"])
                    status, _ = server.post("/v1/chat/completions",
                                            {"messages": [{"role": "user", "content": "x"}]})
                    self.assertEqual(status, 400)
                finally:
                    server.stop()

    def test_a_client_that_goes_away_ends_its_generation(self):
        """A non-streamed generation far longer than the test stops once its client closes
        the connection, and is counted with status 499; the model then answers at once."""
        case = self.cases[0]
        server = Server(os.path.join(self.tmp.name, case["dir"]), "--model_name", "t5")
        try:
            # The second text's greedy continuation repeats one word: no EOS ends it early.
            body = json.dumps({"model": "t5", "prompt": case["texts"][1], "max_tokens": 200000,
                               "temperature": 0}).encode()
            sock = socket.create_connection(("127.0.0.1", server.port))
            sock.sendall(b"POST /v1/completions HTTP/1.1\r\nHost: test\r\n"
                         b"Content-Type: application/json\r\n"
                         + f"Content-Length: {len(body)}\r\n\r\n".encode() + body)
            time.sleep(1.0)  # well into the generation
            sock.close()
            deadline = time.time() + 10
            while responses(server, "499") < 1 and time.time() < deadline:
                time.sleep(0.05)
            self.assertEqual(responses(server, "499"), 1, "the generation ran on")
            status, answer = server.post("/v1/completions", {
                "model": "t5", "prompt": case["texts"][0], "max_tokens": 16, "temperature": 0})
            self.assertEqual(status, 200, answer)
            self.assertEqual(answer["choices"][0]["text"], case["greedy_text"][0])
        finally:
            server.stop()

    def check_several_choices(self, server, case, sampled, alone):
        """n = 3: greedy, every choice is transformers' text and usage counts the prompt
        once; sampled with a seed, choice 0 is the n = 1 answer, the others differ from it
        and the whole answer repeats; streamed, each index's pieces add up to its text."""
        status, body = server.post("/v1/completions", {
            "prompt": case["texts"][0], "max_tokens": 16, "temperature": 0, "n": 3})
        self.assertEqual(status, 200, body)
        self.assertEqual([c["index"] for c in body["choices"]], [0, 1, 2])
        self.assertEqual([c["text"] for c in body["choices"]], [case["greedy_text"][0]] * 3)
        self.assertEqual(body["usage"]["prompt_tokens"], len(case["inputs"][0]))
        self.assertEqual(body["usage"]["completion_tokens"], 3 * len(case["greedy"][0]))
        several = dict(sampled, n=3)
        first, again = server.post("/v1/completions", several), \
            server.post("/v1/completions", several)
        self.assertEqual(first[0], 200, first)
        texts = [c["text"] for c in first[1]["choices"]]
        self.assertEqual(texts[0], alone["choices"][0]["text"])
        self.assertNotEqual(texts[1], texts[0])
        self.assertNotEqual(texts[2], texts[1])
        self.assertEqual([c["text"] for c in again[1]["choices"]], texts)
        client = openai.OpenAI(base_url=server.url("/v1"), api_key="none", max_retries=0)
        pieces = {}
        for chunk in client.completions.create(model="t5", stream=True, **several):
            for choice in chunk.choices:
                pieces[choice.index] = pieces.get(choice.index, "") + choice.text
        self.assertEqual([pieces[i] for i in range(3)], texts)

    def check_streams(self, server, case):
        """Streamed through the official openai client: the pieces add up to transformers'
        text, the last choice chunk carries the finish_reason and the usage chunk the
        counts; with a stop string taken from the middle of the text, no piece reaches it."""
        client = openai.OpenAI(base_url=server.url("/v1"), api_key="none", max_retries=0)
        for i, text in enumerate(case["texts"]):
            expected = case["greedy_text"][i]
            stop = expected[len(expected) // 2:][:3] if len(expected) >= 4 else None
            for stops in ([], [stop] if stop else []):
                stream = client.completions.create(
                    model="t5", prompt=text, max_tokens=16, temperature=0, stream=True,
                    stop=stops or None, stream_options={"include_usage": True})
                pieces, finish, usage = [], [], None
                for chunk in stream:
                    if chunk.usage:
                        usage = chunk.usage
                    for choice in chunk.choices:
                        pieces.append(choice.text)
                        finish.append(choice.finish_reason)
                want = expected[:expected.find(stops[0])] if stops else expected
                self.assertEqual("".join(pieces), want, (text, stops))
                self.assertTrue(all(f is None for f in finish[:-1]), finish)
                greedy = case["greedy"][i]
                self.assertEqual(finish[-1], "stop" if stops or greedy[-1] == 1 else "length")
                self.assertEqual(usage.prompt_tokens, len(case["inputs"][i]))
                if not stops:
                    self.assertEqual(usage.completion_tokens, len(greedy))


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
