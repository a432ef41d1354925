#!/usr/bin/python3
"""Baselines of bench/extraction_real, in-process: readability-lxml (python3-readability) and
python3-html2text (the converter the Handbook uses), over PAGES_DIR/NAME/source.html.

  baselines.py predict readability|html2text PAGES_DIR OUT.json
  baselines.py throughput readability|html2text PAGES_DIR SECONDS   prints "NAME <MB/s>"
"""
import json
import os
import sys
import time

import html2text
import lxml.html
from readability import Document


def html2text_convert(page):
    converter = html2text.HTML2Text()
    converter.ignore_links = True  # as the Handbook's crawler configures it
    return {"articleBody": converter.handle(page)}


def readability_convert(page):
    doc = Document(page)
    summary = doc.summary(html_partial=True)
    text = lxml.html.fromstring(summary).text_content() if summary.strip() else ""
    return {"articleBody": text, "title": doc.short_title()}


CONVERTERS = {"readability": readability_convert, "html2text": html2text_convert}


def read_pages(folder):
    pages = {}
    for name in sorted(os.listdir(folder)):
        source = os.path.join(folder, name, "source.html")
        if os.path.exists(source):
            with open(source, encoding="utf-8", errors="replace") as f:
                pages[name] = f.read()
    return pages


def safe(convert, page):
    try:
        return convert(page)
    except Exception:  # a baseline that fails on a page scores nothing on it
        return {"articleBody": ""}


def main():
    mode, which, folder = sys.argv[1], sys.argv[2], sys.argv[3]
    convert = CONVERTERS[which]
    pages = read_pages(folder)
    if mode == "predict":
        with open(sys.argv[4], "w", encoding="utf-8") as out:
            json.dump({k: safe(convert, v) for k, v in pages.items()}, out)
        return
    seconds = float(sys.argv[4])
    size = sum(len(v.encode("utf-8")) for v in pages.values())
    # CPU time, as the C++ side measures: on a shared machine wall time measures the neighbours.
    done, start = 0, time.process_time()
    while True:
        for v in pages.values():
            safe(convert, v)
        done += size
        elapsed = time.process_time() - start
        if elapsed >= seconds:
            break
    print(f"{which} {done / 1e6 / elapsed:.2f}")


if __name__ == "__main__":
    main()
