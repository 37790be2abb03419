#!/usr/bin/env python3
"""Draws bench/results/latest.svg from latest.json: for W1, W2 and W2b, each
contender's median time (bar) with its min-max range (whisker) against the
workload's limit (dashed line). Python 3 standard library only.

Usage: bench/chart.py RESULTS.json OUT.svg
"""

import json
import sys
from xml.sax.saxutils import escape

WIDTH = 900
LABEL_W = 230
PLOT_W = 440
ROW_H = 26
PAD = 16
COLORS = {"cmdlet": "#2b6cb0", "c-abi": "#2f855a"}
OTHER = "#a0aec0"


def panel(title, workload, y0):
    """SVG elements of one panel and its height."""
    rows = list(workload.get("contenders", {}).items())
    limit = workload.get("limitSeconds") or 0
    top = max([limit] + [c["seconds"]["max"] for _, c in rows if c.get("seconds")] + [1e-9])
    scale = PLOT_W / (top * 1.08)
    out = [f'<text x="{PAD}" y="{y0 + 18}" font-size="15" font-weight="bold">{escape(title)}</text>']
    y = y0 + 32
    for key, c in rows:
        label = c.get("short") or c["label"]
        if len(label) > 34:
            label = label[:33] + "…"
        out.append(f'<text x="{PAD}" y="{y + 17}" font-size="12">{escape(label)}</text>')
        x0 = PAD + LABEL_W
        s = c.get("seconds")
        if not c.get("available", True) or not s:
            why = "not available" if not c.get("available", True) else "failed"
            out.append(f'<text x="{x0 + 4}" y="{y + 17}" font-size="12" fill="#c53030">{why}</text>')
        else:
            color = COLORS.get(key, OTHER)
            w = max(1.0, s["median"] * scale)
            out.append(f'<rect x="{x0}" y="{y + 5}" width="{w:.1f}" height="{ROW_H - 10}" fill="{color}"/>')
            if s["max"] > s["min"]:
                a, b = x0 + s["min"] * scale, x0 + s["max"] * scale
                cy = y + ROW_H / 2
                out.append(f'<line x1="{a:.1f}" y1="{cy}" x2="{b:.1f}" y2="{cy}" stroke="#1a202c" stroke-width="1.5"/>')
                for x in (a, b):
                    out.append(f'<line x1="{x:.1f}" y1="{cy - 5}" x2="{x:.1f}" y2="{cy + 5}" stroke="#1a202c" stroke-width="1.5"/>')
            ratio = f" ({s['median'] / limit:.2f}× limit)" if limit else ""
            lost = c.get("lost")
            if lost and lost.get("median"):
                ratio += f", {lost['median']:g} of {workload.get('groups')} lost"
            tx = x0 + max(s["max"], limit) * scale + 8
            out.append(f'<text x="{tx:.1f}" y="{y + 17}" font-size="11" fill="#2d3748">{s["median"]:.2f} s{ratio}</text>')
        y += ROW_H
    if limit:
        lx = PAD + LABEL_W + limit * scale
        out.append(f'<line x1="{lx:.1f}" y1="{y0 + 28}" x2="{lx:.1f}" y2="{y + 4}" stroke="#c53030" '
                   f'stroke-width="1.5" stroke-dasharray="5,4"/>')
        out.append(f'<text x="{lx + 4:.1f}" y="{y + 16}" font-size="11" fill="#c53030">'
                   f'limit {limit:.2f} s: {escape(workload.get("limitRule", ""))}</text>')
    fl = workload.get("rawFloorSeconds")
    if fl:
        fx = PAD + LABEL_W + fl["median"] * scale
        out.append(f'<line x1="{fx:.1f}" y1="{y0 + 28}" x2="{fx:.1f}" y2="{y + 22}" stroke="#718096" '
                   f'stroke-width="1.2" stroke-dasharray="2,3"/>')
        out.append(f'<text x="{fx + 4:.1f}" y="{y + 30}" font-size="11" fill="#4a5568">'
                   f'simulator floor {fl["median"]:.2f} s (raw HTTP, no parsing)</text>')
        y += 14
    axis_y = y + 22
    return out, axis_y - y0 + 10


def main():
    src, dst = sys.argv[1], sys.argv[2]
    with open(src) as f:
        res = json.load(f)
    parts = []
    y = 10
    w1 = res.get("w1", {})
    w2 = res.get("w2", {})
    p, h = panel(f"W1 audit: list {w1.get('groups', 0):,} groups, keep the written back (seconds, lower is better)", w1, y)
    parts += p
    y += h
    p, h = panel(f"W2 bulk change: {w2.get('groups', 0):,} groups from a listing, under the write quota (seconds)", w2, y)
    parts += p
    y += h
    w2b = res.get("w2b", {})
    if w2b.get("contenders"):
        p, h = panel(f"W2b bulk change from bare ids: the same {w2b.get('groups', 0):,} groups, read first (seconds)", w2b, y)
        parts += p
        y += h
    s = res.get("settings", {})
    m = res.get("machine", {})
    foot = (f"{res.get('date', '')} · {m.get('nproc')} × {m.get('cpu', '')} · graph-sim latency "
            f"{s.get('latencyMs')} ms/request (W2: {s.get('w2LatencyMs', s.get('latencyMs'))} ms) · bar: median, whisker: min–max")
    parts.append(f'<text x="{PAD}" y="{y + 4}" font-size="11" fill="#4a5568">{escape(foot)}</text>')
    height = y + 16
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
           f'viewBox="0 0 {WIDTH} {height}" font-family="sans-serif">\n'
           f'<rect width="100%" height="100%" fill="white"/>\n' + "\n".join(parts) + "\n</svg>\n")
    with open(dst, "w") as f:
        f.write(svg)


if __name__ == "__main__":
    main()
