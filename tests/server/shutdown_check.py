"""A graceful shutdown and the request log, on the real binary and the demo model.

SIGTERM while a stream runs: readiness turns 503 at once and new requests are refused
with 503, the running stream still ends normally within --shutdown_grace, the process
exits 0 and its task history holds the stream. With a grace period too short, the stream
ends with an error event and [DONE] instead of hanging, and the process still exits 0.
Every log line is one JSON object with --log_format json, each request logs exactly one
"request" line with its id, model, status, tokens and latency, and no request body or
generated text appears in the log.

Usage: shutdown_check.py HFSERVE_BINARY
"""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from serve_process import free_port, wait_ready  # noqa: E402

BINARY = sys.argv[1]
FLAGS = ["--offline", "--kv_cache_memory", "256MiB", "--max_model_len", "4096", "--threads", "2"]
SECRET_PROMPT = "Write a story about a lighthouse keeper named Zebediah"


def start(port, grace, history):
    return subprocess.Popen(
        [BINARY, "--log_format", "json", "serve", "--http_port", str(port), "--shutdown_grace",
         str(grace), "--task_history", history, "--api_key", "sk-test-secret", *FLAGS],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def post(port, body, stream=False):
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/v1/completions", data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": "Bearer sk-test-secret"})
    return urllib.request.urlopen(request, timeout=120)


def status_of(url):
    try:
        with urllib.request.urlopen(url, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as error:
        return error.code


def run_stream(port, max_tokens, events):
    body = {"prompt": SECRET_PROMPT, "max_tokens": max_tokens, "stream": True,
            "ignore_eos": True, "temperature": 0}
    with post(port, body) as response:
        for line in response:
            line = line.decode().strip()
            if line.startswith("data: "):
                events.append(line[6:])


def log_lines(proc):
    lines = proc.stdout.read().splitlines()
    proc.stdout.close()
    records = [json.loads(line) for line in lines]  # every line is one JSON object
    for record in records:
        assert set(record) >= {"time", "level", "msg"}, record
    text = "\n".join(lines)
    assert SECRET_PROMPT not in text and "sk-test-secret" not in text, "a body or key was logged"
    return records


def graceful(history):
    port = free_port()
    proc = start(port, 120, history)
    wait_ready(proc, port)
    events = []
    streamer = threading.Thread(target=run_stream, args=(port, 48, events))
    streamer.start()
    while not events:
        time.sleep(0.01)
    proc.send_signal(signal.SIGTERM)
    deadline = time.time() + 5
    while status_of(f"http://127.0.0.1:{port}/v2/health/ready") != 503:
        assert time.time() < deadline, "readiness did not turn 503"
        time.sleep(0.02)
    try:
        post(port, {"prompt": "hi", "max_tokens": 2})
        raise AssertionError("a new request was accepted while shutting down")
    except urllib.error.HTTPError as error:
        assert error.code == 503, error.code
    streamer.join(timeout=60)
    assert proc.wait(timeout=60) == 0
    assert events[-1] == "[DONE]", events[-3:]
    chunks = [json.loads(e) for e in events[:-1]]
    assert chunks[-1].get("choices", [{}])[0].get("finish_reason") == "length", chunks[-1]
    records = log_lines(proc)
    requests = [r for r in records if r["msg"] == "request"]
    stream_id = chunks[0]["id"]
    mine = [r for r in requests if r["request_id"] == stream_id]
    assert len(mine) == 1, requests
    assert mine[0]["status"] == 200 and mine[0]["completion_tokens"] == 48, mine[0]
    assert mine[0]["endpoint"] == "completions" and mine[0]["latency_ms"] > 0, mine[0]
    assert any(r["status"] == 503 for r in requests), requests
    assert all(r["request_id"] for r in requests), "a request logged without its id"
    with sqlite3.connect(history) as db:
        rows = db.execute("SELECT labels FROM task_history WHERE task = 'ai_completion'").fetchall()
    assert any(json.loads(r[0]).get("request_id") == stream_id for r in rows), rows
    print("graceful: the stream finished during the grace period;", len(requests),
          "request lines")


def grace_runs_out():
    port = free_port()
    proc = start(port, 0.5, "off")
    wait_ready(proc, port)
    events = []
    streamer = threading.Thread(target=run_stream, args=(port, 3000, events))
    streamer.start()
    while not events:
        time.sleep(0.01)
    started = time.time()
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0
    streamer.join(timeout=30)
    assert not streamer.is_alive(), "the stream hangs"
    assert events[-1] == "[DONE]", events[-3:]
    error = json.loads(events[-2])
    assert "shut down" in error["error"]["message"], error
    records = log_lines(proc)
    assert any(r["msg"] == "request" for r in records), records
    print(f"grace ran out: the stream ended with an error, exit 0 after "
          f"{time.time() - started:.1f} s")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        graceful(os.path.join(folder, "history.db"))
    grace_runs_out()
