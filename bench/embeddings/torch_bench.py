#!/usr/bin/python3
"""The PyTorch side of bench/embeddings, on the same model and texts as twin.

  torch_bench.py prepare DIR N32 N256  a MiniLM-sized random model (6 layers, hidden 384, 12 heads,
                                       intermediate 1536, max_seq_length 256) in DIR/minilm and
                                       texts of 32 and 256 tokens ([CLS] and [SEP] included)
  torch_bench.py run DIR TEXTS THREADS sentences/s for TEXTS through the PyTorch forward pass of
                                       tests/embeddings/bert_reference.py (padded batches of 32,
                                       mean pooling, normalisation; tokenization not timed),
                                       with torch.set_num_threads(THREADS); one JSON line
"""

import json
import os
import random
import resource
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "embeddings"))
import bert_reference as ref  # noqa: E402  (exits 3 with a message when torch is missing)

torch = ref.torch


def read_safetensors(path):
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
        data = f.read()
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        array = ref.numpy.frombuffer(data[begin:end], dtype=ref.numpy.float32).reshape(entry["shape"])
        tensors[name] = torch.from_numpy(array.copy())
    return tensors


def prepare(out_dir, n32, n256):
    sys.argv = ["bert_reference.py", "--bench", out_dir]
    ref.main()
    rng = random.Random(7)
    for tokens, count in ((32, n32), (256, n256)):
        with open(os.path.join(out_dir, f"texts_{tokens}.txt"), "w") as out:
            for _ in range(count):  # one token per word: tokens - 2 words
                out.write(" ".join(rng.choice(ref.WORDS) for _ in range(tokens - 2)) + "\n")


def run(out_dir, texts_file, threads):
    torch.set_num_threads(threads)
    torch.set_grad_enabled(False)
    folder = os.path.join(out_dir, "minilm")
    with open(os.path.join(folder, "config.json")) as f:
        config = json.load(f)
    weights = read_safetensors(os.path.join(folder, "model.safetensors"))
    ids = {token: i for i, token in enumerate(ref.vocabulary())}
    with open(texts_file) as f:
        texts = [line.rstrip("\n") for line in f]
    encodings = [ref.encode(t, ids, 256) for t in texts]
    loaded_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def embed(batch):
        input_ids, types, mask = ref.padded(batch)
        states = ref.bert_forward(weights, "", config, input_ids, types, mask)
        return torch.nn.functional.normalize(ref.pool(states, mask, "mean"), p=2, dim=1)

    embed(encodings[:32])  # warm-up
    start = time.perf_counter()
    for begin in range(0, len(encodings), 32):
        embed(encodings[begin:begin + 32])
    seconds = time.perf_counter() - start
    print(json.dumps({"sentences": len(texts), "seconds": round(seconds, 3),
                      "sentences_per_s": round(len(texts) / seconds, 1),
                      "rss_after_load_mb": round(loaded_mb, 1),
                      "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                      "torch": torch.__version__}))


if __name__ == "__main__":
    if sys.argv[1] == "prepare":
        prepare(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        run(sys.argv[2], sys.argv[3], int(sys.argv[4]))
