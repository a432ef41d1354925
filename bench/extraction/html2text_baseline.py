#!/usr/bin/python3
"""Baseline of bench/extraction: python3-html2text (the converter the Handbook uses), in-process.

  html2text_baseline.py predict PAGES_DIR OUT.json
  html2text_baseline.py throughput PAGES_DIR SECONDS   prints "html2text <MB/s>"
"""
import json
import os
import sys
import time

import html2text


def convert(page):
    converter = html2text.HTML2Text()
    converter.ignore_links = True  # as the Handbook's crawler configures it
    return converter.handle(page)


def main():
    mode, folder = sys.argv[1], sys.argv[2]
    pages = {}
    for name in sorted(os.listdir(folder)):
        if name.endswith(".html"):
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                pages[name[:-5]] = f.read()
    if mode == "predict":
        with open(sys.argv[3], "w", encoding="utf-8") as out:
            json.dump({k: {"articleBody": convert(v)} for k, v in pages.items()}, out)
        return
    seconds = float(sys.argv[3])
    size = sum(len(v.encode("utf-8")) for v in pages.values())
    # CPU time, as the C++ side measures: on a shared machine wall time measures the neighbours.
    done, start = 0, time.process_time()
    while True:
        for v in pages.values():
            convert(v)
        done += size
        elapsed = time.process_time() - start
        if elapsed >= seconds:
            break
    print(f"html2text {done / 1e6 / elapsed:.2f}")


if __name__ == "__main__":
    main()
