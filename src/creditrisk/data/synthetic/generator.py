"""Write the eight Home Credit files (synthetic, seeded, deterministic) and the separate true-PD file.

Applicants are generated in fixed-size chunks of consecutive SK_ID_CURR, each with its own random stream derived
from the seed, so the files depend only on (seed, sizes) and memory stays bounded at full Kaggle size.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from creditrisk.data import schema
from creditrisk.data.schema import KEY
from creditrisk.data.synthetic.application import generate_applicants
from creditrisk.data.synthetic.history import IdCounters, generate_history
from creditrisk.data.synthetic.risk import true_pd
from creditrisk.io import atomic_path

log = logging.getLogger(__name__)

FIRST_ID = 100_001
CHUNK_SIZE = 20_000
TRUE_PD_FILE = "true_pd.csv"


@dataclass
class GenerationSummary:
    """What was written, for logs, tests and the closing report."""

    rows: dict[str, int] = field(default_factory=dict)
    default_rate: float = float("nan")
    bayes_auc: float = float("nan")
    seconds: float = 0.0


def split_ids(rng: np.random.Generator, n_train: int, n_test: int) -> tuple[np.ndarray, np.ndarray]:
    """Consecutive ids, randomly interleaved between train and test as in the real files."""
    total = n_train + n_test
    is_test = np.zeros(total, dtype=bool)
    is_test[rng.choice(total, size=n_test, replace=False)] = True
    return np.arange(FIRST_ID, FIRST_ID + total, dtype=np.int64), is_test


def _merge_sides(train, test, is_test: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray]:
    cols = {}
    for name, train_values in train.columns.items():
        test_values = test.columns[name]
        dtype = object if train_values.dtype == object or test_values.dtype == object else np.result_type(
            train_values, test_values)
        merged = np.empty(is_test.size, dtype=dtype)
        merged[~is_test] = train_values
        merged[is_test] = test_values
        cols[name] = merged
    quality = np.empty(is_test.size)
    quality[~is_test], quality[is_test] = train.quality, test.quality
    return cols, quality


def generate_chunk(seed: int, chunk: int, ids: np.ndarray, is_test: np.ndarray, counters: IdCounters):
    """Applications, history and true PD for one chunk of applicants."""
    rng = np.random.default_rng([seed, chunk])
    train = generate_applicants(rng, int((~is_test).sum()), test=False, force_quirks=chunk == 0)
    test = generate_applicants(rng, int(is_test.sum()), test=True, force_quirks=chunk == 0)
    app, quality = _merge_sides(train, test, is_test)
    history = generate_history(rng, app, ids, quality, counters)
    pd_true = true_pd(app, history)
    target = (rng.random(ids.size) < pd_true).astype(np.int64)
    return app, history, pd_true, target


def _frame(table: str, cols: dict[str, np.ndarray]):
    import polars as pl

    series = []
    for col in schema.table(table).columns:
        values = cols[col.name]
        if col.dtype == "object":
            series.append(pl.Series(col.name, values.tolist(), dtype=pl.Utf8))
        elif col.dtype == "int64":
            series.append(pl.Series(col.name, np.asarray(values, dtype=np.int64)))
        else:
            series.append(pl.Series(col.name, np.asarray(values, dtype=np.float64), nan_to_null=True))
    return pl.DataFrame(series)


def _append(frames: dict, out_dir: Path, first: bool) -> None:
    for table, frame in frames.items():
        with open(out_dir / f"{table}.csv", "wb" if first else "ab") as handle:
            frame.write_csv(handle, include_header=first, null_value="")


def generate(n_train: int, n_test: int, seed: int, out_dir: Path, oracle_dir: Path,
             chunk_size: int = CHUNK_SIZE) -> GenerationSummary:
    """Generate the eight CSV files into ``out_dir`` and ``true_pd.csv`` into ``oracle_dir`` (both atomically)."""
    import polars as pl

    start = time.perf_counter()
    ids, is_test = split_ids(np.random.default_rng([seed, 2**31 - 1]), n_train, n_test)
    counters = IdCounters()
    summary = GenerationSummary(rows=dict.fromkeys(schema.ALL_TABLES, 0))
    oracle_parts, targets, pds = [], [], []
    with atomic_path(Path(out_dir)) as tmp_out:
        tmp_out.mkdir(parents=True)
        n_chunks = max(1, -(-ids.size // chunk_size))
        for chunk in range(n_chunks):
            part = slice(chunk * chunk_size, (chunk + 1) * chunk_size)
            chunk_ids, chunk_test = ids[part], is_test[part]
            app, history, pd_true, target = generate_chunk(seed, chunk, chunk_ids, chunk_test, counters)
            app[KEY], app["TARGET"] = chunk_ids, target
            frames = {"application_train": _frame("application_train", _rows(app, ~chunk_test)),
                      "application_test": _frame("application_test", _rows(app, chunk_test))}
            frames.update({name: _frame(name, cols) for name, cols in history.items()})
            _append(frames, tmp_out, first=chunk == 0)
            for name, frame in frames.items():
                summary.rows[name] += frame.height
            oracle_parts.append(pl.DataFrame({KEY: chunk_ids, "TRUE_PD": pd_true,
                                              "SPLIT": np.where(chunk_test, "test", "train")}))
            targets.append(target[~chunk_test])
            pds.append(pd_true[~chunk_test])
            log.info("chunk %d/%d: %d applicants, %.0f s elapsed", chunk + 1, n_chunks, chunk_ids.size,
                     time.perf_counter() - start)
        with atomic_path(Path(oracle_dir)) as tmp_oracle:
            tmp_oracle.mkdir(parents=True)
            pl.concat(oracle_parts).write_csv(tmp_oracle / TRUE_PD_FILE)
    y, p = np.concatenate(targets), np.concatenate(pds)
    summary.default_rate = float(y.mean())
    summary.bayes_auc = bayes_auc(y, p)
    summary.seconds = time.perf_counter() - start
    return summary


def _rows(cols: dict[str, np.ndarray], mask: np.ndarray) -> dict[str, np.ndarray]:
    return {name: values[mask] for name, values in cols.items()}


def bayes_auc(target: np.ndarray, pd_true: np.ndarray) -> float:
    """AUC of the true PD: the best any model of the observable data can reach (up to sampling noise)."""
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(target, pd_true)) if 0 < target.sum() < target.size else float("nan")
