"""Checks what hfserve writes and reads against llama.cpp itself (PyPI llama-cpp-python,
built by `scripts/setup --peers`; run with .venv-peers' python).

Usage: llamacpp_check.py HFSERVE STORIES_DIR VOCAB_DIR WORKDIR

1. `hfserve quantize` output is a model llama.cpp loads and runs. stories260K-f32.gguf has
   no vocabulary, which llama.cpp requires, so gguf-py first writes a copy with a
   512-token SentencePiece-style vocabulary (the checkpoint's tokenizer is unknown;
   greedy ids need none). Fed llama2.c's greedy ids, llama.cpp must pick each next one
   from that F32 file, up to near-ties (so the file is right). Then, for Q8_0 and Q4_0, llama.cpp loads hfserve's quantised
   file and one gguf-py writes with its own quantiser (gguf.quants) from the same F32
   file: general.file_type must be what llama.cpp calls that type, and llama.cpp's logits
   over the golden sequence must be the same from both files. (This 260K-parameter model
   is itself far from its F32 self at 4 bits, so closeness to F32 would prove nothing.)
2. The model description: for real GGUFs written by llama.cpp's converter (its gpt-2,
   bert-bge and llama-spm vocabulary files) and the files above, the sizes `hfserve
   inspect` prints equal what llama.cpp prints when it loads the same file (its
   print_info lines; a vocabulary file then fails for want of tensors, after them).
Exits non-zero with every problem found.
"""
import json
import re
import subprocess
import sys
from pathlib import Path

import llama_cpp
import numpy as np
from gguf import GGMLQuantizationType, GGUFReader, GGUFValueType, GGUFWriter, quants
from gguf.constants import GGML_QUANT_SIZES

hfserve, stories, vocab_dir, work = (Path(a) for a in sys.argv[1:5])
work.mkdir(parents=True, exist_ok=True)
problems = []

# llama_ftype values (llama.h): the file types llama.cpp reports for each target.
FILE_TYPES = {"Q8_0": 7, "Q4_0": 2}


def write_with_vocab(source: Path, output: Path, qtype=None):
    """The source's metadata and tensors plus a vocabulary; with `qtype`, the float
    matrices whose rows are whole blocks quantised by gguf-py, as llama.cpp's quantize
    chooses them."""
    reader = GGUFReader(str(source))
    arch = reader.fields["general.architecture"].contents()
    writer = GGUFWriter(str(output), arch)
    for key, field in reader.fields.items():
        if key.startswith("GGUF.") or key == "general.architecture" or (
                qtype is not None and key == "general.file_type"):
            continue
        sub_type = field.types[-1] if field.types[0] == GGUFValueType.ARRAY else None
        writer.add_key_value(key, field.contents(), field.types[0], sub_type)
    n_vocab = int(reader.tensors[[t.name for t in reader.tensors].index("token_embd.weight")].shape[1])
    tokens = ["<unk>", "<s>", "</s>"] + [f"<0x{b:02X}>" for b in range(256)]
    tokens += [f"\u2581t{i}" for i in range(n_vocab - len(tokens))]
    writer.add_tokenizer_model("llama")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_scores([0.0] * 3 + [0.0] * 256 + [-float(i) for i in range(n_vocab - 259)])
    writer.add_token_types([2, 3, 3] + [6] * 256 + [1] * (n_vocab - 259))
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(2)
    writer.add_unk_token_id(0)
    if qtype is not None:
        writer.add_file_type(FILE_TYPES[qtype.name])
    for t in reader.tensors:
        data = np.asarray(t.data)
        if qtype is not None and data.ndim == 2 and data.shape[1] % GGML_QUANT_SIZES[qtype][0] == 0:
            q = quants.quantize(data.astype(np.float32), qtype)
            writer.add_tensor(t.name, q, raw_shape=q.shape, raw_dtype=qtype)
        else:
            writer.add_tensor(t.name, data, raw_dtype=t.tensor_type)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def load(path: Path):
    return llama_cpp.Llama(model_path=str(path), n_ctx=512, n_batch=512, logits_all=True,
                           n_threads=2, verbose=False)


def logits_over(llm, tokens):
    llm.reset()
    llm.eval(tokens)
    return np.array(llm.scores[: len(tokens)], dtype=np.float64)


golden = json.loads((stories / "greedy_ids_256.json").read_text())
golden = golden["ids"] if isinstance(golden, dict) else golden
f32 = work / "stories260K-vocab-f32.gguf"
write_with_vocab(stories / "stories260K-f32.gguf", f32)

reference = load(f32)
sequence = [1] + golden[:127]
want = logits_over(reference, sequence)
# Teacher-forced: at each position llama2.c's token must be llama.cpp's best, or within
# TIE logits of it (float sums in another order flip near-ties: at 0.0006 apart, say).
TIE = 0.05
best = want.max(axis=1)
chosen = want[np.arange(len(sequence)), golden[:128]]
off_path = np.nonzero(chosen < best - TIE)[0]
print(f"F32: llama.cpp picks llama2.c's token at {np.sum(chosen == best)}/{len(sequence)} "
      f"positions, the rest within {TIE} logits")
if len(off_path):
    problems.append(f"llama.cpp on the F32 file disagrees with llama2.c at positions "
                    f"{off_path[:8].tolist()}")
quantised = {}
for name in ("Q8_0", "Q4_0"):
    out = work / f"stories260K-vocab-{name}.gguf"
    subprocess.run([str(hfserve), "--log_level", "warn", "quantize", "--type", name, str(f32),
                    str(out)], check=True)
    quantised[name] = out
    reference_file = work / f"stories260K-vocab-{name}-gguf-py.gguf"
    write_with_vocab(stories / "stories260K-f32.gguf", reference_file, GGMLQuantizationType[name])
    logits = {}
    for label, path in (("hfserve", out), ("gguf-py", reference_file)):
        llm = load(path)
        file_type = int(llm.metadata.get("general.file_type", -1))
        if file_type != FILE_TYPES[name]:
            problems.append(f"{name}: llama.cpp reads general.file_type {file_type} from "
                            f"{label}'s file, want {FILE_TYPES[name]}")
        logits[label] = logits_over(llm, sequence)
        del llm
    off = float(np.max(np.abs(logits["hfserve"] - logits["gguf-py"])))
    agree = float(np.mean(np.argmax(logits["hfserve"], 1) == np.argmax(want, 1)))
    print(f"{name}: llama.cpp on hfserve's file vs gguf-py's: max |logit difference| {off:.3g}; "
          f"top-1 agreement with F32 {agree:.3f}")
    if off > 1e-4:
        problems.append(f"{name}: llama.cpp computes differently from hfserve's file than "
                        f"from gguf-py's (max |logit difference| {off:.3g})")


# llama.cpp's print_info names for what `hfserve inspect` prints.
PRINT_INFO = {"n_layer": "layers", "n_embd": "hidden", "n_ff": "intermediate", "n_head": "heads",
              "n_head_kv": "kv heads", "n_vocab": "vocab", "n_ctx_train": "context"}


def llama_cpp_sizes(path: Path):
    load_it = ("import llama_cpp, sys\n"
               "try:\n"
               "    llama_cpp.Llama(model_path=sys.argv[1], n_ctx=8, verbose=True)\n"
               "except Exception:\n"
               "    pass\n")
    log = subprocess.run([sys.executable, "-c", load_it, str(path)], capture_output=True,
                         text=True).stderr
    found = dict(re.findall(r"^print_info: (\w+)\s+= (\d+)$", log, re.M))
    return {PRINT_INFO[k]: int(v) for k, v in found.items() if k in PRINT_INFO}


def hfserve_sizes(path: Path):
    out = subprocess.run([str(hfserve), "--log_level", "warn", "inspect", str(path)], check=True,
                         capture_output=True, text=True).stdout
    fields = dict(re.findall(r"(layers|hidden|intermediate|heads|kv heads|vocab|context): (\d+)",
                             out))
    return {k: int(v) for k, v in fields.items()}


files = [vocab_dir / f"ggml-vocab-{name}.gguf" for name in ("gpt-2", "bert-bge", "llama-spm")]
for path in files + [f32] + list(quantised.values()):
    want_sizes, got_sizes = llama_cpp_sizes(path), hfserve_sizes(path)
    print(f"{path.name}: llama.cpp {want_sizes}")
    if len(want_sizes) != len(PRINT_INFO) or got_sizes != want_sizes:
        problems.append(f"{path.name}: hfserve inspect gives {got_sizes}, llama.cpp {want_sizes}")

for problem in problems:
    print("llamacpp_check:", problem, file=sys.stderr)
sys.exit(1 if problems else 0)
