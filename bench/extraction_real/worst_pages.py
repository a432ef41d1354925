#!/usr/bin/python3
"""The N pages with the lowest per-page F1 (extract_f1.py's shingles), with precision and recall.

  worst_pages.py EXTRACT_F1.py GROUND_TRUTH.json PREDICTIONS.json [N]
"""
import importlib.util
import json
import sys


def main():
    spec = importlib.util.spec_from_file_location("extract_f1", sys.argv[1])
    metric = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(metric)
    truth = json.load(open(sys.argv[2], encoding="utf-8"))
    pred = json.load(open(sys.argv[3], encoding="utf-8"))
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 10
    rows = []
    for name, want in truth.items():
        got = pred.get(name) or {}
        tp, fp, fn = metric.tp_fp_fn(want.get("articleBody", ""), got.get("articleBody", ""))
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        rows.append((f, p, r, name, got.get("path", "")))
    rows.sort()
    for f, p, r, name, path in rows[:count]:
        print(f"  {name:40s} F1 {f:.3f} P {p:.3f} R {r:.3f} {path}")


if __name__ == "__main__":
    main()
