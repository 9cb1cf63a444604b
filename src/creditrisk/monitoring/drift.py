"""Data drift with Evidently 0.7 (new API): per-column verdicts read from the report's tests.

Reference = modelling data (application_train), current = production clients (application_test) or logged
traffic. Column types are declared from the schema; 0/1 flags and missing-value indicators are categorical.
Evidently compares the distribution of present values only, so each column with missing values gets an
``<column>__missing`` indicator: a shift in missingness (EXT_SOURCE_1: 56 % -> 42 %) is drift too.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from creditrisk.data import schema

MISSING_SUFFIX = "__missing"
_EXCLUDED = {schema.KEY, "TARGET"}


@dataclass(frozen=True)
class DriftInputs:
    reference: pd.DataFrame
    current: pd.DataFrame
    numerical: list[str]
    categorical: list[str]


def _is_flag(name: str, values: pd.Series) -> bool:
    return pd.api.types.is_integer_dtype(values) and set(values.dropna().unique()) <= {0, 1}


def prepare(reference: pd.DataFrame, current: pd.DataFrame, categorical_hint: set[str] | None = None) -> DriftInputs:
    """Common columns (ids and TARGET dropped), missing indicators, text/flags as categorical, rest numerical."""
    columns = [c for c in reference.columns if c in current.columns and c not in _EXCLUDED]
    ref, cur = reference[columns].copy(), current[columns].copy()
    categorical, numerical = [], []
    ref_missing, cur_missing = {}, {}
    for name in columns:
        text = ref[name].dtype == object or (categorical_hint and name in categorical_hint)
        if text or _is_flag(name, pd.concat([ref[name], cur[name]])):
            categorical.append(name)
            ref[name] = ref[name].astype(str).where(ref[name].notna(), schema.MISSING_CATEGORY)
            cur[name] = cur[name].astype(str).where(cur[name].notna(), schema.MISSING_CATEGORY)
        else:
            numerical.append(name)
            if ref[name].isna().any() or cur[name].isna().any():
                indicator = f"{name}{MISSING_SUFFIX}"
                ref_missing[indicator] = ref[name].isna().astype(int).astype(str)
                cur_missing[indicator] = cur[name].isna().astype(int).astype(str)
                categorical.append(indicator)
    ref = pd.concat([ref, pd.DataFrame(ref_missing, index=ref.index)], axis=1)  # one concat: no fragmentation
    cur = pd.concat([cur, pd.DataFrame(cur_missing, index=cur.index)], axis=1)
    # evidently rejects all-null numerical columns (e.g. a feature absent from a small traffic window)
    numerical = [c for c in numerical if ref[c].notna().any() and cur[c].notna().any()]
    return DriftInputs(ref, cur, numerical, categorical)


SMALL_SAMPLE = 1000  # Evidently tests categories with chi-square up to this many rows, with a distance beyond
MIN_EXPECTED = 5  # the usual rule for a chi-square bin


def merged_levels(reference: pd.Series, current: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """(observed current counts, expected counts from the reference's shares) per level, the rarest levels (by
    expected count, those absent from the reference first) merged into one bin until it expects at least
    ``MIN_EXPECTED`` clients: no bin is tested against an expected count of zero."""
    ref, cur = reference.dropna().value_counts(), current.dropna().value_counts()
    levels = ref.index.union(cur.index)
    expected = ref.reindex(levels, fill_value=0).to_numpy(float) * cur.sum() / max(ref.sum(), 1)
    observed = cur.reindex(levels, fill_value=0).to_numpy(float)
    order = np.argsort(expected, kind="stable")  # rarest first
    rare = int(np.sum(expected < MIN_EXPECTED))
    if rare == 0:
        return observed, expected
    enough = int(np.searchsorted(np.cumsum(expected[order]), MIN_EXPECTED)) + 1  # levels to reach the minimum
    merged, rest = order[: max(rare, enough)], order[max(rare, enough):]
    return np.r_[observed[merged].sum(), observed[rest]], np.r_[expected[merged].sum(), expected[rest]]


def _chi_square_merged(reference: pd.Series, current: pd.Series, feature_type, threshold: float) -> tuple[float, bool]:
    from scipy.stats import chisquare

    observed, expected = merged_levels(reference, current)
    if len(observed) < 2:  # one level in all: nothing can shift
        return 1.0, False
    p_value = float(chisquare(observed, expected * observed.sum() / expected.sum())[1])
    return p_value, p_value < threshold


def chi_square_merged():
    """The chi-square test of a category's shares with its rare levels merged (``merged_levels``), registered
    with Evidently under its own name so the report and the summary say which test ran."""
    from evidently.legacy.calculations.stattests.registry import StatTest, register_stattest
    from evidently.legacy.core import ColumnType

    test = StatTest(name="chisquare_merged", display_name="chi-square p_value (rare levels merged)",
                    allowed_feature_types=[ColumnType.Categorical])
    register_stattest(test, default_impl=_chi_square_merged)
    return test


def run_report(inputs: DriftInputs):
    """The Evidently snapshot (DataDriftPreset with its tests): save_html / dict() on it. On small samples, where
    Evidently tests categories with chi-square, levels absent from the reference or rare are merged first
    (scipy would otherwise divide by an expected count of zero)."""
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    definition = DataDefinition(numerical_columns=inputs.numerical, categorical_columns=inputs.categorical)
    columns = inputs.numerical + inputs.categorical
    small = min(len(inputs.reference), len(inputs.current)) <= SMALL_SAMPLE
    report = Report([DataDriftPreset(columns=columns, cat_method=chi_square_merged() if small else None)],
                    include_tests=True)
    return report.run(current_data=Dataset.from_pandas(inputs.current[columns], data_definition=definition),
                      reference_data=Dataset.from_pandas(inputs.reference[columns], data_definition=definition))


_COLUMN_TEST = re.compile(r"^Value Drift for column (?P<column>.+)$")


def summarize(snapshot_dict: dict) -> dict:
    """Per-column verdict, method and score from the tests; drifted columns most drifted first.

    Scores are not comparable across methods (distances: larger = drift; p-values: smaller = drift), so the
    ranking uses the strength relative to each column's threshold.
    """
    values = {m["id"]: m["value"] for m in snapshot_dict["metrics"]}
    rows = []
    for test in snapshot_dict["tests"]:
        match = _COLUMN_TEST.match(test["name"])
        if not match:
            continue
        params = test["metric_config"]["params"]
        method, threshold = params.get("method", ""), float(params.get("threshold", np.nan))
        score = float(values.get(test["metric_config"]["metric_id"], np.nan))
        p_value = "p_value" in method.replace("-", "_").lower()
        strength = threshold / max(score, 1e-300) if p_value else score / threshold
        status = str(test["status"]).split(".")[-1].split(":")[0].strip("'<> ")
        rows.append({"column": match.group("column"), "drifted": status == "FAIL", "method": method,
                     "score": _figure(score), "threshold": threshold, "strength": _figure(strength)})
    rows.sort(key=lambda r: (-r["drifted"], -r["strength"], r["column"]))
    drifted = [r["column"] for r in rows if r["drifted"]]
    methods: dict[str, int] = {}
    for r in rows:
        methods[r["method"]] = methods.get(r["method"], 0) + 1
    return {"share_drifted": len(drifted) / len(rows) if rows else 0.0, "n_columns": len(rows),
            "n_drifted": len(drifted), "drifted_columns": drifted, "methods": methods, "columns": rows}


def _figure(value: float) -> float:
    """10 significant digits: Evidently's distances vary in their last bits from run to run on the same data."""
    return float(f"{value:.10g}")


def adversarial_validation(reference: pd.DataFrame, current: pd.DataFrame, seed: int, folds: int = 3,
                           iterations: int = 200) -> dict:
    """Can a classifier tell modelling rows from production rows? CV AUC (0.5 = no) and what separates them."""
    from catboost import CatBoostClassifier, Pool
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    columns = [c for c in reference.columns if c in current.columns and c not in _EXCLUDED]
    x = pd.concat([reference[columns], current[columns]], ignore_index=True)
    y = np.r_[np.zeros(len(reference)), np.ones(len(current))].astype(int)
    categorical = [c for c in columns if x[c].dtype == object]
    for c in categorical:
        x[c] = x[c].fillna(schema.MISSING_CATEGORY).astype(str)
    scores = np.zeros(len(y))
    importance = np.zeros(len(columns))
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_idx, valid_idx in splitter.split(x, y):
        model = CatBoostClassifier(iterations=iterations, depth=6, learning_rate=0.1, random_seed=seed,
                                   verbose=False, allow_writing_files=False, thread_count=2)
        model.fit(Pool(x.iloc[train_idx], y[train_idx], cat_features=categorical))
        scores[valid_idx] = model.predict_proba(Pool(x.iloc[valid_idx], cat_features=categorical))[:, 1]
        importance += model.get_feature_importance() / folds
    order = np.argsort(-importance)
    return {"auc": float(roc_auc_score(y, scores)), "folds": folds,
            "top_features": [{"feature": columns[i], "importance": float(importance[i])} for i in order[:15]]}


def sample(frame: pd.DataFrame, rows: int, seed: int) -> pd.DataFrame:
    """A seeded random sample of ``rows`` rows (0, or a frame no larger: the whole frame)."""
    return frame if not rows or len(frame) <= rows else frame.sample(n=rows, random_state=seed)


def top_model_features(details_path: Path, count: int) -> list[str]:
    """The model's ``count`` most important features (reports/evaluation_details.json), or none before evaluation."""
    if not Path(details_path).exists():
        return []
    return [r["feature"] for r in json.loads(Path(details_path).read_text())["shap_importance"][:count]]


_EVIDENTLY_IDS = re.compile(r"(?<![0-9a-f])(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
                            r"|metric_[0-9a-f]{32})(?![0-9a-f])")


def stable_ids(html: str) -> str:
    """Evidently's report with its element ids numbered in order of appearance: it draws them at random (and from
    the clock), so the same data would otherwise give a different file on every run."""
    numbers: dict[str, str] = {}

    def number(match: re.Match) -> str:
        found = match.group(0)
        if found not in numbers:
            n = len(numbers) + 1
            numbers[found] = f"metric_{n:032x}" if found.startswith("metric_") else f"00000000-0000-4000-8000-{n:012x}"
        return numbers[found]

    return _EVIDENTLY_IDS.sub(number, html)
