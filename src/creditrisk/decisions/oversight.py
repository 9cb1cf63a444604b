"""Human oversight in figures, per ISO week: how many decisions the model took alone, how many people reviewed,
how often and in which direction they overrode the model and why, and how long the review queue waits.

An override is a person's final decision on the other side of the threshold from the model's PD: in the
client's favour (accepted with PD >= threshold) or against it (refused with PD < threshold).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from creditrisk.decisions.store import DecisionStore


def oversight(store: DecisionStore, weeks: int = 12, today: datetime | None = None) -> dict:
    import pandas as pd

    stamp = today or datetime.now(UTC)
    since = (stamp - timedelta(weeks=weeks)).isoformat(timespec="microseconds")
    columns = ["seq", "recorded_at", "kind", "client_id", "parent", "status", "pd", "threshold", "final_decision",
               "reason_code"]
    frame = pd.DataFrame([{c: r[c] for c in columns} for r in store.records(since=since)], columns=columns)
    queue = store.open_cases("pending_review", limit=100_000)
    waiting = store.open_cases("pending_approval", limit=100_000)
    out = {"weeks": weeks, "since": since,
           "queue": {"size": len(queue), "oldest_hours": max((c["age_hours"] for c in queue), default=None),
                     "median_hours": _median([c["age_hours"] for c in queue])},
           "awaiting_approval": len(waiting), "per_week": [], "override_reasons": {}}
    if frame.empty:
        return out
    frame["week"] = pd.to_datetime(frame["recorded_at"], utc=True, format="ISO8601").dt.strftime("%G-W%V")
    people = frame[frame["kind"].isin(("review", "approval")) & frame["status"].isin(("final", "rejected"))]
    final = people.drop_duplicates("parent", keep="last")  # one final word per case
    model_side = (final["pd"] >= final["threshold"]).map({True: "refuse", False: "accept"})
    favourable = (final["final_decision"] == "accept") & (model_side == "refuse")
    against = (final["final_decision"] == "refuse") & (model_side == "accept")
    acted_on = set(frame["parent"].dropna().astype(int))
    models = frame[frame["kind"] == "model"]
    alone = models[(models["status"] == "final") & ~models["seq"].isin(acted_on)]
    for week in sorted(frame["week"].unique()):
        in_week = final["week"] == week
        decided = int(in_week.sum())
        n_models = int((models["week"] == week).sum())
        out["per_week"].append({
            "week": week, "model_decisions": n_models,
            "by_model_alone": int((alone["week"] == week).sum()),
            "share_by_model_alone": _share(int((alone["week"] == week).sum()), n_models),
            "people_decisions": decided,
            "overrides_in_favour": int((favourable & in_week).sum()),
            "overrides_against": int((against & in_week).sum()),
            "override_rate": _share(int(((favourable | against) & in_week).sum()), decided)})
    overrides = final[favourable | against]
    for (direction, code), group in overrides.groupby([favourable[favourable | against].map(
            {True: "in_favour", False: "against"}), "reason_code"]):
        out["override_reasons"].setdefault(direction, {})[code] = len(group)
    return out


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def _median(values: list[float]) -> float | None:
    import statistics

    return statistics.median(values) if values else None
