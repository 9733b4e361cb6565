#!/usr/bin/env python3
"""bench/medians.py RUN_DIR... — the medians of several bench/run.sh runs.

Reads the "Results" and "Ratios to the baselines" tables of each run's
results.md (bench/results/<scale>-<date>[-N]/) and prints, as Markdown, the
median of every figure over the runs with the range in brackets. Ratios are
medians of each run's own ratio (each measured against baselines minutes
apart in that run), not ratios of medians. Import and demo figures are taken
from the runs' data/*.json.
"""
import json
import os
import re
import statistics
import sys


def table(md, heading):
    """The rows (lists of cells) of the first table under heading."""
    i = md.index(heading)
    rows = []
    for line in md[i:].splitlines()[1:]:
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not set("".join(cells)) <= set("-: "):
                rows.append(cells)
        elif rows:
            break
    return rows[1:]  # without the header


def number(cell):
    """The number in a cell ("1,234.5 req/s", "**1.40×**", "47.1 ms"), or None."""
    m = re.search(r"-?[\d,]+(\.\d+)?", cell.replace("*", ""))
    return float(m.group(0).replace(",", "")) if m else None


def keyed(rows, nkey):
    """Rows by their first nkey cells, blank key cells filled from the row above."""
    out, last = {}, [""] * nkey
    for r in rows:
        key = [r[i] or last[i] for i in range(nkey)]
        last = key
        out[tuple(key)] = r[nkey:]
    return out


def med(values, fmt):
    vals = [v for v in values if v is not None]
    if not vals:
        return "—"
    m = statistics.median(vals)
    if len(vals) == 1:
        return fmt(m)
    return f"{fmt(m)} ({fmt(min(vals))}–{fmt(max(vals))})"


def g(v):
    return f"{v:,.0f}" if v >= 100 else f"{v:,.1f}" if v >= 10 else f"{v:.2f}"


def main(dirs):
    runs = [open(os.path.join(d, "results.md"), encoding="utf-8").read() for d in dirs]
    results = [keyed(table(md, "## Results"), 2) for md in runs]
    ratios = [keyed(table(md, "## Ratios to the baselines"), 3) for md in runs]
    print(f"Medians of {len(dirs)} runs ({', '.join(os.path.basename(d.rstrip('/')) for d in dirs)}); the range in brackets.\n")
    print("| workload | system | throughput | p50 ms | p95 ms | p99 ms | peak RSS MiB |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for key in results[0]:
        cells = [r.get(key) for r in results]
        col = lambda i: [number(c[i]) if c else None for c in cells]
        unit = "tps" if "tps" in results[0][key][0] else "req/s"
        print(f"| {key[0]} | {key[1]} | {med(col(0), g)} {unit} | {med(col(1), g)} | {med(col(2), g)} | "
              f"{med(col(3), g)} | {med(col(6), g)} |")
    print("\n| workload | civicgraph | vs | throughput | p50 | p95 | p99 |")
    print("|---|---|---|---:|---:|---:|---:|")
    x = lambda v: f"{v:.2f}×" if v < 10 else f"{v:,.0f}×"
    for key in ratios[0]:
        cells = [r.get(key) for r in ratios]
        col = lambda i: [number(c[i]) if c else None for c in cells]
        print(f"| {key[0]} | {key[1]} | {key[2]} | **{med(col(0), x)}** | {med(col(1), x)} | {med(col(2), x)} | {med(col(3), x)} |")
    print("\n| import / demo | median |")
    print("|---|---:|")
    for backend in ("postgresql", "sqlite"):
        vals, rss = [], []
        for d in dirs:
            p = os.path.join(d, "data", f"import.{backend}.json")
            if os.path.exists(p):
                j = json.load(open(p))
                vals.append(j["recPerSec"])
                rss.append(j["peakRssKiB"] / 1024)
        if vals:
            print(f"| import into {backend}, records/s | {med(vals, g)} |")
            print(f"| import into {backend}, peak RSS MiB | {med(rss, g)} |")
    demo = []
    for d in dirs:
        p = os.path.join(d, "data", "demo.json")
        if os.path.exists(p):
            demo.append(json.load(open(p))["firstAnswerSec"])
    if demo:
        print(f"| `serve --demo` first answer, s | {med(demo, lambda v: f'{v:.2f}')} |")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
