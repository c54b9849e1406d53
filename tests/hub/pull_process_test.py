"""`hfserve pull` as people run it: the built binary in its own processes against the fake
Hub (fake_hub.py, in this process), whose bytes and hashes are Python's.
- Progress on a terminal: stderr is a pty and pyte (PyPI, a VT100 emulator) plays the
  bytes, so the test sees the screen a person would: a live line per file in flight and one
  for the total while it runs, then a line per file and the total, each once. Off a
  terminal: log lines naming the files in flight and no escape codes. --quiet: nothing.
- A pull SIGKILLed mid-file resumes on the next run with a Range request from the size of
  the *.incomplete it left, ends with the right bytes, and snapshots/ never holds an
  unverified file, not even while the first one runs.
- Two pulls of one model at once: the second waits on the per-blob lock while the first
  downloads and then fetches nothing; if the first is killed, the second resumes its file.

usage: pull_process_test.py HFSERVE_BINARY
"""

import fcntl
import hashlib
import os
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import termios
import time
import unittest

import pyte
import wcwidth

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fake_hub  # noqa: E402

HFSERVE = sys.argv.pop(1)
BIG_MIB = 4
fake_hub.add_big_repo(BIG_MIB)
HUB_URL, CDN_URL = fake_hub.start()
BASE_ENV = {k: v for k, v in os.environ.items()
            if k not in ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_TOKEN", "HF_TOKEN_PATH",
                         "HF_HUB_OFFLINE")}
BASE_ENV["HF_ENDPOINT"] = HUB_URL

GGUF = "acme/tiny-gguf"
SPLIT = ["tiny-F16-00001-of-00002.gguf", "tiny-F16-00002-of-00002.gguf"]
SPLIT_SIZES = [len(fake_hub.STATE.repos[GGUF].commits[fake_hub.STATE.repos[GGUF].resolve("main")]
                   [name].data) for name in SPLIT]
# A GGUF whose name is mostly East Asian wide characters (two columns each).
WIDE = "\u6a21\u578b-\u65e5\u672c\u8a9e\u306e\u9577\u3044\u30d5\u30a1\u30a4\u30eb\u540d-Q4_K_M.gguf"
fake_hub.STATE.repos["acme/wide"] = fake_hub.Repo(
    "acme/wide", {"d" * 40: {WIDE: fake_hub.File(WIDE, b"GGUF" + bytes(200_000), True)}},
    {"main": "d" * 40})
BIG = fake_hub.STATE.repos["acme/big"]
BIG_FILE = BIG.commits[BIG.resolve("main")]["model.safetensors"]
WIDE_FILE = fake_hub.STATE.repos["acme/wide"].commits["d" * 40][WIDE]


def add_fault(fault):
    with fake_hub.STATE.lock:
        fake_hub.STATE.faults.append(fault)


def requests_seen():
    with fake_hub.STATE.lock:
        return list(fake_hub.STATE.log)


def big_ranges():
    """The Range header of every CDN request for the big file, in order (None: no Range)."""
    return [e["range"] for e in requests_seen()
            if e["server"] == "cdn" and BIG_FILE.sha256 in e["path"]]


def sha256_of(path):
    with open(path, "rb") as data:
        return hashlib.sha256(data.read()).hexdigest()


class Cache:
    def __init__(self, test):
        self.dir = tempfile.mkdtemp(prefix="hfserve_pull_process_")
        test.addCleanup(shutil.rmtree, self.dir, True)
        self.env = dict(BASE_ENV, HF_HUB_CACHE=self.dir, HF_HOME=self.dir + "/home")
        self.repo = os.path.join(self.dir, "models--acme--big")
        self.incomplete = os.path.join(self.repo, "blobs", BIG_FILE.sha256 + ".incomplete")
        self.big_snapshot = os.path.join(self.repo, "snapshots", BIG.resolve("main"),
                                         "model.safetensors")

    def start(self, *args):
        return subprocess.Popen([HFSERVE, *args], env=self.env, stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def unverified_snapshot_files(self):
        """Every file under snapshots/ that is not a verified blob: its link target must be
        named by the sha256 (LFS) or git blob sha1 of its bytes, and not be *.incomplete."""
        bad = []
        for root, _, names in os.walk(self.dir):
            if "snapshots" not in root:
                continue
            for name in names:
                path = os.path.join(root, name)
                target = os.path.realpath(path)
                blob = os.path.basename(target)
                if blob.endswith(".incomplete") or not os.path.isfile(target):
                    # A link is made under a temporary name and renamed into place; one
                    # renamed since the listing is no longer in the snapshot.
                    if os.path.lexists(path):
                        bad.append(path)
                    continue
                with open(target, "rb") as data:
                    content = data.read()
                digest = (hashlib.sha256(content).hexdigest() if len(blob) == 64
                          else fake_hub.git_blob_sha1(content))
                if digest != blob:
                    bad.append(path)
        return bad

    def wait_for_partial_big_file(self, test, proc):
        """Polls until `proc` has bytes of the big file in *.incomplete, checking snapshots/
        at every poll; returns the size seen."""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            test.assertEqual(self.unverified_snapshot_files(), [])
            test.assertIsNone(proc.poll(), "the pull ended before it was interrupted")
            if os.path.exists(self.incomplete) and os.path.getsize(self.incomplete) > 0:
                return os.path.getsize(self.incomplete)
            time.sleep(0.01)
        test.fail("no bytes of the big file arrived in 30 s")


def run_in_pty(cache, args, columns, rows=40):
    """Runs hfserve with stderr on a pty of `columns` x `rows`; returns (returncode, raw
    stderr bytes, the screen after each read, the final screen, stdout)."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    proc = subprocess.Popen([HFSERVE, *args], env=dict(cache.env, TERM="xterm"),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=slave)
    os.close(slave)
    screen = pyte.Screen(columns, rows)
    stream = pyte.ByteStream(screen)
    raw, frames = b"", []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 1)
        if not ready:
            continue
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: every writer of the pty closed it
            break
        if not data:
            break
        raw += data
        stream.feed(data)
        frames.append([line.rstrip() for line in screen.display])
    os.close(master)
    stdout = proc.communicate(timeout=60)[0].decode()
    return proc.returncode, raw, frames, [line.rstrip() for line in screen.display], stdout


def slow_downloads():
    """The next two CDN transfers trickle for about a second each, so that files are in
    flight across several redraws (the parts of the split GGUF, in parallel)."""
    add_fault({"server": "cdn", "kind": "trickle", "chunk": 8192, "delay": 0.05, "times": 2})


class Progress(unittest.TestCase):
    def setUp(self):
        fake_hub.STATE.faults.clear()

    def check_terminal(self, columns, ref, labels, sizes):
        """Pulls `ref` (its files trickle) on a terminal `columns` wide; `labels` identify
        the files' lines at this width, `sizes` are their sizes."""
        cache = Cache(self)
        slow_downloads()
        code, raw, frames, screen, stdout = run_in_pty(cache, ["pull", ref], columns)
        self.assertEqual(code, 0, raw.decode(errors="replace"))
        repo = ref.split(":")[0]
        self.assertIn(fake_hub.STATE.repos[repo].resolve("main"), stdout)

        def live(frame, label):
            return [l for l in frame if label in l and "ETA" in l]

        # While it ran, one live line per file and one for the total, at the same time.
        both = [f for f in frames
                if all(len(live(f, label)) == 1 for label in labels) and live(f, repo)]
        self.assertTrue(both, "never saw every file in flight:\n" + "\n".join(frames[-1]))
        # At the end: each file once, done, and the total once, at 100%; no live line left
        # and nothing wrapped (every progress line ends as it should).
        progress_lines = [l for l in screen if "%" in l]
        self.assertEqual(len(progress_lines), len(labels) + 1, "\n".join(screen))
        for label, size in zip(labels, sizes):
            (line,) = [l for l in progress_lines if label in l]
            kib = "%.1f KiB" % (size / 1024)
            self.assertTrue(line.endswith("100%% %s/%s done" % (kib, kib)), line)
        (total,) = [l for l in progress_lines if l.startswith(repo)]
        kib = "%.1f KiB" % (sum(sizes) / 1024)
        self.assertRegex(total, r"100%% %s/%s in \d+s$" % (kib, kib))
        self.assertFalse([l for l in screen if "ETA" in l], "\n".join(screen))
        for line in progress_lines:
            self.assertLess(wcwidth.wcswidth(line), columns, line)
        self.assertIn(b"\x1b[", raw)  # redrawn in place, not scrolled

    def test_terminal_shows_a_live_line_per_file_and_the_total(self):
        self.check_terminal(100, GGUF + ":F16", SPLIT, SPLIT_SIZES)

    def test_narrow_terminal_shortens_names_instead_of_wrapping(self):
        # 72 columns: the names keep their ends ("...6-00001-of-00002.gguf").
        self.check_terminal(72, GGUF + ":F16", ["00001-of-00002.gguf", "00002-of-00002.gguf"],
                            SPLIT_SIZES)

    def test_wide_characters_count_two_columns(self):
        # The name takes 39 columns; in 70 it is cut to its end ("...\u30a1\u30a4\u30eb\u540d-Q4_K_M.gguf"),
        # between two characters, and its wide characters make no line wrap.
        self.check_terminal(70, "acme/wide", ["\u540d-Q4_K_M.gguf"], [len(WIDE_FILE.data)])

    def test_off_a_terminal_log_lines_name_the_files_in_flight(self):
        cache = Cache(self)
        slow_downloads()
        proc = cache.start("pull", GGUF + ":F16", "--progress_interval", "0.2")
        stdout, stderr = proc.communicate(timeout=60)
        self.assertEqual(proc.returncode, 0, stderr)
        self.assertNotIn("\x1b", stderr)
        in_flight = [l for l in stderr.splitlines() if "in flight: " in l]
        self.assertTrue(in_flight, stderr)
        self.assertTrue(any(SPLIT[0] in l and SPLIT[1] in l for l in in_flight), stderr)
        kib = "%.1f KiB" % (sum(SPLIT_SIZES) / 1024)
        self.assertRegex(in_flight[0], GGUF + r": \d+%% \(.* of %s\), .*/s, ETA " % kib)
        self.assertIn("%s: downloaded %s in " % (GGUF, kib), stderr)

    def test_quiet_prints_no_progress_even_on_a_terminal(self):
        cache = Cache(self)
        slow_downloads()
        code, raw, _, screen, _ = run_in_pty(cache, ["pull", GGUF + ":F16", "--quiet"], 100)
        self.assertEqual(code, 0, raw.decode(errors="replace"))
        self.assertFalse([l for l in screen if "%" in l or "gguf" in l], "\n".join(screen))


class KillAndResume(unittest.TestCase):
    def setUp(self):
        fake_hub.STATE.faults.clear()
        fake_hub.STATE.log.clear()

    def test_a_killed_pull_resumes_with_range_from_its_partial_file(self):
        cache = Cache(self)
        # About 5 s for the whole file: it is killed long before.
        add_fault({"server": "cdn", "kind": "trickle", "chunk": 16384, "delay": 0.02, "times": 1})
        first = cache.start("pull", "acme/big", "--quiet")
        cache.wait_for_partial_big_file(self, first)
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=30)
        self.assertEqual(first.returncode, -signal.SIGKILL)
        partial = os.path.getsize(cache.incomplete)
        self.assertTrue(0 < partial < BIG_FILE.listed_size, partial)
        self.assertFalse(os.path.lexists(cache.big_snapshot))
        self.assertEqual(cache.unverified_snapshot_files(), [])

        second = subprocess.run([HFSERVE, "pull", "acme/big", "--quiet"], env=cache.env,
                                capture_output=True, text=True, timeout=60)
        self.assertEqual(second.returncode, 0, second.stderr)
        self.assertEqual(big_ranges(), [None, "bytes=%d-" % partial])
        self.assertEqual(sha256_of(cache.big_snapshot), BIG_FILE.sha256)
        self.assertFalse(os.path.exists(cache.incomplete))
        self.assertEqual(cache.unverified_snapshot_files(), [])


class ConcurrentPulls(unittest.TestCase):
    def setUp(self):
        fake_hub.STATE.faults.clear()
        fake_hub.STATE.log.clear()

    def test_the_second_pull_waits_for_the_first_and_downloads_nothing(self):
        cache = Cache(self)
        add_fault({"server": "cdn", "kind": "trickle", "chunk": 65536, "delay": 0.02, "times": 1})
        first = cache.start("pull", "acme/big")
        cache.wait_for_partial_big_file(self, first)
        second = cache.start("pull", "acme/big")  # the first is mid-file, holding the lock
        outputs = [proc.communicate(timeout=60) for proc in (first, second)]
        for proc, (_, stderr) in zip((first, second), outputs):
            self.assertEqual(proc.returncode, 0, stderr)
        self.assertIn("(%d.0 MiB downloaded)" % BIG_MIB, outputs[0][0])
        self.assertIn("(0 B downloaded)", outputs[1][0])
        self.assertEqual(big_ranges(), [None])  # one transfer, by the first
        self.assertEqual(sha256_of(cache.big_snapshot), BIG_FILE.sha256)
        self.assertEqual(cache.unverified_snapshot_files(), [])
        self.assertFalse(os.path.exists(cache.incomplete))

    def test_when_the_first_is_killed_the_second_resumes_its_file(self):
        cache = Cache(self)
        add_fault({"server": "cdn", "kind": "trickle", "chunk": 16384, "delay": 0.02, "times": 1})
        first = cache.start("pull", "acme/big", "--quiet")
        cache.wait_for_partial_big_file(self, first)
        second = cache.start("pull", "acme/big", "--quiet")
        # Once the second has asked for the revision, it goes on to wait on the blob's lock.
        deadline = time.monotonic() + 30
        while sum("/api/models/acme/big" in e["path"] for e in requests_seen()) < 2:
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.01)
        time.sleep(0.2)
        first.send_signal(signal.SIGKILL)
        first.communicate(timeout=30)
        stdout, stderr = second.communicate(timeout=60)
        self.assertEqual(second.returncode, 0, stderr)
        ranges = big_ranges()
        self.assertEqual(len(ranges), 2, ranges)
        self.assertIsNone(ranges[0])
        self.assertRegex(ranges[1] or "no Range", r"^bytes=[1-9]\d*-$")
        self.assertEqual(sha256_of(cache.big_snapshot), BIG_FILE.sha256)
        self.assertEqual(cache.unverified_snapshot_files(), [])


if __name__ == "__main__":
    unittest.main()
