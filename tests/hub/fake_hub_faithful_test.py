"""The fake Hub is faithful: the real huggingface_hub client (PyPI, pinned) downloads from
it and gets the right bytes, resolves revisions, resumes an interrupted LFS download with
Range, and raises the same typed errors as against the real Hub."""

import hashlib
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_hub  # noqa: E402

HUB_URL, CDN_URL = fake_hub.start()
CACHE = tempfile.mkdtemp(prefix="hfserve_fake_hub_faithful_")
# huggingface_hub reads these when it is imported.
os.environ.update({"HF_ENDPOINT": HUB_URL, "HF_HUB_CACHE": CACHE, "HF_HUB_DISABLE_TELEMETRY": "1",
                   "HF_HUB_DISABLE_PROGRESS_BARS": "1", "HF_HOME": CACHE + "/home"})
os.environ.pop("HF_TOKEN", None)
import huggingface_hub  # noqa: E402
from huggingface_hub import errors  # noqa: E402

REPOS = fake_hub.STATE.repos


def files_of(repo_id, rev="main"):
    repo = REPOS[repo_id]
    return repo.commits[repo.resolve(rev)]


class FakeHubFaithfulTest(unittest.TestCase):
    def setUp(self):
        with fake_hub.STATE.lock:
            fake_hub.STATE.faults.clear()
            fake_hub.STATE.log.clear()

    def test_snapshot_download_gets_every_file(self):
        folder = huggingface_hub.snapshot_download("acme/tiny-bert", cache_dir=tempfile.mkdtemp())
        for path, f in files_of("acme/tiny-bert").items():
            with open(os.path.join(folder, path), "rb") as data:
                self.assertEqual(data.read(), f.data, path)

    def test_lfs_file_comes_from_the_cdn(self):
        path = huggingface_hub.hf_hub_download("acme/tiny-bert", "model.safetensors",
                                               cache_dir=tempfile.mkdtemp())
        with open(path, "rb") as data:
            self.assertEqual(data.read(), files_of("acme/tiny-bert")["model.safetensors"].data)
        self.assertTrue(any(e["server"] == "cdn" for e in fake_hub.STATE.log))
        # huggingface_hub names the blob by the X-Linked-Etag: the LFS sha256.
        self.assertEqual(os.path.basename(os.path.realpath(path)),
                         files_of("acme/tiny-bert")["model.safetensors"].sha256)

    def test_revision_pr_ref_resolves(self):
        path = huggingface_hub.hf_hub_download("acme/tiny-bert", "config.json", revision="refs/pr/1",
                                               cache_dir=tempfile.mkdtemp())
        with open(path, "rb") as data:
            self.assertEqual(data.read(), files_of("acme/tiny-bert", "refs/pr/1")["config.json"].data)

    def test_model_info_metadata(self):
        info = huggingface_hub.HfApi().model_info("acme/tiny-gguf", files_metadata=True)
        self.assertEqual(info.sha, REPOS["acme/tiny-gguf"].refs["main"])
        for sibling in info.siblings:
            f = files_of("acme/tiny-gguf")[sibling.rfilename]
            self.assertEqual(sibling.size, len(f.data))
            self.assertEqual(sibling.blob_id, f.blob_id)
            if f.lfs:
                self.assertEqual(sibling.lfs.sha256, hashlib.sha256(f.data).hexdigest())

    def test_dropped_connection_fails_and_incomplete_file_resumes_with_range(self):
        f = files_of("acme/tiny-bert")["model.safetensors"]
        with fake_hub.STATE.lock:
            fake_hub.STATE.faults.append({"server": "cdn", "match": "", "kind": "drop",
                                          "after": 100_000})
        cache_dir = tempfile.mkdtemp()
        with self.assertRaises(Exception):
            huggingface_hub.hf_hub_download("acme/tiny-bert", "model.safetensors",
                                            cache_dir=cache_dir)
        # huggingface_hub resumes blobs/<etag>.incomplete with a Range request, which the
        # fake must answer with a 206 from that offset.
        blobs = os.path.join(cache_dir, "models--acme--tiny-bert", "blobs")
        os.makedirs(blobs, exist_ok=True)
        with open(os.path.join(blobs, f.sha256 + ".incomplete"), "wb") as out:
            out.write(f.data[:100_000])
        path = huggingface_hub.hf_hub_download("acme/tiny-bert", "model.safetensors",
                                               cache_dir=cache_dir)
        with open(path, "rb") as data:
            self.assertEqual(data.read(), f.data)
        ranges = [e["range"] for e in fake_hub.STATE.log if e["server"] == "cdn"]
        self.assertIn("bytes=100000-", ranges)

    def test_private_repo_without_token(self):
        with self.assertRaises(errors.RepositoryNotFoundError):
            huggingface_hub.hf_hub_download("acme/private", "config.json", cache_dir=tempfile.mkdtemp())

    def test_private_repo_with_token(self):
        path = huggingface_hub.hf_hub_download("acme/private", "config.json",
                                               cache_dir=tempfile.mkdtemp(), token=fake_hub.VALID_TOKEN)
        self.assertTrue(os.path.exists(path))

    def test_refused_token(self):
        with self.assertRaises(errors.HfHubHTTPError) as caught:
            huggingface_hub.hf_hub_download("acme/tiny-bert", "config.json",
                                            cache_dir=tempfile.mkdtemp(), token="hf_wrong")
        self.assertNotIsInstance(caught.exception, errors.RepositoryNotFoundError)
        self.assertEqual(caught.exception.response.status_code, 401)

    def test_gated_repo(self):
        with self.assertRaises(errors.GatedRepoError):
            huggingface_hub.hf_hub_download("acme/gated", "config.json", cache_dir=tempfile.mkdtemp(),
                                            token=fake_hub.VALID_TOKEN)
        path = huggingface_hub.hf_hub_download("acme/gated", "config.json",
                                               cache_dir=tempfile.mkdtemp(), token=fake_hub.GATED_TOKEN)
        self.assertTrue(os.path.exists(path))

    def test_missing_revision_and_file(self):
        with self.assertRaises(errors.RevisionNotFoundError):
            huggingface_hub.hf_hub_download("acme/tiny-bert", "config.json", revision="nope",
                                            cache_dir=tempfile.mkdtemp())
        with self.assertRaises(errors.EntryNotFoundError):
            huggingface_hub.hf_hub_download("acme/tiny-bert", "missing.json",
                                            cache_dir=tempfile.mkdtemp())


if __name__ == "__main__":
    unittest.main()
