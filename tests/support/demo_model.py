"""Where scripts/setup put the demo model (SmolLM2-135M-Instruct, the Q4_1 GGUF) in the
Hugging Face cache, for the test scripts that drive it directly."""
import os
import sys
from pathlib import Path


def demo_gguf(script):
    """The demo GGUF's path; exits naming `script` when the cache does not hold it."""
    hub = Path(os.environ.get("HF_HUB_CACHE") or
               Path(os.environ.get("HF_HOME", Path.home() / ".cache/huggingface")) / "hub")
    found = sorted(hub.glob("models--QuantFactory--SmolLM2-135M-Instruct-GGUF/snapshots/*/"
                            "SmolLM2-135M-Instruct.Q4_1.gguf"))
    if not found:
        sys.exit(f"{script}: the demo model is not in {hub}: run scripts/setup")
    return found[0]
