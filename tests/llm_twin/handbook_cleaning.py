#!/usr/bin/env python3
"""The LLM Engineer's Handbook's clean_text in plain Python, the reference for preprocessing_test.cc.

Usage: handbook_cleaning.py TEXTS.json OUT.json
TEXTS.json is a JSON list of strings; OUT.json gets the list of their cleaned forms.
"""
import json
import re
import sys


def clean_text(text):
    text = re.sub(r"[^\w\s.,!?]", " ", text)
    text = re.sub(r"\s+", " ", text)
    return text.strip()


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        texts = json.load(f)
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        json.dump([clean_text(text) for text in texts], f, ensure_ascii=False)


if __name__ == "__main__":
    main()
