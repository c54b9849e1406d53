"""A local fake of the Hugging Face Hub's HTTP API, as huggingface_hub and hfserve use it.

Two servers: the Hub on 127.0.0.1 and a "CDN" on 127.0.0.2 that LFS files redirect to, so
a test can see which host got which headers. The Hub speaks:
  GET  /api/models/{repo}[/revision/{rev}][?blobs=true]  model info with siblings
  HEAD|GET /{repo}/resolve/{rev}/{path}  X-Repo-Commit, ETag, X-Linked-Etag, X-Linked-Size,
       302 to the CDN for LFS files; Range requests
  errors with X-Error-Code / X-Error-Message as the Hub sends them (RepoNotFound,
       RevisionNotFound, EntryNotFound, GatedRepo, 401 invalid credentials)
Control endpoints for tests:
  POST /_fake/faults  (or GET with ?json=...) {"faults": [{"match": "...", "kind": ..., "times": N, ...}]}
       kinds: status (status, retry_after), drop (after: bytes then the connection is cut),
       truncate (after: a well-formed but short body), corrupt (one byte flipped),
       trickle (chunk, delay), ignore_range (200 with the whole file to a Range request)
  POST /_fake/reset   (or GET) clears faults and the request log
  GET  /_fake/manifest?repo=R&rev=V  {"commit": sha, "files": {path: {sha256, size}}}
  GET  /_fake/log     every request: server, method, path, range, authorization (bool)

Run: python fake_hub.py --ready-file F [--big-mib N]   (writes {"hub": URL, "cdn": URL} to F when up)
"""

import argparse
import hashlib
import json
import os
import random
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Tokens the fake knows. VALID_TOKEN reads every public/private repo; GATED_TOKEN also
# has accepted the licence of the gated repo.
VALID_TOKEN = "hf_fakeValidTokenDoNotLeak0123456789"
GATED_TOKEN = "hf_fakeGatedTokenDoNotLeak9876543210"
KNOWN_TOKENS = {VALID_TOKEN, GATED_TOKEN}


def _blob(seed, size):
    return random.Random(seed).randbytes(size)


def git_blob_sha1(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


class File:
    def __init__(self, path, data, lfs, listed_size=None):
        self.path = path
        self.data = data
        self.lfs = lfs
        self.listed_size = len(data) if listed_size is None else listed_size
        self.sha256 = hashlib.sha256(data).hexdigest()
        # An LFS file's git blob is its pointer file; its id is what the Hub lists.
        if lfs:
            pointer = ("version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize %d\n"
                       % (self.sha256, len(data))).encode()
            self.blob_id = git_blob_sha1(pointer)
        else:
            self.blob_id = git_blob_sha1(data)


class Repo:
    def __init__(self, repo_id, commits, refs, private=False, gated=False):
        self.repo_id = repo_id
        self.commits = commits  # commit sha -> {path: File}
        self.refs = refs  # branch/tag/pr name -> commit sha
        self.private = private
        self.gated = gated

    def resolve(self, rev):
        if rev in self.commits:
            return rev
        return self.refs.get(rev)


def _commit_id(name):
    return hashlib.sha1(name.encode()).hexdigest()


def _json(obj):
    return json.dumps(obj, indent=2).encode()


def build_repos():
    """The repositories every test sees; contents are deterministic."""
    repos = {}

    def tiny_bert_files(version):
        return {
            "config.json": File("config.json", _json({"model_type": "bert", "hidden_size": 32,
                                                      "version": version}), False),
            "tokenizer.json": File("tokenizer.json", _json({"version": "1.0", "model": {}}), False),
            "tokenizer_config.json": File("tokenizer_config.json", _json({"do_lower_case": True}),
                                          False),
            "vocab.txt": File("vocab.txt", b"[PAD]\n[UNK]\nhello\n", False),
            "modules.json": File("modules.json", _json([{"idx": 0, "path": ""},
                                                        {"idx": 1, "path": "1_Pooling"}]), False),
            "1_Pooling/config.json": File("1_Pooling/config.json",
                                          _json({"pooling_mode_mean_tokens": True}), False),
            "model.safetensors": File("model.safetensors", _blob("st" + version, 300_000), True),
            "pytorch_model.bin": File("pytorch_model.bin", _blob("bin" + version, 20_000), True),
            "README.md": File("README.md", b"# tiny bert\n", False),
        }

    old, new = _commit_id("tiny-bert-1"), _commit_id("tiny-bert-2")
    repos["acme/tiny-bert"] = Repo("acme/tiny-bert", {old: tiny_bert_files("1"),
                                                      new: tiny_bert_files("2")},
                                   {"main": new, "v1.0": old, "refs/pr/1": old})

    gguf = {}
    for name, size in [("tiny-Q4_K_M.gguf", 120_000), ("tiny-Q8_0.gguf", 200_000),
                       ("tiny-Q4_1.gguf", 110_000), ("tiny-F16-00001-of-00002.gguf", 150_000),
                       ("tiny-F16-00002-of-00002.gguf", 90_000), ("mmproj-tiny-f16.gguf", 50_000)]:
        gguf[name] = File(name, b"GGUF" + _blob(name, size - 4), True)
    gguf["README.md"] = File("README.md", b"# tiny gguf\n", False)
    repos["acme/tiny-gguf"] = Repo("acme/tiny-gguf", {_commit_id("gguf"): gguf},
                                   {"main": _commit_id("gguf")})

    private = {"config.json": File("config.json", _json({"model_type": "llama"}), False),
               "model.safetensors": File("model.safetensors", _blob("private", 40_000), True)}
    repos["acme/private"] = Repo("acme/private", {_commit_id("private"): private},
                                 {"main": _commit_id("private")}, private=True)
    gated = {"config.json": File("config.json", _json({"model_type": "gemma"}), False),
             "model.safetensors": File("model.safetensors", _blob("gated", 40_000), True)}
    repos["acme/gated"] = Repo("acme/gated", {_commit_id("gated"): gated},
                               {"main": _commit_id("gated")}, gated=True)
    evil = {"config.json": File("config.json", _json({"model_type": "bert"}), False),
            "../../evil": File("../../evil", b"escaped\n", False)}
    # Lists a 512 TiB weight file: no disk has room, so a pull must stop before downloading.
    huge = {"config.json": File("config.json", _json({"model_type": "llama"}), False),
            "model.safetensors": File("model.safetensors", b"", True, listed_size=1 << 49)}
    repos["acme/huge"] = Repo("acme/huge", {_commit_id("huge"): huge}, {"main": _commit_id("huge")})
    repos["acme/evil"] = Repo("acme/evil", {_commit_id("evil"): evil}, {"main": _commit_id("evil")})
    return repos


def add_big_repo(mib):
    """Adds acme/big: one LFS file of `mib` MiB (for benchmarks)."""
    data = _blob("big", mib << 20)
    files = {"config.json": File("config.json", _json({"model_type": "llama"}), False),
             "model.safetensors": File("model.safetensors", data, True)}
    STATE.repos["acme/big"] = Repo("acme/big", {_commit_id("big"): files},
                                   {"main": _commit_id("big")})


class State:
    def __init__(self):
        self.repos = build_repos()
        self.lock = threading.Lock()
        self.faults = []
        self.log = []
        self.cdn_url = ""

    def take_fault(self, server, path):
        with self.lock:
            for fault in self.faults:
                if fault.get("times", 1) <= 0:
                    continue
                if fault.get("server", "any") not in ("any", server):
                    continue
                if fault.get("match", "") not in path:
                    continue
                fault["times"] = fault.get("times", 1) - 1
                return dict(fault)
        return None


STATE = State()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_name_for_log = "hub"

    def log_message(self, format, *args):  # quiet; the request log is /_fake/log
        pass

    # -- helpers --------------------------------------------------------------------------

    def _record(self):
        with STATE.lock:
            STATE.log.append({"server": self.server_name_for_log, "method": self.command,
                              "path": self.path, "range": self.headers.get("Range"),
                              "authorization": self.headers.get("Authorization") is not None,
                              "time": time.time()})

    def _token(self):
        auth = self.headers.get("Authorization", "")
        return auth[len("Bearer "):] if auth.startswith("Bearer ") else None

    def _send(self, status, body=b"", headers=None):
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, status, code, message, extra=None):
        headers = {"Content-Type": "application/json", "X-Error-Message": message}
        if code:
            headers["X-Error-Code"] = code
        headers.update(extra or {})
        self._send(status, json.dumps({"error": message}).encode(), headers)

    def _check_access(self, repo):
        """Answers an error and returns False when the caller may not read `repo`."""
        token = self._token()
        if token is not None and token not in KNOWN_TOKENS:
            self._error(401, None, "Invalid credentials in Authorization header")
            return False
        if repo is None or (repo.private and token is None):
            self._error(404 if token else 401, "RepoNotFound", "Repository not found")
            return False
        if repo.gated and token != GATED_TOKEN:
            message = ("Access to model %s is restricted. You must have access to it and be "
                       "authenticated to access it. Please log in." % repo.repo_id)
            self._error(401 if token is None else 403, "GatedRepo", message)
            return False
        return True

    def _send_bytes(self, data, etag, extra_headers):
        """Sends a file honouring Range and the injected faults."""
        fault = STATE.take_fault(self.server_name_for_log, self.path)
        if fault and fault["kind"] == "status":
            headers = {}
            if "retry_after" in fault:
                headers["Retry-After"] = str(fault["retry_after"])
            self._error(fault["status"], None, "injected failure", headers)
            return
        start = 0
        status = 200
        headers = dict(extra_headers)
        headers["ETag"] = '"%s"' % etag
        headers["Accept-Ranges"] = "bytes"
        range_header = self.headers.get("Range")
        if range_header and not (fault and fault["kind"] == "ignore_range"):
            spec = range_header.replace("bytes=", "").split("-")
            start = int(spec[0])
            if start >= len(data) and len(data) > 0:
                self._send(416, b"", {"Content-Range": "bytes */%d" % len(data)})
                return
            status = 206
            headers["Content-Range"] = "bytes %d-%d/%d" % (start, len(data) - 1, len(data))
        body = data[start:]
        if fault and fault["kind"] == "corrupt" and body:
            body = bytes([body[0] ^ 0xFF]) + body[1:]
        if fault and fault["kind"] == "truncate":
            body = body[:fault.get("after", len(body) // 2)]
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body) if not (fault and fault["kind"] == "drop")
                                               else len(data) - start))
        self.end_headers()
        if self.command == "HEAD":
            return
        if fault and fault["kind"] == "drop":
            self.wfile.write(body[:fault.get("after", len(body) // 2)])
            self.wfile.flush()
            self.close_connection = True
            self.connection.shutdown(2)
            return
        if fault and fault["kind"] == "trickle":
            chunk = fault.get("chunk", 4096)
            try:
                for i in range(0, len(body), chunk):
                    self.wfile.write(body[i:i + chunk])
                    self.wfile.flush()
                    time.sleep(fault.get("delay", 0.01))
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client went away (a killed pull)
            return
        self.wfile.write(body)

    # -- routes ---------------------------------------------------------------------------

    def do_HEAD(self):
        self.do_GET()

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        self._control(self.path, json.loads(self.rfile.read(length) or b"{}"))

    def _control(self, path, payload):
        if path == "/_fake/faults":
            with STATE.lock:
                STATE.faults.extend(payload.get("faults", []))
            self._send(200, b"{}")
        elif path == "/_fake/reset":
            with STATE.lock:
                STATE.faults.clear()
                STATE.log.clear()
            self._send(200, b"{}")
        else:
            self._error(404, None, "no such route")

    def do_GET(self):
        if not self.path.startswith("/_fake/"):
            self._record()
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/_fake/log":
            with STATE.lock:
                self._send(200, json.dumps(STATE.log).encode(), {"Content-Type": "application/json"})
            return
        if url.path == "/_fake/manifest":
            query = urllib.parse.parse_qs(url.query)
            repo = STATE.repos[query["repo"][0]]
            files = repo.commits[repo.resolve(query.get("rev", ["main"])[0])]
            manifest = {"commit": repo.resolve(query.get("rev", ["main"])[0]),
                        "files": {p: {"sha256": f.sha256, "size": len(f.data)}
                                  for p, f in files.items()}}
            self._send(200, json.dumps(manifest).encode(), {"Content-Type": "application/json"})
            return
        if url.path in ("/_fake/faults", "/_fake/reset"):
            self._control(url.path, json.loads(urllib.parse.parse_qs(url.query).get("json", ["{}"])[0]))
            return
        parts = url.path.split("/")
        if url.path.startswith("/api/models/"):
            self._model_info(parts[3:], urllib.parse.parse_qs(url.query))
        elif len(parts) >= 6 and parts[3] == "resolve":
            self._resolve("/".join(parts[1:3]), urllib.parse.unquote(parts[4]),
                          urllib.parse.unquote("/".join(parts[5:])))
        else:
            self._error(404, None, "no such route")

    def _model_info(self, parts, query):
        repo_id = "/".join(parts[:2])
        rev = "main"
        if len(parts) >= 4 and parts[2] == "revision":
            rev = urllib.parse.unquote("/".join(parts[3:]))
        fault = STATE.take_fault("hub", self.path)
        if fault and fault["kind"] == "status":
            headers = {"Retry-After": str(fault["retry_after"])} if "retry_after" in fault else {}
            self._error(fault["status"], None, "injected failure", headers)
            return
        repo = STATE.repos.get(repo_id)
        if not self._check_access(repo):
            return
        commit = repo.resolve(rev)
        if commit is None:
            self._error(404, "RevisionNotFound", "Invalid rev id: %s" % rev)
            return
        blobs = query.get("blobs", ["false"])[0].lower() == "true"
        siblings = []
        for f in repo.commits[commit].values():
            entry = {"rfilename": f.path}
            if blobs:
                entry["blobId"] = f.blob_id
                entry["size"] = f.listed_size
                if f.lfs:
                    entry["lfs"] = {"sha256": f.sha256, "size": f.listed_size, "pointerSize": 134}
            siblings.append(entry)
        info = {"_id": commit[:24], "id": repo_id, "modelId": repo_id, "sha": commit,
                "private": repo.private, "gated": "manual" if repo.gated else False,
                "disabled": False, "downloads": 0, "likes": 0, "tags": [],
                "lastModified": "2026-11-22T00:00:00.000Z", "siblings": siblings}
        self._send(200, _json(info), {"Content-Type": "application/json"})

    def _resolve(self, repo_id, rev, path):
        repo = STATE.repos.get(repo_id)
        if not self._check_access(repo):
            return
        commit = repo.resolve(rev)
        if commit is None:
            self._error(404, "RevisionNotFound", "Invalid rev id: %s" % rev)
            return
        f = repo.commits[commit].get(path)
        if f is None:
            self._error(404, "EntryNotFound", "Entry not found", {"X-Repo-Commit": commit})
            return
        if f.lfs:
            fault = STATE.take_fault("hub", self.path)
            if fault and fault["kind"] == "status":
                headers = {"Retry-After": str(fault["retry_after"])} if "retry_after" in fault else {}
                self._error(fault["status"], None, "injected failure", headers)
                return
            location = "%s/repos/%s/%s?X-Amz-Signature=fake" % (STATE.cdn_url, repo_id, f.sha256)
            self._send(302, b"", {"Location": location, "X-Repo-Commit": commit,
                                  "ETag": '"%s"' % f.blob_id,
                                  "X-Linked-Etag": '"%s"' % f.sha256,
                                  "X-Linked-Size": str(len(f.data))})
            return
        self._send_bytes(f.data, f.blob_id, {"X-Repo-Commit": commit,
                                             "Content-Type": "application/octet-stream"})


class CdnHandler(Handler):
    server_name_for_log = "cdn"

    def do_POST(self):
        self._error(405, None, "read-only")

    def do_GET(self):
        self._record()
        parts = urllib.parse.urlsplit(self.path).path.split("/")
        # /repos/{org}/{name}/{sha256}
        if len(parts) == 5 and parts[1] == "repos":
            repo = STATE.repos.get(parts[2] + "/" + parts[3])
            if repo is not None:
                for files in repo.commits.values():
                    for f in files.values():
                        if f.lfs and f.sha256 == parts[4]:
                            self._send_bytes(f.data, f.sha256,
                                             {"Content-Type": "application/octet-stream"})
                            return
        self._send(404, b"<Error><Code>NoSuchKey</Code></Error>")


def start(hub_host="127.0.0.1", cdn_host="127.0.0.2"):
    """Starts both servers on free ports in daemon threads; returns (hub_url, cdn_url)."""
    hub = ThreadingHTTPServer((hub_host, 0), Handler)
    cdn = ThreadingHTTPServer((cdn_host, 0), CdnHandler)
    hub.daemon_threads = cdn.daemon_threads = True
    STATE.cdn_url = "http://%s:%d" % (cdn_host, cdn.server_address[1])
    for server in (hub, cdn):
        threading.Thread(target=server.serve_forever, daemon=True).start()
    return "http://%s:%d" % (hub_host, hub.server_address[1]), STATE.cdn_url


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ready-file", required=True)
    parser.add_argument("--big-mib", type=int, default=0, help="add acme/big of this size")
    args = parser.parse_args()
    if args.big_mib:
        add_big_repo(args.big_mib)
    hub_url, cdn_url = start()
    tmp = args.ready_file + ".tmp"
    with open(tmp, "w") as out:
        json.dump({"hub": hub_url, "cdn": cdn_url}, out)
    os.replace(tmp, args.ready_file)
    try:
        while sys.stdin.read(1):  # ends when the parent closes our stdin or dies
            pass
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
