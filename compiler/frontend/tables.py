"""Pipe tables in the notes: their cells as text trees, ragged rows reported, header names."""

from __future__ import annotations

from typing import TYPE_CHECKING

from markdown_it.rules_block.table import escapedSplit

from compiler.frontend.blocks import Block
from compiler.model import ir
from compiler.model.diagnostics import Code

if TYPE_CHECKING:
    from compiler.frontend.lower import Lowerer


def table_cells(low: Lowerer, block: Block) -> tuple[tuple[ir.Text, ...], tuple[tuple[ir.Text, ...], ...]]:
    """Header and body cells of a table, reporting ragged rows."""
    header: list[ir.Text] = []
    rows: list[tuple[ir.Text, ...]] = []
    current: list[ir.Text] | None = None
    in_head = False
    columns = sum(1 for t in block.tokens if t.type == "th_open")  # once, not per row (quadratic)
    for tok in block.tokens:
        if tok.type == "thead_open":
            in_head = True
        elif tok.type == "thead_close":
            in_head = False
        elif tok.type == "tr_open" and not in_head:
            current = []
            if tok.map:
                _check_ragged(low, low.lines[tok.map[0]], tok.map[0] + 1, columns)
        elif tok.type == "tr_close" and current is not None:
            rows.append(tuple(current))
            current = None
        elif tok.type == "inline":
            cell = low.inline_text(tok)
            (header if in_head else current if current is not None else header).append(cell)
    return tuple(header), tuple(rows)


def _check_ragged(low: Lowerer, source: str, line: int, expected: int) -> None:
    s = source.strip()
    if s.startswith("|"):
        s = s[1:]
    if s.endswith("|") and not s.endswith("\\|"):
        s = s[:-1]
    got = len(escapedSplit(s))
    if got != expected:
        cells = f"{got} cell{'s' * (got != 1)}"
        low.diags.add(Code.TABLE_RAGGED, low.path, line, f"table row has {cells} but the header has {expected}")


def header_names(low: Lowerer, block: Block) -> list[str]:
    """Header cells as plain text, the way ``front=``/``back=`` name them."""
    names: list[str] = []
    in_head = False
    for tok in block.tokens:
        if tok.type in ("thead_open", "thead_close"):
            in_head = tok.type == "thead_open"
        elif in_head and tok.type == "inline":
            names.append(" ".join(low.plain(tok).split()))
    return names
