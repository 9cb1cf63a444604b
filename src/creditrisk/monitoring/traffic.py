"""What the service scored, kept for production drift: one JSON line per scored client.

A record holds the values of the features the model reads, the PD, the decision, the model version, the endpoint
and a UTC timestamp; no client id, name or free text (the features are numbers and known categories). Files are
partitioned by day and by process (``YYYY-MM-DD/<host>-<pid>.jsonl``) so concurrent workers never write to the
same file; each request is appended with one ``write`` call and a reader skips a torn last line rather than failing.
"""

from __future__ import annotations

import json
import logging
import math
import os
import socket
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

log = logging.getLogger(__name__)

META = ("timestamp", "endpoint", "model_version", "pd", "decision")


def _value(value: Any) -> Any:
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


class TrafficLog:
    """Appends scored clients to ``directory`` (created on first write)."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self._name = f"{socket.gethostname()}-{os.getpid()}.jsonl"

    def record(self, endpoint: str, model_version: str, features: Sequence[str], rows: Sequence[Sequence[Any]],
               pds: Sequence[float], decisions: Sequence[str], now: datetime | None = None) -> None:
        now = now or datetime.now(UTC)
        stamp = now.isoformat(timespec="milliseconds")
        lines = [json.dumps({"timestamp": stamp, "endpoint": endpoint, "model_version": model_version,
                             "pd": float(p), "decision": str(d),
                             "features": {f: _value(v) for f, v in zip(features, row, strict=True)}})
                 for row, p, d in zip(rows, pds, decisions, strict=True)]
        day = self.directory / now.date().isoformat()
        day.mkdir(parents=True, exist_ok=True)
        with open(day / self._name, "a", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")


def _days(start: date, end: date) -> list[str]:
    return [(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]


def read_window(directory: Path, days: int, now: datetime | None = None) -> pd.DataFrame:
    """Every record of the last ``days`` days (features as columns, plus timestamp, PD, decision, version)."""
    now = now or datetime.now(UTC)
    since = now - timedelta(days=days)
    records: list[dict] = []
    for day in _days(since.date(), now.date()):
        for path in sorted((Path(directory) / day).glob("*.jsonl")):
            records += _read_file(path)
    frame = pd.DataFrame([{**r["features"], **{k: r[k] for k in META}} for r in records])
    if frame.empty:
        return frame
    stamps = pd.to_datetime(frame["timestamp"], utc=True)
    return frame[(stamps >= since) & (stamps <= now)].reset_index(drop=True)


def _read_file(path: Path) -> list[dict]:
    records = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                log.warning("%s line %d is not a complete record (a write in progress?); skipped", path, number)
    return records
