#!/usr/bin/python3
"""Reference outputs for twin's in-process BERT encoder (tests/embeddings/bert_model_test.cc).

Builds small BERT models with random weights, saves each in the folder layout
sentence-transformers and Hugging Face use (config.json, vocab.txt, tokenizer_config.json,
modules.json, 1_Pooling/config.json, sentence_bert_config.json, model.safetensors), and writes
reference.json with the embeddings and cross-encoder scores an independent PyTorch forward pass
gives (float32, padded batches with an attention mask, like transformers' BertModel). Model
folders are named in reference.json relative to OUT_DIR.

Usage: bert_reference.py OUT_DIR          models and OUT_DIR/reference.json
       bert_reference.py --bench OUT_DIR  a MiniLM-sized model only (bench/embeddings)

Tokenization here covers only what the test texts hold (lower-case ASCII words, punctuation,
"##" continuations and an unknown word): whitespace split, punctuation split, greedy longest-match
WordPiece. twin's full tokenizer is tested against hand-derived ids in bert_tokenizer_test.cc.
Exit status 3 when torch is missing, with the package to install.
"""

import json
import math
import os
import random
import string
import struct
import sys

try:
    import numpy
    import torch
except ImportError as error:  # the test reports this message as its failure
    print(f"bert_reference.py needs python3-torch (apt-get install python3-torch; "
          f"scripts/install-deps.sh installs it): {error}", file=sys.stderr)
    sys.exit(3)

SPECIALS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
PUNCTUATION = [".", ",", "!", "?", "-"]
WORDS = ("the quick brown fox jump over lazy dog model vector search query answer text post "
         "article code repository rank score token window batch layer head twin crawl store "
         "index embed open folder cross encoder").split()
PIECES = ["##ing", "##ed", "##s", "##er"]


def vocabulary():
    return SPECIALS + PUNCTUATION + WORDS + PIECES


def wordpiece(word, ids):
    pieces, start = [], 0
    while start < len(word):
        end = len(word)
        while end > start:
            candidate = ("##" if start > 0 else "") + word[start:end]
            if candidate in ids:
                break
            end -= 1
        if end == start:
            return [ids["[UNK]"]]
        pieces.append(ids[candidate])
        start = end
    return pieces


def token_ids(text, ids):
    out = []
    for word in text.split():
        current = ""
        for ch in word:
            if ch in string.punctuation:
                if current:
                    out += wordpiece(current, ids)
                current = ""
                out.append(ids[ch])
            else:
                current += ch
        if current:
            out += wordpiece(current, ids)
    return out


def random_text(rng, words):
    """`words` words, some with a ## continuation glued on, some punctuation, rarely unknown."""
    parts = []
    for _ in range(words):
        roll = rng.random()
        if roll < 0.1:
            parts.append(rng.choice(PUNCTUATION))
        elif roll < 0.15:
            parts.append("zzqx")  # no piece matches: [UNK]
        elif roll < 0.35:
            parts.append(rng.choice(WORDS) + rng.choice(PIECES)[2:])
        else:
            parts.append(rng.choice(WORDS))
    return " ".join(parts)


def encode(text, ids, max_length):
    body = token_ids(text, ids)[: max_length - 2]
    return [ids["[CLS]"]] + body + [ids["[SEP]"]], [0] * (len(body) + 2)


def longest_first(first, second, budget):
    """The fast (Rust) tokenizer's LongestFirst pair truncation."""
    if first + second <= budget:
        return first, second
    swapped = first > second
    short, _ = (second, first) if swapped else (first, second)
    long = short if short > budget else max(short, budget - short)
    if short + long > budget:
        short = budget // 2
        long = short + budget % 2
    return (long, short) if swapped else (short, long)


def encode_pair(query, passage, ids, max_length):
    a, b = token_ids(query, ids), token_ids(passage, ids)
    keep_a, keep_b = longest_first(len(a), len(b), max_length - 3)
    a, b = a[:keep_a], b[:keep_b]
    input_ids = [ids["[CLS]"]] + a + [ids["[SEP]"]] + b + [ids["[SEP]"]]
    return input_ids, [0] * (len(a) + 2) + [1] * (len(b) + 1)


def random_weights(config, generator, prefix, classifier):
    hidden, inner = config["hidden_size"], config["intermediate_size"]

    def matrix(rows, cols):
        return torch.randn(rows, cols, generator=generator) / math.sqrt(cols)

    def vector(n, centre=0.0):
        return centre + 0.1 * torch.randn(n, generator=generator)

    w = {
        "embeddings.word_embeddings.weight": torch.randn(config["vocab_size"], hidden, generator=generator),
        "embeddings.position_embeddings.weight": 0.5 * torch.randn(config["max_position_embeddings"], hidden, generator=generator),
        "embeddings.token_type_embeddings.weight": 0.5 * torch.randn(config["type_vocab_size"], hidden, generator=generator),
        "embeddings.LayerNorm.weight": vector(hidden, 1.0),
        "embeddings.LayerNorm.bias": vector(hidden),
    }
    for layer in range(config["num_hidden_layers"]):
        at = f"encoder.layer.{layer}."
        for part in ("query", "key", "value"):
            w[at + f"attention.self.{part}.weight"] = 2.0 * matrix(hidden, hidden)
            w[at + f"attention.self.{part}.bias"] = vector(hidden)
        w[at + "attention.output.dense.weight"] = matrix(hidden, hidden)
        w[at + "attention.output.dense.bias"] = vector(hidden)
        w[at + "attention.output.LayerNorm.weight"] = vector(hidden, 1.0)
        w[at + "attention.output.LayerNorm.bias"] = vector(hidden)
        w[at + "intermediate.dense.weight"] = matrix(inner, hidden)
        w[at + "intermediate.dense.bias"] = vector(inner)
        w[at + "output.dense.weight"] = matrix(hidden, inner)
        w[at + "output.dense.bias"] = vector(hidden)
        w[at + "output.LayerNorm.weight"] = vector(hidden, 1.0)
        w[at + "output.LayerNorm.bias"] = vector(hidden)
    w["pooler.dense.weight"] = matrix(hidden, hidden)
    w["pooler.dense.bias"] = vector(hidden)
    w = {prefix + name: value for name, value in w.items()}
    if classifier:
        w["classifier.weight"] = matrix(1, hidden)
        w["classifier.bias"] = vector(1)
    return w


def write_safetensors(path, tensors, dtype):
    """The safetensors layout: u64 little-endian header size, JSON header, raw data."""
    torch_dtype = {"F32": torch.float32, "F16": torch.float16}[dtype]
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        data = tensors[name].to(torch_dtype).contiguous().numpy().tobytes()
        header[name] = {"dtype": dtype, "shape": list(tensors[name].shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    encoded = json.dumps(header).encode()
    encoded += b" " * (-len(encoded) % 8)
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(encoded)))
        out.write(encoded)
        for blob in blobs:
            out.write(blob)


def bert_forward(w, prefix, config, input_ids, type_ids, mask):
    """BertModel's forward pass, written out: returns the last hidden state (batch, len, hidden)."""
    p = prefix
    eps = config["layer_norm_eps"]
    hidden, heads = config["hidden_size"], config["num_attention_heads"]
    head = hidden // heads
    batch, length = input_ids.shape
    norm = torch.nn.functional.layer_norm
    x = (w[p + "embeddings.word_embeddings.weight"][input_ids]
         + w[p + "embeddings.position_embeddings.weight"][torch.arange(length)][None]
         + w[p + "embeddings.token_type_embeddings.weight"][type_ids])
    x = norm(x, (hidden,), w[p + "embeddings.LayerNorm.weight"], w[p + "embeddings.LayerNorm.bias"], eps)
    additive = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min

    def dense(t, name):
        return t @ w[name + ".weight"].T + w[name + ".bias"]

    def split(t):
        return t.view(batch, length, heads, head).transpose(1, 2)

    for layer in range(config["num_hidden_layers"]):
        at = f"{p}encoder.layer.{layer}."
        q = split(dense(x, at + "attention.self.query"))
        k = split(dense(x, at + "attention.self.key"))
        v = split(dense(x, at + "attention.self.value"))
        probs = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(head) + additive, dim=-1)
        context = (probs @ v).transpose(1, 2).reshape(batch, length, hidden)
        a = norm(dense(context, at + "attention.output.dense") + x, (hidden,),
                 w[at + "attention.output.LayerNorm.weight"], w[at + "attention.output.LayerNorm.bias"], eps)
        i = torch.nn.functional.gelu(dense(a, at + "intermediate.dense"))
        x = norm(dense(i, at + "output.dense") + a, (hidden,),
                 w[at + "output.LayerNorm.weight"], w[at + "output.LayerNorm.bias"], eps)
    return x


def padded(encodings):
    length = max(len(ids) for ids, _ in encodings)
    ids = torch.zeros(len(encodings), length, dtype=torch.long)
    types = torch.zeros(len(encodings), length, dtype=torch.long)
    mask = torch.zeros(len(encodings), length, dtype=torch.long)
    for row, (i, t) in enumerate(encodings):
        ids[row, : len(i)] = torch.tensor(i)
        types[row, : len(t)] = torch.tensor(t)
        mask[row, : len(i)] = 1
    return ids, types, mask


def pool(states, mask, mode):
    m = mask[:, :, None].float()
    if mode == "cls":
        return states[:, 0]
    if mode == "max":
        return states.masked_fill(m == 0, -1e9).max(dim=1).values
    return (states * m).sum(1) / m.sum(1).clamp(min=1e-9)


def model_config(hidden, layers, heads, inner, max_positions, eps, architecture):
    return {"architectures": [architecture], "model_type": "bert", "vocab_size": len(vocabulary()),
            "hidden_size": hidden, "num_hidden_layers": layers, "num_attention_heads": heads,
            "intermediate_size": inner, "max_position_embeddings": max_positions,
            "type_vocab_size": 2, "layer_norm_eps": eps, "hidden_act": "gelu",
            "hidden_dropout_prob": 0.1, "attention_probs_dropout_prob": 0.1,
            "position_embedding_type": "absolute", "pad_token_id": 0}


def write_json(path, value):
    with open(path, "w") as out:
        json.dump(value, out, indent=1)


def save_folder(folder, config, weights, dtype, tokenizer_config, modules, pooling, max_seq_length,
                tokens=None):
    os.makedirs(folder, exist_ok=True)
    write_json(os.path.join(folder, "config.json"), config)
    with open(os.path.join(folder, "vocab.txt"), "w") as out:
        out.write("\n".join(tokens or vocabulary()) + "\n")
    write_json(os.path.join(folder, "tokenizer_config.json"), tokenizer_config)
    write_safetensors(os.path.join(folder, "model.safetensors"), weights, dtype)
    if modules is not None:
        write_json(os.path.join(folder, "modules.json"), modules)
    if pooling is not None:
        os.makedirs(os.path.join(folder, "1_Pooling"), exist_ok=True)
        write_json(os.path.join(folder, "1_Pooling", "config.json"), {
            "word_embedding_dimension": config["hidden_size"],
            "pooling_mode_cls_token": pooling == "cls", "pooling_mode_mean_tokens": pooling == "mean",
            "pooling_mode_max_tokens": pooling == "max", "pooling_mode_mean_sqrt_len_tokens": False})
    if max_seq_length is not None:
        write_json(os.path.join(folder, "sentence_bert_config.json"),
                   {"max_seq_length": max_seq_length, "do_lower_case": False})


def st_modules(normalize):
    modules = [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
               {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]
    if normalize:
        modules.append({"idx": 2, "name": "2", "path": "2_Normalize",
                        "type": "sentence_transformers.models.Normalize"})
    return modules


# name, hidden, layers, heads, intermediate, max positions, eps, pooling, normalize, prefix,
# dtype, max_seq_length
EMBEDDERS = [
    ("mean", 32, 2, 4, 64, 40, 1e-12, "mean", True, "", "F32", 24),
    ("cls", 48, 3, 6, 96, 64, 1e-5, "cls", False, "bert.", "F32", 64),
    ("max", 16, 1, 2, 32, 48, 1e-12, "max", True, "", "F16", 48),
]


def main():
    bench = sys.argv[1] == "--bench"
    out_dir = sys.argv[-1]
    generator = torch.Generator().manual_seed(11)
    rng = random.Random(11)
    ids = {token: i for i, token in enumerate(vocabulary())}
    torch.set_grad_enabled(False)
    if bench:
        # MiniLM's sizes, its 30522-token vocabulary padded out with [unusedN] entries.
        tokens = vocabulary() + [f"[unused{i}]" for i in range(30522 - len(vocabulary()))]
        config = model_config(384, 6, 12, 1536, 512, 1e-12, "BertModel")
        config["vocab_size"] = len(tokens)
        weights = random_weights(config, generator, "", False)
        save_folder(os.path.join(out_dir, "minilm"), config, weights, "F32", {"do_lower_case": True},
                    st_modules(True), "mean", 256, tokens)
        return
    texts = [""] + [random_text(rng, n) for n in (1, 2, 3, 5, 8, 13, 21, 30, 40)]
    reference = {"embedders": [], "cross_encoders": []}
    for name, hidden, layers, heads, inner, positions, eps, mode, normalize, prefix, dtype, max_seq in EMBEDDERS:
        config = model_config(hidden, layers, heads, inner, positions, eps, "BertModel")
        weights = random_weights(config, generator, prefix, False)
        folder = os.path.join(out_dir, name)
        save_folder(folder, config, weights, dtype, {"do_lower_case": True, "model_max_length": 512},
                    st_modules(normalize), mode, max_seq)
        if dtype == "F16":  # twin widens what the file holds; so does the reference
            weights = {k: v.half().float() for k, v in weights.items()}
        input_ids, types, mask = padded([encode(t, ids, max_seq) for t in texts])
        vectors = pool(bert_forward(weights, prefix, config, input_ids, types, mask), mask, mode)
        if normalize:
            vectors = torch.nn.functional.normalize(vectors, p=2, dim=1)
        reference["embedders"].append({"folder": name, "pooling": mode, "normalize": normalize,
                                       "max_seq_length": max_seq, "texts": texts,
                                       "lengths": mask.sum(1).tolist(), "vectors": vectors.tolist()})

    config = model_config(32, 2, 4, 64, 40, 1e-12, "BertForSequenceClassification")
    config["id2label"] = {"0": "LABEL_0"}
    config["label2id"] = {"LABEL_0": 0}
    weights = random_weights(config, generator, "bert.", True)
    folder = os.path.join(out_dir, "cross")
    save_folder(folder, config, weights, "F32", {"do_lower_case": True, "model_max_length": 32},
                None, None, None)
    query = random_text(rng, 6)
    passages = [random_text(rng, n) for n in (0, 1, 4, 9, 16, 25, 40)]
    input_ids, types, mask = padded([encode_pair(query, p, ids, 32) for p in passages])
    states = bert_forward(weights, "bert.", config, input_ids, types, mask)
    pooled = torch.tanh(states[:, 0] @ weights["bert.pooler.dense.weight"].T + weights["bert.pooler.dense.bias"])
    logits = (pooled @ weights["classifier.weight"].T + weights["classifier.bias"])[:, 0]
    reference["cross_encoders"].append({"folder": "cross", "query": query, "passages": passages,
                                        "lengths": mask.sum(1).tolist(), "logits": logits.tolist(),
                                        "scores": torch.sigmoid(logits).tolist()})
    write_json(os.path.join(out_dir, "reference.json"), reference)
    print(f"bert_reference.py: torch {torch.__version__}, {len(EMBEDDERS)} embedders and 1 "
          f"cross-encoder in {out_dir}")


if __name__ == "__main__":
    main()
