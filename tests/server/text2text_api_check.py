"""Text2text (T5) end to end: the real binary serves the random T5 v1.0 and v1.1 that
tests/models/t5_reference.py makes (with a T5-style tokenizer.json), and its answers are
compared with transformers' generate() + tokenizer.decode(skip_special_tokens=True) on the
same folders: OpenAI /v1/completions (and /openai/v1/...) at temperature 0, KServe V1
predict and V2 infer (with V2's model metadata), seeded sampling reproducible, unsupported fields refused with 400.

Usage: text2text_api_check.py path/to/hfserve
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from encoder_api_check import Server  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


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

                    sampled = {"prompt": case["texts"][0], "max_tokens": 8, "temperature": 1.0,
                               "top_p": 0.9, "seed": 7}
                    first, second = server.post("/v1/completions", sampled), \
                        server.post("/v1/completions", sampled)
                    self.assertEqual(first[0], 200, first)
                    self.assertEqual(first[1]["choices"][0]["text"],
                                     second[1]["choices"][0]["text"])

                    for bad in [{"prompt": "x", "stream": True}, {"prompt": ["a", "b"]},
                                {"prompt": "x", "n": 2}, {"prompt": "x", "temperature": 3},
                                {"prompt": 5}]:
                        status, body = server.post("/v1/completions", bad)
                        self.assertEqual(status, 400, bad)
                        self.assertIn("message", body["error"])
                    status, _ = server.post("/v1/chat/completions",
                                            {"messages": [{"role": "user", "content": "x"}]})
                    self.assertEqual(status, 400)
                finally:
                    server.stop()


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
