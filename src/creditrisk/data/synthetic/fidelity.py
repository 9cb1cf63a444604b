"""Fidelity of generated files against the reference statistics of the real data.

A column passes when its missing rate is within 3 points, its median within 10 % (relative; exact when the real
median is 0) and every category share (or the mean of a 0/1 flag) within 3 points of the real values.
Identifiers are not compared (their range depends on the data size).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from creditrisk.data import schema

NA_TOLERANCE = 0.03
MEDIAN_TOLERANCE = 0.10
SHARE_TOLERANCE = 0.03
GOAL_PASS_SHARE = 0.90


@dataclass
class ColumnFidelity:
    table: str
    column: str
    na_ref: float
    na_syn: float
    median_ref: float | None = None
    median_syn: float | None = None
    max_share_diff: float | None = None
    worst_category: str | None = None
    passed: bool = True
    reasons: str = ""


def _median_ok(ref: float, syn: float) -> bool:
    if ref == 0:
        return abs(syn) < 1e-9
    return abs(syn - ref) <= MEDIAN_TOLERANCE * abs(ref)


def compare_column(table: str, column: str, values, ref: dict) -> ColumnFidelity:
    """Compare one generated column (a polars Series) with its reference entry."""
    n = len(values)
    na_syn = values.null_count() / n if n else float("nan")
    out = ColumnFidelity(table=table, column=column, na_ref=ref["na"], na_syn=na_syn)
    reasons = []
    if abs(na_syn - ref["na"]) > NA_TOLERANCE:
        reasons.append(f"missing {na_syn:.3f} vs {ref['na']:.3f}")
    present = values.drop_nulls()
    if ref["kind"] == "cat" or ref.get("binary"):
        ref_shares = ref["shares"] if ref["kind"] == "cat" else {"1": ref["mean"], "0": 1 - ref["mean"]}
        counts = present.cast(str).value_counts()
        total = max(present.len(), 1)
        syn_shares = {str(k): c / total for k, c in zip(counts[:, 0].to_list(), counts[:, 1].to_list(), strict=True)}
        if ref["kind"] != "cat":
            syn_shares = {k.removesuffix(".0"): v for k, v in syn_shares.items()}
        keys = set(ref_shares) | set(syn_shares) if ref.get("complete", True) else set(ref_shares)
        diffs = {k: abs(syn_shares.get(k, 0.0) - ref_shares.get(k, 0.0)) for k in keys}
        worst = max(sorted(diffs), key=diffs.get) if diffs else None  # sorted: ties broken the same in every run
        out.max_share_diff, out.worst_category = (diffs[worst], worst) if worst else (0.0, None)
        if out.max_share_diff > SHARE_TOLERANCE:
            reasons.append(f"share of {worst!r} off by {out.max_share_diff:.3f}")
    elif "0.5" in ref["q"] and present.len():
        out.median_ref, out.median_syn = float(ref["q"]["0.5"]), float(present.cast(float).median())
        if not _median_ok(out.median_ref, out.median_syn):
            reasons.append(f"median {out.median_syn:.6g} vs {out.median_ref:.6g}")
    out.passed, out.reasons = not reasons, "; ".join(reasons)
    return out


def measure_fidelity(data_dir: Path) -> dict:
    """Compare every generated file in ``data_dir`` with the reference statistics; returns the JSON report."""
    import polars as pl

    stats = schema.reference_stats()
    rows: list[ColumnFidelity] = []
    for name in schema.ALL_TABLES:
        path = Path(data_dir) / f"{name}.csv"
        ref_table = stats.get(name, {})
        if not path.exists() or not ref_table:
            continue
        frame = pl.read_csv(path, infer_schema_length=10_000)
        for column in frame.columns:
            ref = ref_table.get(column)
            if ref is None or column.startswith("SK_ID"):
                continue
            rows.append(compare_column(name, column, frame[column], ref))
    passed = sum(r.passed for r in rows)
    per_table = {}
    for name in {r.table for r in rows}:
        table_rows = [r for r in rows if r.table == name]
        per_table[name] = {"columns": len(table_rows), "passed": sum(r.passed for r in table_rows)}
    return {"columns_compared": len(rows), "columns_passed": passed,
            "pass_share": passed / len(rows) if rows else float("nan"), "goal_pass_share": GOAL_PASS_SHARE,
            "tolerances": {"missing_points": NA_TOLERANCE, "median_relative": MEDIAN_TOLERANCE,
                           "share_points": SHARE_TOLERANCE},
            "per_table": dict(sorted(per_table.items())), "columns": [asdict(r) for r in rows]}


def render_markdown(report: dict, generation: dict | None = None) -> str:
    """Readable table of the fidelity report (failures first)."""
    lines = ["# Synthetic data fidelity", ""]
    if generation:
        lines += [f"- {k}: {v}" for k, v in generation.items()] + [""]
    lines += [f"**{report['columns_passed']} / {report['columns_compared']} columns pass "
              f"({report['pass_share']:.1%}; goal {report['goal_pass_share']:.0%})** — missing rate within "
              f"{NA_TOLERANCE:.0%} points, median within {MEDIAN_TOLERANCE:.0%}, category shares within "
              f"{SHARE_TOLERANCE:.0%} points.", "", "| table | columns | pass |", "|---|---:|---:|"]
    lines += [f"| {t} | {v['columns']} | {v['passed']} |" for t, v in report["per_table"].items()]
    lines += ["", "| table | column | missing real | missing synth | median real | median synth | max share diff |"
              " pass | why |", "|---|---|---:|---:|---:|---:|---:|---|---|"]
    for row in sorted(report["columns"], key=lambda r: (r["passed"], r["table"], r["column"])):
        lines.append(f"| {row['table']} | {row['column']} | {row['na_ref']:.3f} | {row['na_syn']:.3f} | "
                     f"{_fmt(row['median_ref'])} | {_fmt(row['median_syn'])} | {_fmt(row['max_share_diff'])} | "
                     f"{'yes' if row['passed'] else 'NO'} | {row['reasons']} |")
    return "\n".join(lines) + "\n"


def _fmt(value: float | None) -> str:
    return "" if value is None or (isinstance(value, float) and np.isnan(value)) else f"{value:.4g}"
