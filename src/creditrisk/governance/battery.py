"""The model validation battery: every test of the model, each with its traffic light.

Every test is one row: family, test, sample, statistic, p-value, the threshold it is judged by and a traffic
light (green / amber / red, or "not enough data"). The thresholds are params (``model_validation``):

- p-value tests, whose null hypothesis is "the model is right" (AUC not declined, PD not underestimated, PDs
  calibrated): amber below ``amber``, red below ``red``;
- AUC and KS: amber below ``auc_amber`` / ``ks_amber``, red below ``auc_red`` / ``ks_red``;
- PSI of the score and CSI of the top features: amber from ``psi_amber`` (0.10, the usual "moderate shift"),
  red from ``psi_red`` (0.25, "major"); beside them, the PSI that sampling alone would reach (95 % critical
  value), which says whether a small index is more than noise;
- the master scale on out-of-fold data: amber when a grade's default rate is not above the one before, red when
  Fisher's exact test says that reversal is more than noise (p below ``red``) or when one grade holds more than
  ``scale.max_share`` of the clients.

The gate that reads these lights is ``creditrisk.governance.gate``; the report's Markdown is
``creditrisk.reporting.validation_report``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from creditrisk.config import CostParams, ModelValidationParams
from creditrisk.governance import stats
from creditrisk.governance.master_scale import MasterScale, calibration_tests, traffic_light

GREEN, AMBER, RED, TOO_FEW = "green", "amber", "red", "not enough data"


@dataclass(frozen=True)
class Sample:
    """Outcomes and calibrated PDs of one set of clients (the holdout, the out-of-fold training rows); ``fold``:
    for out-of-fold PDs, the train stage's fold of each row (whose model scored it)."""

    name: str
    y: np.ndarray
    pd: np.ndarray
    fold: np.ndarray | None = None

    @property
    def defaults(self) -> int:
        return int(np.sum(self.y))


@dataclass(frozen=True)
class Champion:
    """The model in production when the candidate is judged: its version, holdout AUC at its own validation, and
    its business cost (at its own threshold) and PDs on the candidate's holdout."""

    version: int
    development_auc: float | None
    cost: float | None
    holdout_pd: np.ndarray | None


def row(key: str, family: str, test: str, sample: str, statistic: float | None, p_value: float | None,
        threshold: str, light: str, note: str = "") -> dict:
    """One test of the report; ``key`` names it for the documents (the French note's labels)."""
    return {"key": key, "family": family, "test": test, "sample": sample, "statistic": statistic, "p_value": p_value,
            "threshold": threshold, "light": light, "note": note}


def floor_light(value: float, amber: float, red: float) -> str:
    """For a figure that must be high (AUC, KS): amber below ``amber``, red below ``red``."""
    return GREEN if value >= amber else AMBER if value >= red else RED


def ceiling_light(value: float, amber: float, red: float) -> str:
    """For a figure that must be low (PSI): amber from ``amber``, red from ``red``."""
    return GREEN if value < amber else AMBER if value < red else RED


def discrimination(sample: Sample, settings: ModelValidationParams, development_auc: float | None) -> list[dict]:
    """AUC with its DeLong interval, Gini, KS and, when a development value exists, the AUC-decline test."""
    auc = stats.delong(sample.y, sample.pd)
    low, high = auc.ci95
    ks, ks_p = stats.ks_test(sample.y, sample.pd)
    rows = [row("auc", "discrimination", "AUC (DeLong 95 % interval)", sample.name, auc.auc, None,
                f"amber < {settings.auc_amber}, red < {settings.auc_red}",
                floor_light(auc.auc, settings.auc_amber, settings.auc_red), f"[{low:.3f}, {high:.3f}]"),
            row("gini", "discrimination", "Gini (2 AUC - 1)", sample.name, auc.gini, None,
                f"amber < {2 * settings.auc_amber - 1:.2f}, red < {2 * settings.auc_red - 1:.2f}",
                floor_light(auc.auc, settings.auc_amber, settings.auc_red)),
            row("ks", "discrimination", "Kolmogorov-Smirnov", sample.name, ks, ks_p,
                f"amber < {settings.ks_amber}, red < {settings.ks_red}",
                floor_light(ks, settings.ks_amber, settings.ks_red))]
    if development_auc is not None:
        z, p = stats.auc_decline_p(auc, development_auc)
        rows.append(row("auc_decline", "discrimination", "AUC decline vs the champion's development AUC (one-sided)",
                        sample.name, z, p, _p_threshold(settings), traffic_light(p, settings.amber, settings.red),
                        f"development AUC {development_auc:.4f}"))
    return rows


def calibration(sample: Sample, scale: MasterScale, settings: ModelValidationParams,
                min_clients: int) -> tuple[list[dict], dict]:
    """Jeffreys per grade and for the portfolio, the binomial test, Hosmer-Lemeshow, Spiegelhalter; and the
    Brier decomposition and the Jeffreys table as details."""
    jeffreys = calibration_tests(scale.table(sample.y, sample.pd), settings.amber, settings.red, min_clients)
    graded = [g for g in jeffreys["grades"] if g["light"] != TOO_FEW]
    worst = min(graded, key=lambda g: g["p_value"]) if graded else None
    hl, df, hl_p = stats.hosmer_lemeshow(sample.y, sample.pd, settings.hl_groups)
    z, sp_p = stats.spiegelhalter(sample.y, sample.pd)
    binom_p = stats.binomial_p(sample.defaults, len(sample.y), float(np.mean(sample.pd)))
    p_rule, light = _p_threshold(settings), lambda p: traffic_light(p, settings.amber, settings.red)
    portfolio = jeffreys["portfolio"]
    name, cal = sample.name, "calibration"
    rows = [row("jeffreys_grade", cal, "Jeffreys per grade (one-sided, PD underestimated): the worst grade", name,
                None, worst["p_value"] if worst else None, p_rule, worst["light"] if worst else TOO_FEW,
                f"grade {worst['grade']}; {len(graded)} grades of at least {min_clients} clients judged"
                if worst else f"no grade of at least {min_clients} clients"),
            row("jeffreys_portfolio", cal, "Jeffreys, portfolio (one-sided)", name, None, portfolio["p_value"],
                p_rule, portfolio["light"]),
            row("binomial", cal, "Binomial, portfolio (one-sided, exact)", name, sample.defaults, binom_p, p_rule,
                light(binom_p), f"{sample.defaults:,} defaults for {float(np.sum(sample.pd)):,.1f} expected"),
            row("hosmer_lemeshow", cal, f"Hosmer-Lemeshow ({settings.hl_groups} PD groups, chi-square {df} df)", name,
                hl, hl_p, p_rule, light(hl_p)),
            row("spiegelhalter", cal, "Spiegelhalter (Brier score, two-sided)", name, z, sp_p, p_rule, light(sp_p),
                f"Brier {np.mean((sample.pd - sample.y) ** 2):.4f}")]
    details = {"jeffreys": jeffreys, "brier": stats.brier_decomposition(sample.y, sample.pd, settings.hl_groups)}
    return rows, details


def by_fold(sample: Sample, groups: int, min_defaults: int) -> dict:
    """Out-of-fold PDs taken apart by the train stage's folds, as information (no light, the gate never reads
    it): each fold was scored by its own model and calibrated by a map fitted on the other folds, so the pooled
    tests judge the recipe on average while these rows show how far each fold strays from it. Per fold: clients,
    defaults, the PDs' sum, Cox's calibration slope (1 when the PDs spread as the outcomes do; None when the
    fold's PDs do not rank its defaulters higher) and Hosmer-Lemeshow; then the folds' Hosmer-Lemeshow
    statistics summed (chi-square on their degrees of freedom summed)."""
    from scipy.stats import chi2

    folds = []
    for number in np.unique(sample.fold):
        part = sample.fold == number
        y, pd_ = sample.y[part], sample.pd[part]
        hl, df, p_value = stats.hosmer_lemeshow(y, pd_, groups)
        try:
            slope = stats.calibration_slope(y, pd_)
        except ValueError:  # the fold's PDs do not rank its defaulters higher: no slope to speak of
            slope = None
        folds.append({"fold": int(number), "clients": int(part.sum()), "defaults": int(y.sum()),
                      "expected": float(pd_.sum()), "slope": slope, "hosmer_lemeshow": hl, "df": df,
                      "p_value": p_value, "enough_data": int(y.sum()) >= min_defaults})
    statistic, df = sum(f["hosmer_lemeshow"] for f in folds), sum(f["df"] for f in folds)
    return {"folds": folds, "hosmer_lemeshow": statistic, "df": df, "p_value": float(chi2.sf(statistic, df))}


STABILITY = ("psi_score", "csi_features")  # population tests: a red one may be signed off (params shift_signoff)


def stability(development_pd: np.ndarray, production_pd: np.ndarray, development: dict[str, np.ndarray],
              production: dict[str, np.ndarray], settings: ModelValidationParams) -> tuple[list[dict], dict]:
    """PSI of the score (development vs production clients) and CSI of each given feature, on the development's
    deciles; and the model judged on the production clients: the AUC their PDs imply, beside the one the
    development clients' PDs imply. Fewer than ``settings.min_production`` production clients: no light."""
    score = _index("score (calibrated PD)", development_pd, production_pd, settings)
    features = [_index(name, development[name], production[name], settings) for name in development]
    rule = f"amber ≥ {settings.psi_amber}, red ≥ {settings.psi_red}"
    rows = [row("psi_score", "stability", "PSI of the score", "development vs production", score["psi"], None, rule,
                score["light"], f"sampling alone: {score['critical_95']:.4f} (95 %)")]
    if features:
        worst = max(features, key=lambda f: f["psi"])
        rows.append(row("csi_features", "stability", f"CSI of the top {len(features)} features: the largest",
                        "development vs production", worst["psi"], None, rule, worst["light"],
                        f"{worst['feature']}; sampling alone: {worst['critical_95']:.4f} (95 %)"))
    expected = {"development": stats.expected_auc(development_pd), "production": stats.expected_auc(production_pd)}
    drop = expected["development"] - expected["production"]
    light = (RED if drop >= settings.expected_auc_red or expected["production"] < settings.auc_red else
             AMBER if drop >= settings.expected_auc_amber or expected["production"] < settings.auc_amber else GREEN)
    rows.append(row("expected_auc", "stability", "AUC expected on the production clients from their PDs",
                    "production (PDs)", expected["production"], None,
                    f"amber when {settings.expected_auc_amber} below development, red {settings.expected_auc_red}",
                    light, f"development clients' PDs imply {expected['development']:.4f}"))
    if len(production_pd) < settings.min_production:
        note = f"{len(production_pd):,} production clients, fewer than {settings.min_production:,}: indicative"
        rows = [r | {"light": TOO_FEW, "indicative": r["light"], "note": f"{r['note']}; {note}"} for r in rows]
    return rows, {"score": score, "features": features, "expected_auc": expected,
                  "production_clients": len(production_pd)}


def _index(name: str, development: np.ndarray, production: np.ndarray, settings: ModelValidationParams) -> dict:
    ref, cur = _counts(np.asarray(development), np.asarray(production))
    used = int(np.sum((ref + cur) > 0))
    value = stats.psi(ref, cur)
    critical = stats.psi_critical(int(ref.sum()), int(cur.sum()), max(used, 2))
    return {"feature": name, "psi": value, "critical_95": critical, "bins": used,
            "above_sampling": value > critical,
            "light": ceiling_light(value, settings.psi_amber, settings.psi_red)}


def _counts(development: np.ndarray, production: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Counts over the development's deciles (numbers) or levels (categories), with a bin for the missing values
    (and, for categories, one for the levels development never had)."""
    if development.dtype.kind in "biuf":
        edges = stats.quantile_edges(development, 10)
        return stats.count_numbers(development, edges), stats.count_numbers(production, edges)
    levels = sorted({str(v) for v in development if not stats.is_missing(v)})
    return stats.count_levels(development, levels), stats.count_levels(production, levels)


def concentration(checks: dict, settings: ModelValidationParams) -> list[dict]:
    """The master scale on out-of-fold data: risk ordered and clients spread. A grade whose default rate is not
    above the one before is amber; red when Fisher's exact test says the reversal is more than sampling noise."""
    if checks["monotone"]:
        order, note, p_value = GREEN, "", None
    else:
        worst = min(checks["reversals"], key=lambda r: r["p_value"])
        p_value = worst["p_value"]
        order = RED if traffic_light(p_value, settings.amber, settings.red) == RED else AMBER
        low, high = worst["grades"]
        note = (f"grade {low} {worst['rates'][0]:.2%} vs grade {high} {worst['rates'][1]:.2%} (Fisher exact, "
                "one-sided)")
    spread = GREEN if checks["spread"] else RED
    return [row("monotone", "concentration", "Default rate increases from grade to grade", "out-of-fold", None,
                p_value, f"amber on any reversal; red when p < {settings.red}", order, note),
            row("largest_grade", "concentration", "Largest grade's share (Herfindahl index in the note)",
                "out-of-fold", checks["largest_share"], None, f"red > {checks['max_share']}", spread,
                f"grade {checks['largest_grade']}; Herfindahl {checks['herfindahl']:.3f}")]


def migration(scale: MasterScale, champion_pd: np.ndarray, candidate_pd: np.ndarray) -> dict:
    """Grade migration of the holdout clients from the champion to the candidate: the matrix (rows = champion's
    grade), the share kept in the same grade and the share moved by more than one grade."""
    before, after = scale.grade(champion_pd), scale.grade(candidate_pd)
    grades = scale.grades
    matrix = [[int(np.sum((before == g) & (after == h))) for h in grades] for g in grades]
    moved = np.abs(before - after)
    return {"grades": grades, "matrix": matrix, "same_grade": float(np.mean(moved == 0)),
            "moved_more_than_one": float(np.mean(moved > 1))}


def challenger_comparison(models: dict[str, tuple[list[Sample], float, int]], costs: CostParams,
                          scale: MasterScale, settings: ModelValidationParams, min_clients: int,
                          min_defaults: int) -> list[dict]:
    """Champion and challenger side by side: variables read (by the trees, for the champion), holdout AUC and
    cost (each at its own threshold) and the lights of the same discrimination and calibration tests.
    ``models``: name -> (samples, holdout first; threshold; number of variables)."""
    from creditrisk.model.cost import confusion, cost_per_client

    rows = []
    for name, (samples, threshold, n_variables) in models.items():
        tests = []
        for sample in samples:
            tests += judged(discrimination(sample, settings, None)
                             + calibration(sample, scale, settings, min_clients)[0], sample, min_defaults)
        holdout = samples[0]
        rows.append({"model": name, "variables": n_variables, "threshold": threshold,
                     "holdout_auc": stats.delong(holdout.y, holdout.pd).auc,
                     "holdout_cost_per_client": cost_per_client(confusion(holdout.y, holdout.pd >= threshold), costs),
                     "lights": lights_count(tests), "tests": tests})
    return rows


def lights_count(tests: list[dict]) -> dict:
    """How many tests have each light (keys: green, amber, red, not_enough_data)."""
    return {light.replace(" ", "_"): sum(t["light"] == light for t in tests) for light in (GREEN, AMBER, RED, TOO_FEW)}


def _p_threshold(settings: ModelValidationParams) -> str:
    return f"p: amber < {settings.amber}, red < {settings.red}"


def validation_report(holdout: Sample, oof: Sample, scale: MasterScale, scale_checks: dict,
                      settings: ModelValidationParams, min_clients: int, min_defaults: int, development_pd: np.ndarray,
                      production_pd: np.ndarray, development: dict[str, np.ndarray],
                      production: dict[str, np.ndarray], champion: Champion | None) -> dict:
    """Every test on the holdout and on out-of-fold data, the stability of the score and the top features from
    development to production clients, the master scale; details (Jeffreys tables, Brier decompositions, PSI
    tables, migration from the champion). A sample of fewer than ``min_defaults`` defaults gets its statistics
    but no light (its light is kept as ``indicative``): the gate does not act on noise."""
    tests, details = [], {}
    for sample in (holdout, oof):
        rows = discrimination(sample, settings, champion.development_auc if champion and sample is holdout else None)
        calibrated, details[sample.name] = calibration(sample, scale, settings, min_clients)
        if sample.fold is not None:
            details[sample.name]["by_fold"] = by_fold(sample, settings.hl_groups, min_defaults)
        tests += judged(rows + calibrated, sample, min_defaults)
        if sample.defaults < min_defaults:  # the per-grade table says what the test rows say
            jeffreys = details[sample.name]["jeffreys"]
            for grade in [*jeffreys["grades"], jeffreys["portfolio"]]:
                grade["indicative"], grade["light"] = grade["light"], TOO_FEW
    rows, details["stability"] = stability(development_pd, production_pd, development, production, settings)
    tests += rows + concentration(scale_checks, settings)
    if champion is not None and champion.holdout_pd is not None:
        details["migration"] = migration(scale, champion.holdout_pd, holdout.pd) | {"from_version": champion.version}
    return {"tests": tests, "lights": lights_count(tests), "details": details,
            "samples": {s.name: {"clients": len(s.y), "defaults": s.defaults} for s in (holdout, oof)},
            "settings": vars(settings) | {"min_clients": min_clients, "min_defaults": min_defaults}}


def judged(rows: list[dict], sample: Sample, min_defaults: int) -> list[dict]:
    """The rows of one sample, without their lights when it holds fewer than ``min_defaults`` defaults (each
    keeps its light as ``indicative``)."""
    if sample.defaults >= min_defaults:
        return rows
    note = f"{sample.defaults:,} defaults, fewer than {min_defaults:,}: indicative"
    return [r | {"light": TOO_FEW, "indicative": r["light"], "note": f"{r['note']}; {note}".lstrip("; ")}
            for r in rows]


