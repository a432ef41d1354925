#!/usr/bin/python3
"""Metadata score of predictions against readability-test-pages' expected-metadata.json.

  metadata_score.py PAGES_DIR PREDICTIONS.json

Title: exact match after collapsing whitespace, over pages whose expected title is not empty.
Byline: match after lower-casing, collapsing whitespace and dropping a leading "by"/"par", over
pages with an expected byline; also counted as a match when one contains the other (Readability's
bylines often carry a date or an organisation after the name).
"""
import json
import os
import re
import sys


def squash(text):
    return re.sub(r"\s+", " ", text or "").strip()


def byline_key(text):
    text = squash(text).lower()
    text = re.sub(r"^(by|par|von|por)\s+", "", text)
    return text


def main():
    folder, predictions = sys.argv[1], json.load(open(sys.argv[2], encoding="utf-8"))
    titles = title_hits = bylines = byline_hits = 0
    misses = []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name, "expected-metadata.json")
        if not os.path.exists(path):
            continue
        expected = json.load(open(path, encoding="utf-8"))
        got = predictions.get(name, {})
        if squash(expected.get("title")):
            titles += 1
            if squash(expected["title"]) == squash(got.get("title")):
                title_hits += 1
            else:
                misses.append(f"  title  {name}: want {squash(expected['title'])!r} got {squash(got.get('title'))!r}")
        if squash(expected.get("byline")):
            bylines += 1
            want, have = byline_key(expected["byline"]), byline_key(got.get("byline"))
            if have and (want == have or want in have or have in want):
                byline_hits += 1
            else:
                misses.append(f"  byline {name}: want {want!r} got {have!r}")
    print(f"title exact {title_hits}/{titles} = {title_hits / max(1, titles):.3f}, "
          f"byline {byline_hits}/{bylines} = {byline_hits / max(1, bylines):.3f}")
    if os.environ.get("VERBOSE"):
        print("\n".join(misses))


if __name__ == "__main__":
    main()
