#!/usr/bin/env python3
"""The LLM Engineer's Handbook's article chunking and chunk ids, re-implemented in plain Python
as the reference that preprocessing_test.cc compares twin's C++ against.

Usage: handbook_chunking.py CLEANED_DOCUMENTS.json OUT.json [MIN_LENGTH MAX_LENGTH]
Writes {document id: [[chunk, chunk id], ...]} for every document of artifact_data.
"""
import hashlib
import json
import re
import sys
from uuid import UUID


def chunk_article(text, min_length, max_length):
    sentences = re.split(r"(?<!\w\.\w.)(?<![A-Z][a-z]\.)(?<=\.|\?|\!)\s", text)
    extracts = []
    current_chunk = ""
    for sentence in sentences:
        sentence = sentence.strip()
        if not sentence:
            continue
        if len(current_chunk) + len(sentence) <= max_length:
            current_chunk += sentence + " "
        else:
            if len(current_chunk) >= min_length:
                extracts.append(current_chunk.strip())
            current_chunk = sentence + " "
    if len(current_chunk) >= min_length:
        extracts.append(current_chunk.strip())
    return extracts


def chunk_id(chunk):
    return str(UUID(hashlib.md5(chunk.encode()).hexdigest(), version=4))


def main():
    source, target = sys.argv[1], sys.argv[2]
    min_length = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
    max_length = int(sys.argv[4]) if len(sys.argv) > 4 else 2000
    with open(source, encoding="utf-8") as f:
        documents = json.load(f)["artifact_data"]
    out = {}
    for document in documents:
        chunks = chunk_article(document["content"], min_length, max_length)
        out[document["id"]] = [[chunk, chunk_id(chunk)] for chunk in chunks]
    with open(target, "w", encoding="utf-8") as f:
        json.dump(out, f, ensure_ascii=False)


if __name__ == "__main__":
    main()
