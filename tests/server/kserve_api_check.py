"""KServe's V1 and V2 protocols end to end: the real binary serves small random BERTs with
a sequence-classification, token-classification and masked-LM head (MiniLM's tokenizer) and
the real all-MiniLM-L6-v2, and each answer is compared with transformers (or
sentence-transformers) run here, shaped as KServe's Hugging Face server shapes it. Plain
HTTP with json: KServe's SDK (kserve==0.21.0) would downgrade protobuf in the shared peers
virtualenv, so it is not installed.

Usage: kserve_api_check.py path/to/hfserve
"""
import os
import subprocess
import sys
import tempfile
import unittest

import numpy as np
import torch
import transformers
from sentence_transformers import SentenceTransformer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from encoder_api_check import BINARY, MINILM, Server, cosine, random_bert  # noqa: E402

TEXTS = [
    "A man is eating food.",
    "Hugging Face is based in New York City, and its CEO is Clément Delangue.",
    "x",
    "emoji 🙂👍🏽 and code: for (int i = 0; i < n; ++i) {}",
]
MASKED = [
    "The capital of France is [MASK].",
    "A [MASK] is riding a [MASK] on the beach.",
]


def v1(server, texts, name="m"):
    status, body = server.post(f"/v1/models/{name}:predict", {"instances": texts})
    assert status == 200, body
    return body


def v2(server, texts, name="m", **extra):
    status, body = server.post(f"/v2/models/{name}/infer", {
        "id": "req-1",
        "inputs": [{"name": "input-0", "shape": [len(texts)], "datatype": "BYTES",
                    "data": texts}], **extra})
    assert status == 200, body
    return body


def tensor(output):
    return np.asarray(output["data"]).reshape(output["shape"])


class Reference:
    """transformers on each text alone (no padding), as hfserve computes it."""

    def __init__(self, folder, head):
        self.tokenizer = transformers.AutoTokenizer.from_pretrained(folder)
        self.model = getattr(transformers, head).from_pretrained(folder).eval()

    def logits(self, text):
        with torch.no_grad():
            return self.model(**self.tokenizer(text, return_tensors="pt")).logits[0]


def rounded_softmax(logits):
    return [float(f"{p:.4f}") for p in torch.softmax(logits, dim=-1).tolist()]


class SequenceClassificationTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        random_bert(cls.dir.name, "BertForSequenceClassification", num_labels=3,
                    id2label={0: "neg", 1: "neu", 2: "pos"},
                    label2id={"neg": 0, "neu": 1, "pos": 2})
        cls.ref = Reference(cls.dir.name, "BertForSequenceClassification")
        cls.logits = [cls.ref.logits(t) for t in TEXTS]

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def serve(self, *flags):
        server = Server(self.dir.name, "--model_name", "m", *flags)
        self.addCleanup(server.stop)
        return server

    def test_argmax_over_v1_and_v2_and_metadata(self):
        # KServe's manifests pass these with a local model, where they change nothing.
        server = self.serve("--tensor_input_names", "input_ids,attention_mask",
                            "--return_token_type_ids")
        expected = [int(l.argmax()) for l in self.logits]
        self.assertEqual(v1(server, TEXTS), {"predictions": expected})
        body = v2(server, TEXTS)
        self.assertEqual(body["model_name"], "m")
        self.assertEqual(body["id"], "req-1")
        self.assertEqual(body["outputs"], [{"name": "output-0", "datatype": "INT64",
                                            "shape": [len(TEXTS)], "data": expected}])
        # Also as "inputs" (KServe reads either), and a 2-D input tensor's texts in order.
        status, again = server.post("/v1/models/m:predict", {"inputs": TEXTS})
        self.assertEqual((status, again), (200, {"predictions": expected}))
        two_d = server.post("/v2/models/m/infer", {"inputs": [
            {"name": "t", "shape": [2, 2], "datatype": "BYTES", "data": [TEXTS[:2], TEXTS[2:]]}]})
        self.assertEqual(two_d[1]["outputs"][0]["data"], expected)

        self.assertEqual(server.get("/v2/models/m/ready"), (200, {"name": "m", "ready": True}))
        status, meta = server.get("/v2/models/m")
        self.assertEqual(status, 200)
        self.assertEqual(meta["name"], "m")
        self.assertEqual(meta["inputs"], [{"name": "input-0", "datatype": "BYTES", "shape": [-1]}])
        self.assertEqual(meta["outputs"][0]["datatype"], "INT64")
        self.assertEqual(meta["device"], "cpu")
        status, server_meta = server.get("/v2")
        self.assertEqual((status, server_meta["name"]), (200, "hfserve"))
        self.assertIn("version", server_meta)
        self.assertEqual(server_meta["extensions"], [])

    def test_errors_are_kserve_error_bodies(self):
        server = self.serve()
        for path in ["/v1/models/nope:predict", "/v2/models/nope/infer"]:
            status, body = server.post(path, {"instances": TEXTS})
            self.assertEqual(status, 404, path)
            self.assertIn("nope", body["error"])
        self.assertEqual(server.get("/v2/models/nope")[0], 404)
        self.assertEqual(server.get("/v2/models/nope/ready")[0], 404)
        for bad in [{"instances": []}, {"instances": [1, 2]}, {"nothing": 1}, [1]]:
            status, body = server.post("/v1/models/m:predict", bad)
            self.assertEqual(status, 400, bad)
            self.assertIsInstance(body["error"], str)
        for bad in [{"inputs": []},
                    {"inputs": [{"name": "a", "shape": [1], "datatype": "FP32", "data": [1.0]}]},
                    {"inputs": [{"name": "a", "shape": [3], "datatype": "BYTES", "data": ["x"]}]},
                    {"inputs": [{"name": "a", "shape": [1], "datatype": "BYTES", "data": ["x"]}],
                     "outputs": [{"name": "nope"}]}]:
            status, body = server.post("/v2/models/m/infer", bad)
            self.assertEqual(status, 400, bad)
            self.assertIsInstance(body["error"], str)

    def test_probabilities_rounded_as_kserve(self):
        server = self.serve("--return_probabilities")
        predictions = v1(server, TEXTS)["predictions"]
        worst = 0.0
        for got, logits in zip(predictions, self.logits):
            self.assertEqual(list(got), ["0", "1", "2"])
            want = rounded_softmax(logits)
            for key, p in got.items():
                worst = max(worst, abs(p - want[int(key)]))
        self.assertLessEqual(worst, 1e-4 + 1e-9)
        print(f"\nsequence classification probabilities: max diff {worst:.1e}")
        out = v2(server, TEXTS)["outputs"][0]
        self.assertEqual((out["datatype"], out["shape"]), ("FP32", [len(TEXTS), 3]))
        np.testing.assert_allclose(tensor(out), [rounded_softmax(l) for l in self.logits],
                                   atol=1e-4 + 1e-6)

    def test_raw_logits(self):
        server = self.serve("--return_raw_logits")
        predictions = v1(server, TEXTS)["predictions"]
        got = [[p[str(j)] for j in range(3)] for p in predictions]
        np.testing.assert_allclose(got, torch.stack(self.logits).numpy(), atol=1e-4)

    def test_disable_lower_case_keeps_case_as_kserve_does(self):
        """--disable_lower_case is KServe's do_lower_case=False to from_pretrained."""
        server = self.serve("--return_raw_logits", "--disable_lower_case")
        predictions = v1(server, TEXTS)["predictions"]
        got = np.asarray([[p[str(j)] for j in range(3)] for p in predictions])
        cased = transformers.AutoTokenizer.from_pretrained(self.dir.name, do_lower_case=False)
        with torch.no_grad():
            want = torch.stack([self.ref.model(**cased(t, return_tensors="pt")).logits[0]
                                for t in TEXTS]).numpy()
        np.testing.assert_allclose(got, want, atol=1e-4)
        self.assertFalse(np.allclose(got, torch.stack(self.logits).numpy(), atol=1e-4),
                         "the texts should tokenize differently when cased")

    def test_a_task_the_head_cannot_do_fails_at_startup(self):
        for task, words in [("fill_mask", "masked-LM"), ("text2text_generation", "T5"),
                            ("rerank", "one"), ("nonsense", "expected")]:
            proc = subprocess.run([BINARY, "serve", self.dir.name, "--task", task,
                                   "--http_port", "0", "--task_history", "off"],
                                  capture_output=True, text=True, timeout=120)
            self.assertNotEqual(proc.returncode, 0, task)
            self.assertIn(words, proc.stderr + proc.stdout, task)


class TokenClassificationTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        random_bert(cls.dir.name, "BertForTokenClassification", num_labels=5)
        cls.ref = Reference(cls.dir.name, "BertForTokenClassification")
        cls.logits = [cls.ref.logits(t) for t in TEXTS]

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def test_argmax_and_offsets(self):
        server = Server(self.dir.name, "--model_name", "m", "--return_offsets_mapping")
        self.addCleanup(server.stop)
        body = v1(server, TEXTS)
        self.assertEqual(body["predictions"], [[l.argmax(-1).tolist()] for l in self.logits])
        offsets = tensor(body["outputs"][0])
        self.assertEqual(body["outputs"][0]["name"], "offset_mapping")
        reference = self.ref.tokenizer(TEXTS, return_offsets_mapping=True, padding=True)
        np.testing.assert_array_equal(offsets, np.asarray(reference["offset_mapping"]))

        outputs = v2(server, TEXTS)["outputs"]
        self.assertEqual([o["name"] for o in outputs], ["output-0", "offset_mapping"])
        labels = tensor(outputs[0])
        longest = max(len(l) for l in self.logits)
        self.assertEqual(outputs[0]["shape"], [len(TEXTS), 1, longest])
        for row, logits in zip(labels[:, 0], self.logits):
            n = len(logits)
            self.assertEqual(row[:n].tolist(), logits.argmax(-1).tolist())
            self.assertTrue((row[n:] == -1).all())
        np.testing.assert_array_equal(tensor(outputs[1]), offsets)
        # Only the output asked for.
        only = v2(server, TEXTS, outputs=[{"name": "offset_mapping"}])["outputs"]
        self.assertEqual([o["name"] for o in only], ["offset_mapping"])

    def test_probabilities(self):
        server = Server(self.dir.name, "--model_name", "m", "--return_probabilities",
                        "--disable_special_tokens")
        self.addCleanup(server.stop)
        predictions = v1(server, TEXTS)["predictions"]
        worst = 0.0
        for got, text in zip(predictions, TEXTS):
            with torch.no_grad():
                ids = self.ref.tokenizer(text, add_special_tokens=False, return_tensors="pt")
                logits = self.ref.model(**ids).logits[0]
            self.assertEqual(len(got), len(logits))
            for token, want in zip(got, logits):
                want = rounded_softmax(want)
                worst = max(worst, max(abs(token[str(j)] - want[j]) for j in range(5)))
        self.assertLessEqual(worst, 1e-4 + 1e-9)
        print(f"\ntoken classification probabilities (no special tokens): max diff {worst:.1e}")


class FillMaskTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.TemporaryDirectory()
        random_bert(cls.dir.name, "BertForMaskedLM")
        # A random head spreads its probability evenly: sharpen it so that the top tokens
        # stand apart by more than the 4-decimal rounding.
        model = transformers.BertForMaskedLM.from_pretrained(cls.dir.name)
        torch.manual_seed(1)
        with torch.no_grad():
            model.cls.predictions.bias.copy_(torch.randn(30522) * 4)
        model.save_pretrained(cls.dir.name, safe_serialization=True)
        cls.ref = Reference(cls.dir.name, "BertForMaskedLM")
        cls.mask_logits = []
        for text in MASKED:
            ids = cls.ref.tokenizer(text)["input_ids"]
            positions = [i for i, t in enumerate(ids) if t == cls.ref.tokenizer.mask_token_id]
            cls.mask_logits.append(cls.ref.logits(text)[positions])

    @classmethod
    def tearDownClass(cls):
        cls.dir.cleanup()

    def test_decoded_argmax_token(self):
        server = Server(self.dir.name, "--model_name", "m")
        self.addCleanup(server.stop)
        expected = [self.ref.tokenizer.decode(l.argmax(dim=-1)) for l in self.mask_logits]
        self.assertEqual(v1(server, MASKED), {"predictions": expected})
        out = v2(server, MASKED)["outputs"][0]
        self.assertEqual(out, {"name": "output-0", "datatype": "BYTES", "shape": [2],
                               "data": expected})
        status, body = server.post("/v1/models/m:predict", {"instances": ["no mask here"]})
        self.assertEqual(status, 400)
        self.assertIn("[MASK]", body["error"])

    def test_probabilities_top5(self):
        server = Server(self.dir.name, "--model_name", "m", "--return_probabilities")
        self.addCleanup(server.stop)
        predictions = v1(server, MASKED)["predictions"]
        for got, logits in zip(predictions, self.mask_logits):
            self.assertEqual(len(got), len(logits))
            for masks, mask_logits in zip(got, logits):
                self.assertEqual(len(masks), 30522)
                self.assertEqual(list(masks[7]), ["7"])
                self.assertIsInstance(masks[7]["7"], str)
                probs = np.array([float(m[str(j)]) for j, m in enumerate(masks)])
                want = torch.softmax(mask_logits, dim=-1).numpy()
                self.assertLessEqual(np.abs(probs - want).max(), 1e-4 / 2 + 1e-6)
                self.assertEqual(np.argsort(-probs, kind="stable")[:5].tolist(),
                                 np.argsort(-want, kind="stable")[:5].tolist())
        out = v2(server, MASKED)["outputs"][0]
        self.assertEqual((out["datatype"], out["shape"]), ("FP32", [2, 2, 30522]))
        # The first text has one mask: its second row is padding.
        self.assertTrue((tensor(out)[0, 1] == 0).all())


class TextEmbeddingTest(unittest.TestCase):
    def test_minilm_over_v1_and_v2_equals_sentence_transformers(self):
        server = Server(MINILM, "--model_name", "m")
        self.addCleanup(server.stop)
        want = SentenceTransformer(MINILM, device="cpu").encode(TEXTS)
        got = v1(server, TEXTS)["predictions"]
        worst = min(cosine(a, b) for a, b in zip(got, want))
        self.assertGreaterEqual(worst, 0.9999)
        print(f"\nall-MiniLM-L6-v2 over V1: min cosine {worst:.7f}")
        out = v2(server, TEXTS)["outputs"][0]
        self.assertEqual((out["datatype"], out["shape"]), ("FP64", [len(TEXTS), 384]))
        np.testing.assert_allclose(tensor(out), got, atol=1e-7)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
