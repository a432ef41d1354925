#!/usr/bin/env python3
"""Python's own classification of every assigned code point, the reference for python_text_test.cc.

Writes {"unidata_version", "assigned": [[first, last], ...], "alnum": [[first, last], ...],
"space": [...]} to the file named by argv[1]; ranges are inclusive.
"""
import json
import sys
import unicodedata


def ranges(predicate):
    out = []
    start = None
    for cp in range(0x110000 + 1):
        hit = cp < 0x110000 and predicate(cp)
        if hit and start is None:
            start = cp
        elif not hit and start is not None:
            out.append([start, cp - 1])
            start = None
    return out


def assigned(cp):
    return unicodedata.category(chr(cp)) not in ("Cn", "Cs")


def main():
    out = {
        "unidata_version": unicodedata.unidata_version,
        "assigned": ranges(assigned),
        "alnum": ranges(lambda cp: chr(cp).isalnum()),
        "space": [cp for cp in range(0x110000) if chr(cp).isspace()],
    }
    with open(sys.argv[1], "w", encoding="utf-8") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main()
