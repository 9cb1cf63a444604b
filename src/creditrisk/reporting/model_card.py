"""reports/model_card.md, generated from the report files (every number comes from them)."""

from __future__ import annotations

from creditrisk.artefacts.bundle import Bundle


def pct(value: float | None, digits: int = 1) -> str:
    return "n/a" if value is None else f"{100 * value:.{digits}f} %"


def num(value: float | None, digits: int = 4) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"  # a count
    return "n/a" if value is None else f"{value:.{digits}f}"


def _count(value: int | None, missing: str) -> str:
    return missing if value is None else f"{value:,}"


def _group_table(rows: list[dict]) -> list[str]:
    lines = ["| group | clients | defaulters | observed default rate | approval rate | defaulters accepted (FNR) | "
             "good clients refused (FPR) | observed - mean PD |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in rows:
        rates = [_rate(r, name) for name in ("default_rate", "approval_rate", "false_negative_rate",
                                              "false_positive_rate")]
        rates.append(_gap(r))
        if not r.get("enough_data", True):
            rates = [f"{rate} — not enough data" for rate in rates]
        counts = f"| {r['group']} | {r['clients']:,} | {_count(r.get('defaults'), '')} | "
        lines.append(counts + " | ".join(rates) + " |")
    return lines


def _gap(row: dict) -> str:
    """Calibration within the group: observed default rate minus mean PD, with its bootstrap interval."""
    if "calibration_gap" not in row:
        return ""
    text = f"{100 * row['calibration_gap']:+.1f} pts"
    if not row["calibration_gap_ci95"]:
        return text
    low, high = row["calibration_gap_ci95"]
    return f"{text} ({100 * low:+.1f} – {100 * high:+.1f})"


def _rate(row: dict, name: str) -> str:
    """A group's rate with its 95 % interval: 41.2 % (35.0–47.7 %)."""
    interval = row.get(f"{name}_ci95")
    if row[name] is None or not interval:
        return pct(row[name])
    return f"{pct(row[name])} ({pct(interval[0])}–{pct(interval[1])})"


def _interval(m: dict, name: str, percent: bool = False, digits: int = 4) -> str:
    low, high = m.get(f"{name}_ci95_low"), m.get(f"{name}_ci95_high")
    if low is None:
        return ""
    if percent:
        return f"{pct(low)} – {pct(high)}"
    return f"{num(low, digits)} – {num(high, digits)}"


def _sample_note(m: dict) -> list[str]:
    if m.get("enough_data", True):
        return []
    return [f"**Not enough data for a verdict**: the holdout holds {m['holdout_defaults']:,} defaults, fewer than the "
            f"{m['min_defaults']:,} needed (params `evaluate.min_defaults`). The figures below are indicative; the "
            "intervals show how far they can move on another sample of that size.", ""]


def _data_limit(bundle: Bundle, metrics: dict) -> str:
    if bundle.data_source == "synthetic":
        return ("- Trained and evaluated on synthetic data: application columns drawn from a copula fitted on a "
                "sample of real applications (their true PD's application part fitted on them too), history tables "
                "from the published statistics of the Home Credit files; figures on the real data will differ.")
    return (f"- Trained on {bundle.train_rows:,} applicants of the real files and evaluated once on "
            f"{metrics['holdout_rows']:,} of them: the 95 % intervals above say how much a figure can move on another "
            "sample of that size.")


def _scale_section(scale: dict | None, jeffreys: dict | None) -> list[str]:
    """The master scale on out-of-fold PDs, with its checks, and the Jeffreys test per grade on the holdout (the
    validation report's)."""
    if not scale:
        return []
    checks = scale["checks"]
    lines = ["", "## Master scale (out-of-fold PDs of the training part)", "",
             f"Grades 1 (lowest risk) to {len(scale['oof'])}; grade D = in default. Default rates "
             f"{'increase strictly' if checks['monotone'] else '**do not increase strictly**'} from grade to grade; "
             f"the largest grade ({checks['largest_grade']}) holds {pct(checks['largest_share'])} of the clients "
             f"(limit {pct(checks['max_share'])}); Herfindahl index {num(checks['herfindahl'], 3)}.", "",
             "| grade | PD range | clients | share | observed default rate | mean PD |",
             "|---|---|---:|---:|---:|---:|"]
    for row in scale["oof"]:
        lines.append(f"| {row['grade']} | {pct(row['pd_low'])} – {pct(row['pd_high'])} | {row['clients']:,} | "
                     f"{pct(row['share'])} | {pct(row['default_rate'], 2)} | {pct(row['mean_pd'], 2)} |")
    lines.append("| D | in default | | | 100 % | |")
    tests = jeffreys
    if tests:
        lines += ["", f"Calibration on the holdout, per grade: {tests['test']} test on the grade's mean PD; green when "
                      f"p ≥ {tests['amber_below']}, amber below, red below {tests['red_below']}; no light for fewer "
                      f"than {tests.get('min_clients', 30)} clients (`evaluate.min_group_clients`).", "",
                  "| grade | clients | defaults | mean PD | observed default rate | p-value | light |",
                  "|---|---:|---:|---:|---:|---:|---|"]
        rows = [*tests["grades"], {"grade": "all", **tests["portfolio"]}]
        lines += [f"| {r['grade']} | {r['clients']:,} | {r['defaults']:,} | {pct(r['mean_pd'], 2)} | "
                  f"{pct(r['defaults'] / r['clients'], 2)} | {r['p_value']:.3f} | {r['light']} |" for r in rows]
    return lines


def _validation_section(report: dict | None) -> list[str]:
    """The validation tests' traffic lights in one table (details in reports/validation_model/report.md)."""
    if not report:
        return []
    lights = report["lights"]
    return ["", "## Validation tests (reports/validation_model/report.md)", "",
            f"{lights['green']} green, {lights['amber']} amber, {lights['red']} red, {lights['not_enough_data']} "
            "without enough data. A red test blocks the promotion to champion.", "", *test_table(report["tests"])]


def test_table(tests: list[dict]) -> list[str]:
    """The validation tests as a Markdown table: test, sample, statistic, p-value, light."""
    return ["| test | sample | statistic | p-value | light |", "|---|---|---:|---:|---|"] + [
        f"| {t['test']} | {t['sample']} | {num(t['statistic'])} | {num(t['p_value'], 3)} | {t['light']} |"
        for t in tests]


def _four_fifths(ratios: dict) -> list[str]:
    """The four-fifths rule per attribute: lowest over highest approval rate among the groups with enough data."""
    if not ratios:
        return []
    lines = ["", "Four-fifths rule (lowest / highest approval rate among the groups with enough data; red below 0.8, "
                 "amber when its 95 % bootstrap interval reaches below):", "",
             "| attribute | ratio | 95 % interval | light |", "|---|---:|---|---|"]
    for name, r in ratios.items():
        interval = f"{num(r['ci95'][0], 3)} – {num(r['ci95'][1], 3)}" if r["ci95"] else ""
        lines.append(f"| {name.replace('_', ' ')} | {num(r['ratio'], 3)} | {interval} | {r['light']} |")
    return lines


def _reasons_section(concepts: list[dict]) -> list[str]:
    """How decisions are explained to clients, and what the sensitive attributes weigh."""
    if not concepts:
        return []
    written = sum(c["share"] for c in concepts if c["written"])
    sensitive = [c for c in concepts if c["sensitive"]]
    lines = ["", "## Reasons given to clients", "",
             "Each decision comes with at most four principal reasons in plain sentences (creditrisk/reasons/"
             "catalogue.yaml): the model's features are grouped into concepts, and the concepts weighing most in the "
             f"direction of the decision are told to the client. Concepts whose sentences were written by hand carry "
             f"{pct(written)} of the influence on the holdout (mean absolute summed SHAP value); the others get a "
             "sentence derived by rule.", "",
             "Sensitive attributes are never given to a client as a reason; the adviser's view shows them, marked. "
             "Their share of the influence on the holdout:", "",
             "| sensitive concept | share of the influence |", "|---|---:|"]
    lines += [f"| {c['label_en']} | {pct(c['share'])} |" for c in sensitive]
    lines += ["", "They are in the model because the data hold them; whether age, gender or family situation may "
                  "be used at all is a decision for compliance (the fairness tables below show their effect on "
                  "approval rates)."]
    return lines


def _comparison_section(comparison: dict, selection: dict) -> list[str]:
    """The compare stage's table (imbalance treatments, baselines, the challenger, sensitive attributes), or
    the statement that it did not run."""
    lines = ["## Model selection (cross-validation on the training part)", ""]
    cv = selection["cv"]
    if not comparison["run"]:
        return lines + [f"The champion's recipe: CV AUC {num(cv['cv_auc'])}, CV cost per client "
                        f"{num(selection['calibrated_cv']['cv_cost_per_client'])}. **No comparison was run in this "
                        f"execution** ({comparison['reason']}): the other imbalance treatments, the baselines, the "
                        "challenger and the cost of leaving sensitive attributes out are not measured here."]
    lines += ["| candidate | CV AUC | CV cost per client | CV normalised cost |", "|---|---:|---:|---:|"]
    for row in comparison["strategies"] + comparison["baselines"]:
        chosen = " (configured)" if row["strategy"] == comparison["configured"] else ""
        lines.append(f"| {row['strategy']}{chosen} | {num(row.get('cv_auc'))} | "
                     f"{num(row['cv_cost_per_client'])} | {num(row['cv_normalized_cost'])} |")
    challenger = comparison["challenger"]
    lines.append(f"| challenger: logistic scorecard, {challenger['n_variables']} variables (shadow only) | "
                 f"{num(challenger['cv_auc'])} | {num(challenger['cv_cost_per_client'])} | "
                 f"{num(challenger['cv_normalized_cost'])} |")
    if comparison["cheapest"] != comparison["configured"]:
        lines += ["", f"On these folds **{comparison['cheapest']}** was cheaper than the configured treatment "
                      f"({comparison['configured']}, params `train.imbalance`, chosen on the real rows)."]
    for sensitive in comparison["sensitive"]:
        lines += ["", f"**{sensitive['attribute']}**: {sensitive['verdict']} (out-of-fold AUC "
                      f"{num(sensitive['auc_with'])} with it, {num(sensitive['auc_without'])} without; four-fifths "
                      f"ratio of approval rates by its groups {num(sensitive['fairness']['with']['four_fifths'], 3)} "
                      f"with, {num(sensitive['fairness']['without']['four_fifths'], 3)} without)."]
    return lines


def _monotone_line(monotone: dict) -> str:
    """Whether borrowing less can raise the PD: the loan-term constraints, or why there are none."""
    if monotone:
        rising = ", ".join(f"`{f}`" for f, sign in sorted(monotone.items()) if sign > 0)
        falling = ", ".join(f"`{f}`" for f, sign in sorted(monotone.items()) if sign < 0)
        return (f"- Monotone constraints (params train.monotone): the PD never falls as {rising} rise"
                + (f" and never rises as {falling} rise" if falling else "") + ": borrowing less never raises it. "
                "Credit − price is not given to the model (a cheaper purchase brings it towards zero from either "
                "side) and CatBoost combines no categorical features (a combination built on a constrained "
                "column's split escapes the constraint). Their cost on the real rows: docs/benchmarks.md "
                "\"Monotone loan terms\".")
    return ("- No monotone constraint on the loan terms (params train.monotone is empty, the default sets them): "
            "for some clients a smaller amount at the same term gets a higher PD; the adviser's what-if shows the "
            "model's PD as it is and says so. What the constraints cost and buy: docs/benchmarks.md (\"Monotone "
            "loan terms\").")


def render_model_card(metrics: dict, selection: dict, tuning: dict | None, bundle: Bundle, fairness: dict,
                      importance: list[dict], labels: dict[str, str], registry: dict | None,
                      concepts: list[dict] | None = None, scale: dict | None = None,
                      validation: dict | None = None, comparison: dict | None = None) -> str:
    m = metrics
    lines = ["# Model card — Prêt à dépenser PD model", "",
             "Generated by the model_validation stage from reports/metrics.json, reports/model_selection.json, "
             "reports/model_comparison.json, reports/tuning.json, reports/validation_model/report.json and "
             "models/champion/bundle.json. Do not edit by hand.", ""]
    lines += _model_section(m, bundle, registry)
    lines += _holdout_section(m, bundle)
    lines += _comparison_section(comparison or {"run": False, "reason": "no comparison report"}, selection)
    if tuning and tuning.get("trials"):
        lines += ["", f"Optuna ({len(tuning['trials'])} trials, seeded TPE, pruning) searched the trees' shape: "
                      f"best CV cost per client {num(tuning['best_cost_per_client'])} with "
                      f"{_shape(tuning['best_params'])}."]
    lines += ["", "## What drives the score (mean |SHAP| on the holdout)", "",
              "| feature | meaning | mean abs SHAP |", "|---|---|---:|"]
    lines += [f"| {r['feature']} | {labels.get(r['feature'], '')} | {num(r['mean_abs_shap'])} |"
              for r in importance[:12]]
    lines += _reasons_section(concepts or [])
    lines += _scale_section(scale, validation["details"]["holdout"]["jeffreys"] if validation else None)
    lines += _validation_section(validation)
    lines += _fairness_section(fairness)
    lines += ["", "## Limits", "", _data_limit(bundle, m),
              "- The production population differs from the training one (reports/drift/): monitor drift before "
              "trusting the PD on new segments.",
              f"- The threshold assumes a {m['fn_cost']:g}:{m['fp_cost']:g} cost ratio; "
              "reports/evaluation_details.json shows how it moves for ratios 1 to 20."]
    return "\n".join(lines) + "\n"


def _companion_line(companion: dict | None) -> list[str]:
    """The second shape averaged with the first (params ``train.companion``), when there is one."""
    if not companion:
        return []
    changed = ", ".join(f"{k} {num(v, 2) if isinstance(v, float) else v}" for k, v in companion.items()
                        if k != "iterations")
    return [f"- Averaged on the log-odds with a companion CatBoost of {companion['iterations']} trees (the same "
            f"settings except {changed}; its trees by the same cross-validation; params `train.companion`): the "
            "calibration and the threshold are fitted on the two models' averaged out-of-fold scores."]


def _model_section(m: dict, bundle: Bundle, registry: dict | None) -> list[str]:
    """What the model is, how its PD and decision are made, and what the gate did with it."""
    bag = f"the mean of {bundle.bag} models (seeds) of " if bundle.bag > 1 else ""  # one model: its trees add up
    excluded = (f"; never given: {', '.join(bundle.excluded)} (params `train.exclude`)" if bundle.excluded else "")
    lines = ["## Model", "",
             f"- CatBoost classifier: {bag}{bundle.catboost['iterations']} trees of depth "
             f"{bundle.catboost['depth']} (learning rate {num(bundle.catboost['learning_rate'])}, L2 "
             f"{num(bundle.catboost['l2_leaf_reg'], 2)}, {pct(bundle.catboost['rsm'], 0)} of the features per "
             f"split); the number of trees is where the {bundle.cv.folds} cross-validation folds' mean validation "
             f"log loss is lowest. Class-imbalance treatment **{bundle.imbalance_strategy}**. "
             f"{len(bundle.features)} features ({len(bundle.categorical)} categorical){excluded}; fitted on "
             f"{bundle.train_rows:,} applicants of the training part ({bundle.data_source} data).",
             *_companion_line(bundle.catboost.get("companion")),
             f"- Output: a probability of default, the raw score through a {bundle.calibration['method']} "
             "calibration: strictly increasing (the PD moves with every input and keeps the clients' order), "
             "chosen on cross-fitted out-of-fold log loss.",
             _monotone_line(bundle.catboost.get("monotone") or {}),
             f"- Decision: refuse when PD ≥ **{num(m['threshold'])}** (the cut-off minimising the out-of-fold "
             f"business cost with FN cost {m['fn_cost']:g} and FP cost {m['fp_cost']:g}; theory for a calibrated PD: "
             f"{num(m['fp_cost'] / (m['fn_cost'] + m['fp_cost']))}).", ""]
    if registry:
        gate = registry.get("gate", {})
        verdict = ("promoted to alias `champion` by the validation gate" if registry["promoted"] else
                   "**not promoted** to alias `champion`: " + "; ".join(gate.get("reasons", [])))
        if gate.get("signed_off"):
            verdict += (" — red stability test(s) **signed off**, not hidden (" + "; ".join(gate["signed_off"])
                        + f"; sign-off: {gate['signoff']})")
        if gate.get("mode") == "report" and gate.get("red_tests"):
            verdict += (" — **the gate ran in report mode: red tests did not block** ("
                        + "; ".join(gate["red_tests"]) + ")")
        lines += [f"- MLflow: registered model `{registry['registered_model']}` version {registry['version']}, "
                  f"{verdict}.", ""]
    return lines


def _holdout_section(m: dict, bundle: Bundle) -> list[str]:
    """Intended use, the data, the holdout's figures with their intervals, and the gap to the oracle (synthetic)."""
    lines = ["## Intended use", "",
             "Support for relationship managers deciding on consumer-credit applications from people with little "
             "credit history. The decision stays with a person: the model gives a PD, the decision it implies and "
             "the reasons. Not for: pricing, collections, or clients outside the population it was trained on.",
             "", "## Data", "",
             f"- {bundle.train_rows:,} applicants for training (cross-validation, tuning, calibration, threshold) "
             f"and a stratified holdout of {m['holdout_rows']:,} applicants scored once; observed default rate "
             f"{pct(m['default_rate'])}.", "",
             f"## Holdout metrics ({m['holdout_rows']:,} applicants, {_count(m.get('holdout_defaults'), '?')} "
             "defaults; 95 % bootstrap intervals)", "", *_sample_note(m),
             "| metric | value | 95 % interval |", "|---|---:|---|",
             f"| AUC | {num(m['auc'])} | {_interval(m, 'auc')} |",
             f"| PR-AUC | {num(m['pr_auc'])} | {_interval(m, 'pr_auc')} |",
             f"| business cost per client | {num(m['business_cost_per_client'])} | "
             f"{_interval(m, 'business_cost_per_client')} |",
             f"| normalised cost (1 = refuse no one) | {num(m['normalized_cost'])} | "
             f"{_interval(m, 'normalized_cost')} |",
             f"| threshold (chosen on out-of-fold PDs) | {num(m['threshold'])} | {_interval(m, 'threshold')} |",
             f"| Brier score | {num(m['brier'])} | {_interval(m, 'brier')} |",
             f"| approval rate | {pct(m['approval_rate'])} | {_interval(m, 'approval_rate', percent=True)} |", "",
             f"Confusion matrix at the threshold: {m['tp']:,} defaulters refused, {m['fn']:,} defaulters accepted, "
             f"{m['fp']:,} good clients refused, {m['tn']:,} good clients accepted.", ""]
    if "oracle_auc" in m:
        lines += ["## Gap to the best achievable (synthetic data only)", "",
                  f"The true PD of every synthetic applicant is known: the best possible AUC is "
                  f"{num(m['oracle_auc'])} and the best possible cost {num(m['oracle_cost_per_client'])} per "
                  f"client. The model reaches {num(m['auc_to_oracle'], 3)} of the oracle AUC and "
                  f"{num(m['cost_to_oracle'], 3)} times the oracle cost.{_oracle_intervals(m)}", ""]
    return lines


def _shape(params: dict) -> str:
    """A trial's parameters as a person reads them: integers as they are, other numbers to four significant
    digits."""
    return ", ".join(f"{name} {value if isinstance(value, int) else f'{value:.4g}'}" for name, value in params.items())


def _oracle_intervals(m: dict) -> str:
    if "auc_to_oracle_ci95_low" not in m:
        return ""
    return (f" 95 % intervals of the two ratios, the model and the true PD judged on the same resampled holdout "
            f"clients: {_interval(m, 'auc_to_oracle', digits=3)} and {_interval(m, 'cost_to_oracle', digits=3)}. They "
            "measure the holdout's share of chance, not the training sample's (another draw of the data gives another "
            "model).")


def _fairness_section(fairness: dict) -> list[str]:
    """Approval and error rates by gender and age band, with the rule for groups too small to judge."""
    rule = fairness.get("rule", {})
    lines = ["", "## Fairness (holdout, at the threshold; 95 % Wilson intervals)", "",
             f"A group of fewer than {rule.get('min_clients', '?')} clients or {rule.get('min_defaults', '?')} "
             "defaulters is marked \"not enough data\": its rates are shown, but they are not a verdict.", "",
             "By gender:", ""] + _group_table(fairness["by_gender"]) + ["", "By age band:", ""] + _group_table(
        fairness["by_age_band"])
    lines += _four_fifths(fairness.get("four_fifths", {}))
    lines += ["", "Differences in approval rate follow differences in observed default rate; they are reported so "
                  "that a reviewer can judge them, not corrected by the model."]
    return lines
