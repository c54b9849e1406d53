"""What the Python tests that start `hfserve serve` share: a free loopback port, and
waiting for the server's readiness (or its early exit, with what it printed)."""
import socket
import time
import urllib.error
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(proc, port, seconds=120):
    """Returns once GET /v2/health/ready answers 200; raises RuntimeError with the process's
    output if it exits first, or when `seconds` pass."""
    deadline = time.time() + seconds
    while time.time() < deadline:
        if proc.poll() is not None:
            output = proc.stdout.read()
            if isinstance(output, bytes):
                output = output.decode(errors="replace")
            raise RuntimeError("hfserve serve exited: " + output)
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/health/ready",
                                        timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"hfserve did not become ready in {seconds} s")
