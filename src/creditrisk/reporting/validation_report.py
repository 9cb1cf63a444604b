"""The model validation report in Markdown (reports/validation_model/report.md): the battery's lights, the
gate's verdict in its mode, the challenger and the details."""

from __future__ import annotations

from creditrisk.governance.battery import AMBER, GREEN, RED


def render_report(report: dict, gate: dict, enough_data: bool) -> str:
    """reports/validation_model/report.md: the verdict, the traffic-light table, then the details."""
    lights = report["lights"]
    verdict = (f"**Promoted**: version {gate['candidate_version']} is the champion." if gate["promote"] else
               f"**Not promoted**: version {gate['candidate_version']} — " + "; ".join(gate["reasons"]) + ".")
    if gate.get("mode") == "report" and gate["red_tests"]:
        verdict += (" **The gate ran in report mode** (params `model_validation.gate`): red tests did not block: "
                    + "; ".join(gate["red_tests"]) + ".")
    samples = ", ".join(f"{name} {s['clients']:,} clients / {s['defaults']:,} defaults"
                        for name, s in report["samples"].items())
    lines = ["# Model validation report", "", verdict, "",
             f"{lights[GREEN]} green, {lights[AMBER]} amber, {lights[RED]} red, {lights['not_enough_data']} without "
             f"enough data. Samples: {samples}.", ""]
    if not enough_data:
        lines += ["> The holdout holds too few defaults for a verdict (see the model card): read every light as "
                  "an indication.", ""]
    lines += ["| family | test | sample | statistic | p-value | threshold | light | note |",
              "|---|---|---|---:|---:|---|---|---|"]
    lines += [f"| {t['family']} | {t['test']} | {t['sample']} | {_number(t['statistic'])} | {_number(t['p_value'])} "
              f"| {t['threshold']} | **{t['light']}** | {t['note']} |" for t in report["tests"]]
    lines += _details(report["details"])
    lines += _challenger_lines(report.get("challenger"))
    return "\n".join(lines) + "\n"


def _challenger_lines(challenger: dict | None) -> list[str]:
    if not challenger:
        return []
    lines = ["", "## Champion vs challenger scorecard (each at its own threshold; tests on holdout and out-of-fold)",
             "", "| model | variables | holdout AUC | holdout cost per client | green | amber | red | not enough data "
             "|",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {r['model']} | {r['variables']} | {r['holdout_auc']:.4f} | {r['holdout_cost_per_client']:.4f} | "
              f"{r['lights'][GREEN]} | {r['lights'][AMBER]} | {r['lights'][RED]} | {r['lights']['not_enough_data']} |"
              for r in challenger["comparison"]]
    reds = [f"{r['model']}: {t['test']} ({t['sample']})" for r in challenger["comparison"] for t in r["tests"]
            if t["light"] == RED]
    lines += ["", "Red tests: " + ("; ".join(reds) if reds else "none") + ".", "",
              "### The scorecard's points (600 points at odds 50:1, 20 more per doubling; higher = safer)", "",
              "| variable | bin | points |", "|---|---|---:|"]
    lines += [f"| {p['variable']} | {p['bin'].replace('|', '/')} | {p['points']:.1f} |" for p in challenger["points"]]
    return lines


def _details(details: dict) -> list[str]:
    lines = []
    for name in ("holdout", "out-of-fold"):
        jeffreys, brier = details[name]["jeffreys"], details[name]["brier"]
        lines += ["", f"## Calibration per grade ({name})", "", "| grade | clients | defaults | mean PD | default rate "
                  "| Jeffreys p | light |", "|---:|---:|---:|---:|---:|---:|---|"]
        lines += [f"| {g['grade']} | {g['clients']:,} | {g['defaults']:,} | {g['mean_pd']:.2%} | "
                  f"{g['defaults'] / g['clients']:.2%} | {g['p_value']:.3g} | {g['light']} |"
                  for g in jeffreys["grades"]]
        lines += ["", f"Brier {brier['brier']:.4f} = reliability {brier['reliability']:.4f} - resolution "
                  f"{brier['resolution']:.4f} + uncertainty {brier['uncertainty']:.4f}, within-group term "
                  f"{brier['within_group']:+.4f}; skill against the base rate {brier['skill']:.3f}."]
        if "by_fold" in details[name]:
            lines += _by_fold_lines(details[name]["by_fold"])
    stability = details["stability"]
    lines += ["", "## Stability: development vs production clients", "",
              "| score or feature | PSI | sampling alone (95 %) | above sampling | light |", "|---|---:|---:|---|---|"]
    lines += [f"| {f['feature']} | {f['psi']:.4f} | {f['critical_95']:.4f} | {'yes' if f['above_sampling'] else 'no'} "
              f"| {f['light']} |" for f in [stability["score"], *stability["features"]]]
    if "migration" in details:
        move = details["migration"]
        lines += ["", f"## Grade migration from champion version {move['from_version']} (holdout; rows: champion's "
                  "grade, columns: candidate's)", "",
                  f"{move['same_grade']:.1%} of the clients keep their grade; {move['moved_more_than_one']:.1%} move "
                  "by more than one grade.", "",
                  "| | " + " | ".join(str(g) for g in move["grades"]) + " |",
                  "|---:|" + "---:|" * len(move["grades"])]
        lines += [f"| {g} | " + " | ".join(f"{v:,}" for v in values) + " |"
                  for g, values in zip(move["grades"], move["matrix"], strict=True)]
    return lines


def _by_fold_lines(split: dict) -> list[str]:
    """The out-of-fold PDs fold by fold: information beside the lights, never judged."""
    folds = split["folds"]
    few = [f["fold"] for f in folds if not f["enough_data"]]
    lines = ["", "### Out-of-fold PDs fold by fold (information: no light)", "",
             f"The out-of-fold clients were scored by {len(folds)} models, each grown without its fold's clients, "
             "and each fold's scores were turned into PDs by a map fitted on the other folds: the out-of-fold tests "
             "above pool the folds and judge the recipe on average. Fold by fold, each model's own spread shows: a "
             "calibration slope (Cox) below 1 means that fold's PDs are more extreme than its outcomes, above 1 "
             "less extreme. The gate does not read these rows; the holdout tests judge the candidate "
             "(docs/validation.md, \"What the out-of-fold tests judge\").", "",
             "| fold | clients | defaults | sum of the PDs | calibration slope | Hosmer-Lemeshow | p-value |",
             "|---:|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {f['fold']} | {f['clients']:,} | {f['defaults']:,} | {f['expected']:,.1f} | "
              f"{'-' if f['slope'] is None else format(f['slope'], '.3f')} | {f['hosmer_lemeshow']:.2f} "
              f"({f['df']} df) | {_number(f['p_value'])} |" for f in folds]
    lines += ["", f"The folds' Hosmer-Lemeshow statistics summed: {split['hosmer_lemeshow']:.2f} on {split['df']} "
              f"degrees of freedom, p = {_number(split['p_value'])}."]
    if few:
        named = f"{', '.join(map(str, few[:-1]))} and {few[-1]}" if len(few) > 1 else str(few[0])
        lines[-1] += (f" Fold{'s' if len(few) > 1 else ''} {named} hold{'' if len(few) > 1 else 's'} too few "
                      "defaults for a verdict: indicative.")
    if any(f["slope"] is None for f in folds):
        lines[-1] += " A fold without a slope: its PDs do not rank its defaulters higher."
    return lines


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:,}" if isinstance(value, int) else f"{value:.4g}"
