#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Prints the table of scripts/bench compare from its result lines.

Each line reads "result TOOL STEP key=value...". Several runs of one tool and step give the
median of each figure. A fail2ban wait that hit its deadline (timed_out_s=T) prints as
">T s (timed out)" and its ratio as a lower bound. The ratio column says how many times
better alertband is than the better of fail2ban's two actions: fail2ban's time over
alertband's, or alertband's rate over fail2ban's.
"""
import statistics
import sys

TOOLS = ("alertban", "f2b-iptables", "f2b-ipset")
HEAD = ("workload", "alertband", "fail2ban iptables-allports", "fail2ban ipset", "fail2ban / alertband")


def load(path):
    runs = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) < 3 or parts[0] != "result":
                continue
            kv = dict(p.split("=", 1) for p in parts[3:] if "=" in p)
            step = parts[2]
            size = kv.get("n", "")
            if step in ("burst", "parse", "parser", "latency"):
                step = f"{step}:{size}"
            runs.setdefault((parts[1], step), []).append(kv)
    return runs


def median(runs, tool, step, key):
    """(value, timed_out): the median of key over the runs; timed_out when any run hit its
    deadline, with the deadline as the value."""
    rs = runs.get((tool, step), [])
    out = [r for r in rs if "timed_out_s" in r]
    if out:
        return float(out[0]["timed_out_s"]), out[0]
    vals = [float(r[key]) for r in rs if key in r]
    if not vals:
        skipped = [r for r in rs if "skipped" in r]
        return None, (skipped[0] if skipped else None)
    return statistics.median(vals), None


def fmt(v, digits):
    if v is None:
        return "-"
    return f"{v:,.{digits}f}"


def row(runs, label, step, key, digits, better, unit=""):
    cells = [label]
    vals = {}
    for tool in TOOLS:
        v, out = median(runs, tool, step, key)
        if out is not None and "skipped" in out:
            cells.append("not measured: " + out["skipped"].replace("-", " "))
            continue
        if out is not None:
            if key in ("bans_per_s",) and "banned" in out and v:
                cells.append(f"<{float(out['banned']) / v:,.0f} (timed out at {v:.0f} s)")
                vals[tool] = (float(out["banned"]) / v, True)
            elif key == "enforced_s" and "back" in out:
                cells.append(f">{v:.0f} s (timed out, {int(out['back']):,} back)")
                vals[tool] = (v, True)
            elif key == "gone_s" and "left" in out:
                cells.append(f">{v:.0f} s (timed out, {int(out['left']):,} left)")
                vals[tool] = (v, True)
            elif key == "fewest" and "fewest" in out:
                cells.append(f"{int(out['fewest']):,}")
            elif key in ("time_s", "gone_s", "enforced_s", "p50_ms", "p99_ms", "max_ms"):
                cells.append(f">{v:.0f} s (timed out)")
                vals[tool] = (v * (1000 if key.endswith("_ms") else 1), True)
            else:
                cells.append("-")
            continue
        vals[tool] = (v, False) if v is not None else None
        cells.append(fmt(v, digits) + (unit if v is not None else ""))
    ab = vals.get("alertban")
    f2b = [vals[t] for t in TOOLS[1:] if vals.get(t)]
    ratio = "-"
    if better and ab and ab[0] and f2b:
        if better == "lower":
            best = min(f2b, key=lambda x: x[0])
            r = best[0] / ab[0]
        else:
            best = max(f2b, key=lambda x: x[0])
            r = ab[0] / best[0] if best[0] else float("inf")
        ratio = ("≥" if best[1] else "") + f"{r:,.0f}×"
    return cells + [ratio]


def main():
    runs = load(sys.argv[1])
    rows = []
    steps = sorted({s for (_, s) in runs}, key=lambda s: (s.split(":")[0], int(s.split(":")[1]) if ":" in s else 0))
    order = ["latency", "burst", "restart", "expiry", "parse", "parser"]
    steps.sort(key=lambda s: (order.index(s.split(":")[0]), int(s.split(":")[1]) if ":" in s else 0))
    for step in steps:
        kind, _, size = step.partition(":")
        if kind == "latency":
            n = size
            rows.append(row(runs, f"latency ({n} alerts) p50 ms", step, "p50_ms", 2, "lower"))
            rows.append(row(runs, f"latency ({n} alerts) p99 ms", step, "p99_ms", 2, "lower"))
            rows.append(row(runs, f"latency ({n} alerts) max ms", step, "max_ms", 2, "lower"))
        elif kind == "burst":
            n = f"{int(size):,}"
            rows.append(row(runs, f"burst {n}: all banned, s", step, "time_s", 3, "lower"))
            rows.append(row(runs, f"burst {n}: bans/s", step, "bans_per_s", 0, "higher"))
            rows.append(row(runs, f"burst {n}: CPU s", step, "cpu_s", 2, "lower"))
            rows.append(row(runs, f"burst {n}: peak RSS MB", step, "rss_mb", 1, None))
        elif kind == "restart":
            n = max((int(r.get("n", 0)) for (t, s), rs in runs.items() if s == step for r in rs), default=0)
            rows.append(row(runs, f"restart ({n:,} bans): enforced again, s", step, "enforced_s", 3, "lower"))
            rows.append(row(runs, "restart: fewest bans in the kernel meanwhile", step, "fewest", 0, None))
        elif kind == "expiry":
            n = max((int(r.get("n", 0)) for (t, s), rs in runs.items() if s == step for r in rs), default=0)
            rows.append(row(runs, f"expiry ({n:,} bans due at once): all gone after, s", step, "gone_s", 3, "lower"))
        elif kind == "parse":
            n = f"{int(size):,}"
            rows.append(row(runs, f"parse {n} lines (alertban parse, fail2ban-regex): lines/s", step, "lines_per_s", 0, "higher"))
        elif kind == "parser":
            n = f"{int(size):,}"
            rows.append(row(runs, f"parser alone, {n} lines: lines/s", step, "lines_per_s", 0, None))
    widths = [max(len(r[i]) for r in rows + [list(HEAD)]) for i in range(len(HEAD))]
    print("| " + " | ".join(h.ljust(w) for h, w in zip(HEAD, widths)) + " |")
    print("| " + " | ".join("-" * w for w in widths) + " |")
    for r in rows:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |")


if __name__ == "__main__":
    main()
