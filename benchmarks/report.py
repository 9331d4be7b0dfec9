"""Tables for ``make bench`` and ``make bench-peers`` from their JSON results."""

from __future__ import annotations

from typing import Any

TARGETS = {
    "ratio": 1.2,
    "cards_per_s": 2000,
    "rss_mib": 150,
    "edit_share": 0.10,
    "nochange_share": 0.05,
    "help": 0.25,
    "check": 0.5,
    "cheatsheet": 1.1,
    "edit_build": 0.25,
    "watch_apkg_s": 0.5,
    "cold_vs_plain": 1.0,
    "budget": 1.5,
}


def _budget(got: dict[str, Any] | None) -> None:
    """The page-budget line: a 1,000-card cheat sheet on 4 pages against the shipped course's."""
    if got and "error" in got:
        print(f"\nCheat sheet budget: not measured, the build failed: {got['error'].splitlines()[-2:]}")
    elif got:
        ok = got["ratio"] <= TARGETS["budget"]
        print(
            f"Cheat sheet on 4 pages: 1,000 cards {_s(got['cards_1000']['wall'])} s, shipped course "
            f"{_s(got['shipped']['wall'])} s, ratio {got['ratio']:.2f}×{_mark(ok)} (target ≤ {TARGETS['budget']}×)"
        )


def table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table with right-aligned numbers."""
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    lines = ["| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |"]
    lines.append("|" + "|".join("-" * (w + 1) + ":" for w in widths) + "|")
    lines += ["| " + " | ".join(c.rjust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows]
    return "\n".join(lines)


def _s(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def _mark(ok: bool) -> str:
    return "" if ok else " ✗"


def size_tables(sizes: dict[str, Any]) -> str:
    """Per-stage seconds, then totals, ratios and rebuilds for every corpus size."""
    stage_names = list(dict.fromkeys(k for r in sizes.values() for k in r["stages"]))
    rows = [[f"{int(n):,}", *(_s(r["stages"].get(k, 0.0)) for k in stage_names)] for n, r in sizes.items()]
    stages = table(["cards", *stage_names], rows)
    rows = []
    for n, r in sizes.items():
        cold = r["studyc"]["wall"]
        same, edit = r["rebuild_nochange"]["wall"], r["rebuild_edit"]["wall"]
        rows.append(
            [
                f"{int(n):,}",
                f"{r['markdown_bytes'] / 1e6:.1f}",
                _s(r["floor"]["wall"]),
                _s(cold),
                f"{r['ratio']:.2f}×" + _mark(r["ratio"] <= TARGETS["ratio"]),
                f"{r['cards_per_s']:,.0f}",
                f"{r['studyc']['rss_mib']:.0f}" + _mark(r["studyc"]["rss_mib"] < TARGETS["rss_mib"]),
                f"{r['floor']['rss_mib']:.0f}",
                f"{_s(same)} ({same / cold:.0%})" + _mark(same / cold < TARGETS["nochange_share"]),
                f"{_s(edit)} ({edit / cold:.0%})" + _mark(edit / cold < TARGETS["edit_share"]),
                _s(r["rebuild_reword_all"]["wall"]) if "rebuild_reword_all" in r else "",
                f"{max(r['floor']['load'] + r['studyc']['load']):.1f}",
            ]
        )
    header = ["cards", "MB", "floor s", "studyc s", "ratio", "cards/s", "RSS MiB", "floor RSS"]
    header += ["no-change rebuild", "edit-one-file rebuild", "reword-all rebuild", "max load"]
    totals = table(header, rows)
    return f"Seconds per stage (in-process, median)\n\n{stages}\n\nCold build to .apkg + JSON\n\n{totals}"


def print_report(report: dict[str, Any]) -> None:
    """The ``make bench`` tables."""
    print(size_tables(report["sizes"]))
    up = report["startup"]
    print("\nStart-up (median wall)\n")
    rows = [
        ["studyc --help", _s(up["help"]["wall"]) + _mark(up["help"]["wall"] < TARGETS["help"]), "0.25"],
        ["studyc check (shipped)", _s(up["check"]["wall"]) + _mark(up["check"]["wall"] < TARGETS["check"]), "0.5"],
        ["python -c pass", _s(up["python_bare"]["wall"]), ""],
    ]
    print(table(["command", "s", "target s"], rows))
    for name, mods in up["heavy_imports"].items():
        print(f"  heavy modules imported by {name}: {', '.join(mods) or 'none'}")
    cs = report.get("cheatsheet")
    if cs and "error" in cs:
        print(f"\nCheat sheet: not measured, the build failed: {cs['error'].splitlines()[-2:]}")
    elif cs:
        ok = cs["ratio"] <= TARGETS["cheatsheet"]
        print(
            f"\nCheat sheet PDF (shipped course): studyc {_s(cs['studyc']['wall'])} s, plain WeasyPrint "
            f"{_s(cs['plain_weasyprint']['wall'])} s, ratio {cs['ratio']:.2f}×{_mark(ok)} (target ≤ 1.1×)"
        )
    ed = report.get("edit")
    if ed and "error" in ed:
        print(f"\nEdit, save, see: not measured: {ed['error'].splitlines()[-2:]}")
    elif ed:
        print(
            f"\nEdit one answer of the shipped course (cold build of all outputs {_s(ed['cold'])} s):\n"
            f"  studyc build:      {_s(ed['edit_build'])} s = {ed['ratio_edit_build']:.2f}× cold"
            f"{_mark(ed['ratio_edit_build'] <= TARGETS['edit_build'])} (target ≤ 0.25×)\n"
            f"  watch, save→.apkg: {_s(ed['watch_apkg'])} s = {ed['ratio_watch_apkg']:.3f}× cold"
            f"{_mark(ed['watch_apkg'] < TARGETS['watch_apkg_s'])} (target < 0.5 s)\n"
            f"  watch, save→PDFs:  {_s(ed['watch_all'])} s = {ed['ratio_watch_all']:.2f}× cold\n"
            f"  cold build against plain WeasyPrint on the three documents ({_s(ed['plain_weasyprint'])} s): "
            f"{ed['ratio_cold_vs_plain']:.2f}×{_mark(ed['ratio_cold_vs_plain'] <= TARGETS['cold_vs_plain'])} "
            "(target ≤ 1.0×)"
        )
    _budget(report.get("budget"))
    start, end = report["machine"]["load_start"], report["machine"]["load_end"]
    print(f"\nLoad average at start {start[0]:.2f}, at end {end[0]:.2f} on {report['machine']['cpus']} CPUs.")


def print_peers(report: dict[str, Any]) -> None:
    """The ``make bench-peers`` table: wall time and ratio to studyc for each tool."""
    tools = list(dict.fromkeys(t for r in report["sizes"].values() for t in r["tools"]))
    rows = []
    for n, r in report["sizes"].items():
        base = r["tools"]["studyc"]["wall"]
        rows += [
            [
                f"{int(n):,}",
                t,
                f"{r['tools'][t].get('notes') or 0:,}",
                _s(r["tools"][t]["wall"]),
                f"{r['tools'][t]['rss_mib']:.0f}",
                f"{r['tools'][t]['wall'] / base:.2f}×",
            ]
            for t in tools
            if t in r["tools"]
        ]
    print(table(["cards", "tool", "notes", "s (median)", "RSS MiB", "÷ studyc"], rows))
