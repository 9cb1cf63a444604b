"""Turn the published Home Credit reference statistics into the package resources.

Run once by a maintainer (it needs ``../shared/home-credit/reference``); the outputs are committed:
``src/creditrisk/resources/schema.json`` (the file contract: columns, order, dtypes, full row counts) and
``src/creditrisk/resources/reference_stats.json`` (per-column missing rate, quantiles, category shares).
Only aggregate statistics are stored, never real rows.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "creditrisk" / "resources"


def _num(text: str) -> float:
    return float(text.replace(",", "").strip())


def _strip_comment(line: str) -> tuple[str, str]:
    body, _, comment = line.partition("#")
    return body.strip(), comment.strip()


def _parse_shares(text: str) -> dict[str, float]:
    counts: dict[str, float] = {}
    for part in text.split("; "):
        if "=" not in part or part.strip().startswith("..."):
            continue
        name, _, value = part.rpartition("=")
        value = value.split()[0]
        counts[name.strip()] = _num(value.replace("(?)", ""))
    return counts


def parse_application(path: Path, n_rows: int) -> dict[str, dict]:
    """Parse a describe file of application_train/test (numeric and categorical lines)."""
    stats: dict[str, dict] = {}
    for raw in path.read_text().splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        body, _ = _strip_comment(raw)
        fields = [f.strip() for f in body.split(" | ")]
        name = fields[0]
        if name.startswith("FLAG_DOCUMENT_2..21"):
            for match in re.finditer(r"D(\d+)=([\d.]+)", body):
                stats[f"FLAG_DOCUMENT_{match.group(1)}"] = _binary(float(match.group(2)))
            continue
        # "FLAG_EMP_PHONE mean 0.80 | FLAG_WORK_PHONE 0.20 | ...": one mean per flag
        if " " in name and not name.startswith("FLAG_DOCUMENT"):
            for part in body.split(" | "):
                tokens = part.replace(" mean ", " ").split()
                if len(tokens) >= 2 and re.fullmatch(r"[A-Z_0-9]+", tokens[0]):
                    stats[tokens[0]] = _binary(float(tokens[1]))
            continue
        missing = _num(fields[1].split()[0])  # "23887 (49.0%)" -> 23887
        if "=" in fields[2]:
            shares = _parse_shares(fields[2])
            complete = "..." not in body
            total = sum(shares.values()) if complete else n_rows - missing
            stats[name] = {"kind": "cat", "na": missing / n_rows,
                           "shares": {k: v / total for k, v in shares.items()}, "complete": complete}
        elif len(fields) >= 9 and fields[2] != "...":
            values = [_num(v) for v in fields[2:9]]
            stats[name] = {"kind": "num", "na": missing / n_rows, "mean": values[0], "std": values[1],
                           "q": {"0": values[2], "0.25": values[3], "0.5": values[4], "0.75": values[5],
                                 "1": values[6]}}
    return stats


def _binary(mean: float) -> dict:
    return {"kind": "num", "na": 0.0, "mean": mean, "q": {"0.5": 1.0 if mean >= 0.5 else 0.0}, "binary": True}


def parse_secondary(path: Path) -> dict[str, dict[str, dict]]:
    """Parse the per-column sample statistics of the six child tables."""
    tables: dict[str, dict[str, dict]] = {}
    current = None
    for raw in path.read_text().splitlines():
        header = re.match(r"## (\w+)\s+sample rows", raw)
        if header:
            current = tables.setdefault(header.group(1), {})
            continue
        if current is None or not raw.strip() or raw.startswith("#"):
            continue
        fields = [f.strip() for f in raw.split(" | ")]
        name, kind = fields[0], fields[1]
        na = float(fields[2].split("=")[1])
        if kind == "cat":
            current[name] = {"kind": "cat", "na": na, "shares": _parse_shares(fields[3]), "complete": True}
            continue
        desc = fields[3]
        quant = [float(v) for v in re.findall(r"'([^']+)'", desc)]
        entry = {"kind": "num", "na": na, "mean": float(re.search(r"mean=(\S+)", desc).group(1)),
                 "q": {"0": float(re.search(r"min=(\S+)", desc).group(1)),
                       "0.01": quant[0], "0.25": quant[1], "0.5": quant[2], "0.75": quant[3], "0.99": quant[4],
                       "1": float(re.search(r"max=(\S+)", desc).group(1))},
                 "zero_frac": float(fields[4].split("=")[1])}
        if len(fields) > 5 and "365243" in fields[5]:
            entry["sentinel_frac"] = float(fields[5].split("=")[-1].split()[-1])
        current[name] = entry
    return tables


# Full-table facts that are more accurate than the random samples (secondary_tables_full_counts.txt).
_FULL_CATEGORIES = {"bureau": ("CREDIT_ACTIVE", "CREDIT_CURRENCY", "CREDIT_TYPE"),
                    "previous_application": ("NAME_CONTRACT_TYPE", "NAME_CONTRACT_STATUS", "CODE_REJECT_REASON",
                                             "NAME_CLIENT_TYPE", "NAME_PORTFOLIO", "NAME_PRODUCT_TYPE",
                                             "NAME_YIELD_GROUP", "CHANNEL_TYPE")}
_PREVIOUS_ROWS = 1_670_214


def apply_full_counts(stats: dict[str, dict[str, dict]], path: Path) -> None:
    """Replace sample-based category shares and missing rates by the full-table counts where published."""
    text = path.read_text()
    for table, columns in _FULL_CATEGORIES.items():
        for column in columns:
            match = re.search(rf"^{column}(?: \([^)]*\))?: (.+)$", text, flags=re.M)
            if match:
                counts = _parse_shares(match.group(1))
                total = sum(counts.values())
                stats[table][column]["shares"] = {k: v / total for k, v in counts.items()}
                stats[table][column]["source"] = "full table"
    non_null = re.search(r"^ ?non-null: (.+?)(?:; all others complete\.)$", text, flags=re.M | re.S)
    for part in non_null.group(1).replace("\n", " ").split(";"):
        names, _, count = part.strip().removesuffix(" each").rpartition(" ")
        for name in names.split("/"):
            name = name.strip()
            if name in stats["previous_application"]:
                stats["previous_application"][name]["na"] = 1 - _num(count) / _PREVIOUS_ROWS
                stats["previous_application"][name]["na_source"] = "full table"


def column_descriptions(path: Path) -> dict[str, dict[str, str]]:
    """English descriptions of the competition's column dictionary, keyed by table then column (errata fixed)."""
    import csv

    out: dict[str, dict[str, str]] = {}
    with open(path, encoding="latin-1", newline="") as handle:
        for row in list(csv.reader(handle))[1:]:
            table = row[1].replace(".csv", "").replace("application_{train|test}", "application")
            table = {"previous_application": "previous_application"}.get(table, table)
            column = "SK_ID_BUREAU" if row[2].strip() == "SK_BUREAU_ID" else row[2].strip()
            if column == "NFLAG_MICRO_CASH":  # listed but absent from the real file
                continue
            out.setdefault(table, {})[column] = " ".join(row[3].split())
    return out


def main(reference_dir: Path) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(reference_dir / "schema.json", OUT / "schema.json")
    stats = {"application_train": parse_application(reference_dir / "application_train_describe.txt", 307_511),
             "application_test": parse_application(reference_dir / "application_test_describe.txt", 48_744)}
    stats.update(parse_secondary(reference_dir / "secondary_tables_from_random_samples.txt"))
    apply_full_counts(stats, reference_dir / "secondary_tables_full_counts.txt")
    (OUT / "column_descriptions.json").write_text(json.dumps(
        column_descriptions(reference_dir / "columns_description.csv"), indent=1, ensure_ascii=False) + "\n")
    (OUT / "reference_stats.json").write_text(json.dumps(stats, indent=1, sort_keys=False) + "\n")
    print({table: len(cols) for table, cols in stats.items()})


if __name__ == "__main__":
    default = ROOT.parent / "shared" / "home-credit" / "reference"
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else default)
