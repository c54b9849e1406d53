"""hfserve and the real huggingface_hub (PyPI, pinned) share one cache, both ways:
- what `hfserve pull` downloads from the fake Hub, huggingface_hub's scan_cache_dir,
  try_to_load_from_cache and hf_hub_download(local_files_only=True) find, with the bytes
  the fake Hub serves;
- what huggingface_hub downloads, `hfserve pull` uses with no download (and, offline or
  pinned to a commit, with no request at all);
and `hfserve ls | rm` agree with scan_cache_dir. The tokens used never appear in any output
of these commands, nor in the cache.

usage: cache_interop_test.py HFSERVE_BINARY [HUB_PULL_TEST_BINARY]
"""

import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_hub  # noqa: E402

HFSERVE = sys.argv.pop(1)
HUB_PULL_TEST = sys.argv.pop(1) if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else None
HUB_URL, CDN_URL = fake_hub.start()
os.environ.update({"HF_ENDPOINT": HUB_URL, "HF_HUB_DISABLE_TELEMETRY": "1",
                   "HF_HUB_DISABLE_PROGRESS_BARS": "1"})
for name in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_TOKEN", "HF_TOKEN_PATH",
             "HF_HUB_OFFLINE"):
    os.environ.pop(name, None)
import huggingface_hub  # noqa: E402

REPOS = fake_hub.STATE.repos
SECRETS = [fake_hub.VALID_TOKEN, fake_hub.GATED_TOKEN, "hf_refusedTokenDoNotLeak5555"]
OUTPUTS = []  # every stdout/stderr of every command run here


def files_of(repo_id, rev="main"):
    repo = REPOS[repo_id]
    return repo.commits[repo.resolve(rev)]


def commit_of(repo_id, rev="main"):
    return REPOS[repo_id].resolve(rev)


def requests_seen():
    with fake_hub.STATE.lock:
        return [e for e in fake_hub.STATE.log]


def reset_log():
    with fake_hub.STATE.lock:
        fake_hub.STATE.log.clear()
        fake_hub.STATE.faults.clear()


class Cache:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="hfserve_interop_")
        self.env = dict(os.environ, HF_HUB_CACHE=self.dir, HF_HOME=self.dir + "/home")

    def hfserve(self, *args, expect_ok=True, env=None):
        run = subprocess.run([HFSERVE, "--log_level", "trace", *args], capture_output=True,
                             text=True, env=dict(self.env, **(env or {})), timeout=120)
        OUTPUTS.append(run.stdout + run.stderr)
        if expect_ok and run.returncode != 0:
            raise AssertionError("hfserve %s failed:\n%s%s" % (args, run.stdout, run.stderr))
        return run


class HfserveToHuggingfaceHub(unittest.TestCase):
    def setUp(self):
        reset_log()

    def test_huggingface_hub_finds_what_hfserve_pulled(self):
        cache = Cache()
        cache.hfserve("pull", "acme/tiny-bert", "--quiet")
        cache.hfserve("pull", "acme/tiny-bert@refs/pr/1", "--quiet")
        info = huggingface_hub.scan_cache_dir(cache.dir)
        self.assertEqual(info.warnings, [])
        (repo,) = info.repos
        self.assertEqual(repo.repo_id, "acme/tiny-bert")
        revisions = {r.commit_hash: r for r in repo.revisions}
        self.assertEqual(set(revisions), {commit_of("acme/tiny-bert"),
                                          commit_of("acme/tiny-bert", "refs/pr/1")})
        self.assertEqual(revisions[commit_of("acme/tiny-bert")].refs, frozenset({"main"}))
        self.assertEqual(revisions[commit_of("acme/tiny-bert", "refs/pr/1")].refs,
                         frozenset({"refs/pr/1"}))
        main = revisions[commit_of("acme/tiny-bert")]
        expected = {"config.json", "tokenizer.json", "tokenizer_config.json", "modules.json",
                    "1_Pooling/config.json", "model.safetensors"}
        self.assertEqual({str(f.file_path.relative_to(main.snapshot_path)) for f in main.files},
                         expected)
        for name in expected:
            path = huggingface_hub.hf_hub_download("acme/tiny-bert", name, cache_dir=cache.dir,
                                                   local_files_only=True)
            with open(path, "rb") as data:
                self.assertEqual(data.read(), files_of("acme/tiny-bert")[name].data, name)
            self.assertEqual(huggingface_hub.try_to_load_from_cache(
                "acme/tiny-bert", name, cache_dir=cache.dir), path)
        path = huggingface_hub.hf_hub_download("acme/tiny-bert", "config.json", cache_dir=cache.dir,
                                               revision="refs/pr/1", local_files_only=True)
        with open(path, "rb") as data:
            self.assertEqual(data.read(), files_of("acme/tiny-bert", "refs/pr/1")["config.json"].data)

    def test_ls_and_rm_agree_with_scan_cache_dir(self):
        cache = Cache()
        cache.hfserve("pull", "acme/tiny-bert", "--quiet")
        cache.hfserve("pull", "acme/tiny-bert@v1.0", "--quiet")
        cache.hfserve("pull", "acme/tiny-gguf:Q8_0", "--quiet")
        listing = cache.hfserve("ls").stdout
        for repo in huggingface_hub.scan_cache_dir(cache.dir).repos:
            for revision in repo.revisions:
                line = [l for l in listing.splitlines() if revision.commit_hash[:12] in l]
                self.assertEqual(len(line), 1, listing)
                self.assertIn(repo.repo_id, line[0])
                for ref in revision.refs:
                    self.assertIn(ref, line[0])
        cache.hfserve("rm", "acme/tiny-bert@v1.0")
        (bert,) = [r for r in huggingface_hub.scan_cache_dir(cache.dir).repos
                   if r.repo_id == "acme/tiny-bert"]
        self.assertEqual([r.commit_hash for r in bert.revisions], [commit_of("acme/tiny-bert")])
        path = huggingface_hub.hf_hub_download("acme/tiny-bert", "model.safetensors",
                                               cache_dir=cache.dir, local_files_only=True)
        with open(path, "rb") as data:  # the blobs main still uses survived
            self.assertEqual(data.read(), files_of("acme/tiny-bert")["model.safetensors"].data)
        cache.hfserve("rm", "acme/tiny-bert")
        self.assertEqual([r.repo_id for r in huggingface_hub.scan_cache_dir(cache.dir).repos],
                         ["acme/tiny-gguf"])
        missing = cache.hfserve("rm", "acme/tiny-bert", expect_ok=False)
        self.assertNotEqual(missing.returncode, 0)
        self.assertIn("not in the cache", missing.stderr)


class HuggingfaceHubToHfserve(unittest.TestCase):
    def setUp(self):
        reset_log()

    def test_hfserve_uses_what_huggingface_hub_downloaded(self):
        cache = Cache()
        huggingface_hub.snapshot_download("acme/tiny-gguf", cache_dir=cache.dir,
                                          allow_patterns=["*Q8_0*"])
        reset_log()
        run = cache.hfserve("pull", "acme/tiny-gguf:Q8_0", "--offline")
        self.assertIn(commit_of("acme/tiny-gguf"), run.stdout)
        self.assertEqual(requests_seen(), [])
        run = cache.hfserve("pull", "acme/tiny-gguf@%s:q8_0" % commit_of("acme/tiny-gguf"))
        self.assertEqual(requests_seen(), [])  # pinned and fully cached: no network
        cache.hfserve("pull", "acme/tiny-gguf:Q8_0")
        self.assertEqual([e["path"].split("?")[0] for e in requests_seen()],
                         ["/api/models/acme/tiny-gguf/revision/main"])  # nothing downloaded
        self.assertIn("0 B downloaded", OUTPUTS[-1])

    def test_offline_without_the_model_says_so(self):
        cache = Cache()
        run = cache.hfserve("pull", "acme/tiny-bert", expect_ok=False, env={"HF_HUB_OFFLINE": "1"})
        self.assertNotEqual(run.returncode, 0)
        self.assertIn("offline", run.stderr)
        self.assertEqual(requests_seen(), [])


class TokensNeverLeak(unittest.TestCase):
    """Runs the commands that handle tokens, with trace logs, then greps every output."""

    def check_tokens_from_a_config_file(self, token_file):
        """`generate --config` with the token under each key, written literally or as a
        secret reference, beats HF_TOKEN (a refused token here): the private repo downloads
        (the fake Hub answers 401 to any other token), and the log names the file and line.
        The fake repo holds no real weights, so the load after the download fails."""
        config_dir = tempfile.mkdtemp(prefix="hfserve_config_")
        for key, value in [("hf_token", "${env:CONFIG_TOKEN}"), ("token", "${file:%s}" % token_file),
                           ("huggingface_token", fake_hub.VALID_TOKEN)]:
            cache = Cache()
            config = os.path.join(config_dir, key + ".yaml")
            with open(config, "w") as out:
                out.write("model: acme/private\n%s: %s\n" % (key, value))
            run = cache.hfserve("generate", "--config", config, "--prompt", "hi", expect_ok=False,
                                env={"CONFIG_TOKEN": fake_hub.VALID_TOKEN,
                                     "HF_TOKEN": "hf_refusedTokenDoNotLeak5555"})
            self.assertIn("Hugging Face token: from %s in %s line 2" % (key, config), run.stderr)
            for name in files_of("acme/private"):
                huggingface_hub.hf_hub_download("acme/private", name, cache_dir=cache.dir,
                                                local_files_only=True)

    def test_no_output_or_cache_file_holds_a_token(self):
        cache = Cache()
        cache.hfserve("pull", "acme/private", "--hf_token", fake_hub.VALID_TOKEN)
        cache.hfserve("pull", "acme/gated", env={"HF_TOKEN": fake_hub.GATED_TOKEN})
        token_file = os.path.join(cache.dir, "token_file")
        with open(token_file, "w") as out:
            out.write(" %s\n" % fake_hub.VALID_TOKEN)
        run = cache.hfserve("pull", "acme/gated", expect_ok=False, env={"HF_TOKEN_PATH": token_file})
        self.assertIn("accept the licence", run.stderr)
        self.assertIn("HF_TOKEN_PATH", run.stderr)  # says where the token came from
        run = cache.hfserve("pull", "acme/private", expect_ok=False,
                            env={"HF_TOKEN": "hf_refusedTokenDoNotLeak5555"})
        self.assertIn("the token was refused", run.stderr)
        cache.hfserve("pull", "acme/private", expect_ok=False,
                      env={"HF_TOKEN": "hf_refusedTokenDoNotLeak5555\nX-Injected: 1"})
        self.assertTrue(any(e["authorization"] for e in requests_seen() if e["server"] == "hub"))
        self.assertFalse(any(e["authorization"] for e in requests_seen() if e["server"] == "cdn"))
        self.check_tokens_from_a_config_file(token_file)
        if HUB_PULL_TEST:
            run = subprocess.run([HUB_PULL_TEST], capture_output=True, text=True, timeout=600)
            OUTPUTS.append(run.stdout + run.stderr)
            self.assertEqual(run.returncode, 0, run.stdout[-4000:])
        for output in OUTPUTS:
            for secret in SECRETS:
                self.assertNotIn(secret, output)
        for root, _, names in os.walk(cache.dir):
            for name in names:
                path = os.path.join(root, name)
                if os.path.isfile(path) and path != token_file:
                    with open(path, "rb") as data:
                        content = data.read()
                    for secret in SECRETS:
                        self.assertNotIn(secret.encode(), content, path)


if __name__ == "__main__":
    unittest.main()
