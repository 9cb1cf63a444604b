"""What the service scored, kept for production monitoring as counts: monitoring data, not personal data.

No line describes one client. Each worker adds the clients it scores to counts per bin of the monitored features
(the model's most important ones), of the PD and of the decisions, and appends those counts to the day's file
only once they cover at least ``flush_clients`` clients (never fewer than ``MIN_CLIENTS_PER_LINE``). A line:

    {"day": "2026-12-02", "model_version": "7", "clients": 20,
     "features": {"EXT_SOURCE_MEAN": {"edges": [...], "counts": [missing, bin 1, ...]},
                  "NAME_CONTRACT_TYPE": {"levels": [...], "counts": [missing, level 1, ..., other]}},
     "pd": {"edges": [...], "counts": [...]}, "pd_fine": {"edges": [...], "counts": [...]},
     "decisions": {"accept": 15, "review": 2, "refuse": 3},
     "challenger": {"pd": {...}, "agreement": {"accept > accept": 14, "refuse > accept": 1, ...}}}

``challenger`` counts the shadow scorecard's PDs and how its accept/refuse decision compares with the champion's
(champion's decision > challenger's); it is never decisive. Its inputs wait with the counts and are scored once
per line, when the line is written: the scorecard's cost is per call (about 4 ms), not per client.

Bins: numeric features are cut at quantiles of the training features, categorical features keep their frequent
training levels (the others count as "other"); the edges are published with the model (``Bins``) and written in
every line, so the monitor compares like with like. Counts not yet written when a worker stops are lost (at most
``flush_clients`` clients per worker): the decisions of record are kept elsewhere, under their own rules.

Files: ``YYYY-MM-DD/<host>-<pid>.jsonl``, created 0600 (owner only); day folders older than ``retention_days`` are
deleted at the first write of each day.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from creditrisk.governance.stats import count_levels, count_numbers, quantile_edges

log = logging.getLogger(__name__)

MIN_CLIENTS_PER_LINE = 5  # a line never covers fewer clients (k-anonymity of every line)
PD_EDGES = (0.02, 0.05, 0.08, 0.1, 0.15, 0.2, 0.3, 0.5)  # PD bands: the score's distribution, not a client's PD
# A fine PD grid (90 bins, even on the logit scale from PD 0.1 % to 88 %): what the performance estimate before
# outcomes reads (creditrisk.monitoring.performance); still counts, never a client's PD.
PD_FINE_EDGES = tuple(round(float(1 / (1 + np.exp(-z))), 8) for z in np.linspace(-7, 2, 91))
DECISIONS = ("accept", "review", "refuse")


@dataclass(frozen=True)
class Bins:
    """How each monitored feature is counted: ``edges`` (numeric: bin i holds edges[i-1] <= x < edges[i]) or
    ``levels`` (categorical, the rest "other"). Built at publish time from the training features."""

    features: dict[str, dict[str, list]]  # name -> {"edges": [...]} or {"levels": [...]}

    @classmethod
    def from_training(cls, train: pd.DataFrame, columns: Sequence[str], quantiles: int = 5,
                      min_level_share: float = 0.05) -> Bins:
        out: dict[str, dict[str, list]] = {}
        for name in columns:
            values = train[name]
            if values.dtype == object or isinstance(values.dtype, pd.CategoricalDtype):
                shares = values.value_counts(normalize=True)
                out[name] = {"levels": sorted(str(v) for v, s in shares.items() if s >= min_level_share)}
            else:
                out[name] = {"edges": [float(c) for c in quantile_edges(values.to_numpy(dtype=float), quantiles)]}
        return cls(out)

    @classmethod
    def read(cls, path: Path) -> Bins:
        return cls(json.loads(Path(path).read_text())["features"])

    def write(self, path: Path) -> None:
        Path(path).write_text(json.dumps({"features": self.features}, indent=1) + "\n")

    def counts(self, name: str, values: Sequence[Any]) -> np.ndarray:
        return count(self.features[name], values)


def count(binning: dict, values: Sequence[Any]) -> np.ndarray:
    """Counts of ``values`` in a binning (``{"edges": ...}`` or ``{"levels": ...}``, as in a count line):
    [missing, bin 1, ..., bin n] (categorical: + "other")."""
    if "levels" in binning:
        return count_levels(values, binning["levels"])
    return count_numbers(values, binning["edges"])


@dataclass
class _Pending:
    clients: int = 0
    features: dict[str, np.ndarray] = field(default_factory=dict)
    pd: np.ndarray = field(default_factory=lambda: np.zeros(len(PD_EDGES) + 2, dtype=np.int64))
    pd_fine: np.ndarray = field(default_factory=lambda: np.zeros(len(PD_FINE_EDGES) + 2, dtype=np.int64))
    decisions: dict[str, int] = field(default_factory=lambda: dict.fromkeys(DECISIONS, 0))
    shadow_inputs: list[pd.DataFrame] = field(default_factory=list)  # the challenger's inputs, until the write
    shadow_decisions: list[str] = field(default_factory=list)  # the champion's decisions of the same clients


class TrafficLog:
    """Counts scored clients per day and model version; appends them to ``directory`` by at least
    ``flush_clients`` clients at a time (module docstring)."""

    def __init__(self, directory: Path, bins: Bins, flush_clients: int = 20, retention_days: int = 90,
                 shadow: Callable[[pd.DataFrame], tuple[Sequence[float], Sequence[str]] | None] | None = None):
        self.directory = Path(directory)
        self.shadow = shadow  # the challenger: inputs -> (PDs, decisions), or None when it failed
        self.bins = bins
        self.flush_clients = max(flush_clients, MIN_CLIENTS_PER_LINE)
        self.retention_days = retention_days
        self._name = f"{socket.gethostname()}-{os.getpid()}.jsonl"
        self._pending: dict[tuple[str, str], _Pending] = {}  # (day, model version) -> counts not yet written
        self._expired_on: str | None = None  # the day old folders were last deleted

    def record(self, model_version: str, features: pd.DataFrame, pds: Sequence[float], decisions: Sequence[str],
               now: datetime | None = None, shadow_inputs: pd.DataFrame | None = None) -> None:
        """Count a batch of scored clients (``features``: one row per client, the monitored columns at least;
        ``shadow_inputs``: the challenger's inputs for the same clients, scored in one batch when the counts are
        written); write the counts of a (day, version) once they cover ``flush_clients`` clients."""
        day = (now or datetime.now(UTC)).date().isoformat()
        pending = self._pending.setdefault((day, model_version), _Pending())
        for name in self.bins.features:
            counts = self.bins.counts(name, features[name])
            pending.features[name] = pending.features.get(name, 0) + counts
        pending.pd += count_numbers(list(pds), PD_EDGES)
        pending.pd_fine += count_numbers(list(pds), PD_FINE_EDGES)
        for decision in decisions:
            pending.decisions[str(decision)] = pending.decisions.get(str(decision), 0) + 1
        if shadow_inputs is not None and self.shadow is not None:
            pending.shadow_inputs.append(shadow_inputs)
            pending.shadow_decisions += [str(d) for d in decisions]
        pending.clients += len(pds)
        if pending.clients >= self.flush_clients:
            self._write(day, model_version, self._pending.pop((day, model_version)))

    def _write(self, day: str, model_version: str, pending: _Pending) -> None:
        line = {"day": day, "model_version": model_version, "clients": pending.clients,
                "features": {name: {**self.bins.features[name], "counts": pending.features[name].tolist()}
                             for name in self.bins.features},
                "pd": {"edges": list(PD_EDGES), "counts": pending.pd.tolist()},
                "pd_fine": {"edges": list(PD_FINE_EDGES), "counts": pending.pd_fine.tolist()},
                "decisions": pending.decisions}
        challenger = self._challenger_counts(pending)
        if challenger:
            line["challenger"] = challenger
        folder = self.directory / day
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(folder / self._name, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(line) + "\n")  # one write: a reader never sees half a line from two writers
        if day != self._expired_on:  # once a day, not at every write
            expire(self.directory, self.retention_days, date.fromisoformat(day))
            self._expired_on = day


    def _challenger_counts(self, pending: _Pending) -> dict | None:
        """The challenger's PD bands and its agreement with the champion ("champion's > challenger's decision"),
        scored once for the whole line (the scorecard's cost is per call, not per client)."""
        if not pending.shadow_inputs:
            return None
        scored = self.shadow(pd.concat(pending.shadow_inputs, ignore_index=True))
        if scored is None:
            return None
        pds, theirs = scored
        agreement: dict[str, int] = {}
        for ours, their in zip(pending.shadow_decisions, theirs, strict=True):
            agreement[f"{ours} > {their}"] = agreement.get(f"{ours} > {their}", 0) + 1
        return {"pd": {"edges": list(PD_EDGES), "counts": count_numbers(list(pds), PD_EDGES).tolist()},
                "agreement": agreement}


def expire(directory: Path, retention_days: int, today: date) -> list[str]:
    """Delete the day folders older than ``retention_days`` (before ``today - retention_days``); their names."""
    limit = today - timedelta(days=retention_days)
    gone = []
    for folder in Path(directory).glob("????-??-??"):
        try:
            old = date.fromisoformat(folder.name) < limit
        except ValueError:
            continue
        if old and folder.is_dir():
            shutil.rmtree(folder)
            gone.append(folder.name)
    return sorted(gone)


def read_lines(directory: Path, days: int, today: date | None = None) -> Iterator[dict]:
    """The count lines of the last ``days`` days (today included), one at a time: memory does not grow with the
    window. A line that is not a complete count record is skipped with a warning (counted in the summary)."""
    today = today or datetime.now(UTC).date()
    for offset in range(days, -1, -1):
        folder = Path(directory) / (today - timedelta(days=offset)).isoformat()
        for path in sorted(folder.glob("*.jsonl")):
            with open(path, encoding="utf-8") as handle:
                for number, text in enumerate(handle, start=1):
                    line = _parse(text)
                    if line is None:
                        log.warning("%s line %d is not a count record; skipped", path, number)
                        yield {"invalid": 1}
                    else:
                        yield line


def _parse(text: str) -> dict | None:
    try:
        line = json.loads(text)
    except json.JSONDecodeError:
        return None
    valid = (isinstance(line, dict) and isinstance(line.get("clients"), int) and line["clients"] > 0
             and isinstance(line.get("features"), dict) and isinstance(line.get("decisions"), dict))
    return line if valid else None
