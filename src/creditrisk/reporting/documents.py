"""The methodology note (French) and the presentation, generated from the pipeline's reports (DVC stage ``docs``).

Every figure in the documents comes from a report file through ``Figures.num``, which writes the number in French
format followed by an invisible marker naming its source (``0,800<!--metrics:auc-->``), so a test can check each
number against the file it claims to come from. Nothing is typed by hand; re-running the pipeline updates both.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from creditrisk.artefacts import catalogue as c
from creditrisk.artefacts.catalogue import Paths

SOURCES = {"metrics": c.METRICS, "selection": c.MODEL_SELECTION, "comparison": c.MODEL_COMPARISON, "tuning": c.TUNING,
           "evaluation": c.EVALUATION_DETAILS, "fidelity": c.SYNTHETIC_METRICS, "drift": f"drift/{c.SUMMARY_JSON}",
           "registry": c.REGISTRY, "validation": f"validation/{c.SUMMARY_JSON}", "data": c.DATA_SUMMARY,
           "model_validation": f"validation_model/{c.REPORT_JSON}"}  # in reports/
TEMPLATES = (c.METHODOLOGY, c.PRESENTATION)
CALIBRATION_FR = {"platt": "de Platt", "beta": "bêta", "spline": "spline"}
IMBALANCE_FR = {"none": "aucune pondération", "Balanced": "classes pondérées à parts égales",
                "SqrtBalanced": "classes pondérées en racine carrée",
                "undersample": "sous-échantillonnage des bons clients"}
TESTS_FR = {"auc": "AUC (intervalle de DeLong)", "gini": "indice de Gini", "ks": "Kolmogorov-Smirnov",
            "auc_decline": "baisse de l'AUC depuis le champion (unilatéral)",
            "jeffreys_grade": "Jeffreys par classe (unilatéral) : la pire classe",
            "jeffreys_portfolio": "Jeffreys, portefeuille (unilatéral)",
            "binomial": "binomial exact, portefeuille (unilatéral)", "hosmer_lemeshow": "Hosmer-Lemeshow",
            "spiegelhalter": "Spiegelhalter (score de Brier)", "psi_score": "PSI du score",
            "csi_features": "CSI des variables principales : le plus élevé",
            "expected_auc": "AUC attendue en production d'après les PD",
            "monotone": "taux de défaut croissant d'une classe à la suivante",
            "largest_grade": "part de la classe la plus remplie"}
SAMPLES_FR = {"holdout": "test", "out-of-fold": "hors pli", "development vs production": "développement / production",
              "production (PDs)": "production (PD)"}
LIGHTS_FR = {"green": "vert", "amber": "orange", "red": "**rouge**", "not enough data": "données insuffisantes"}
MODELS_FR = {"champion (CatBoost)": "champion (CatBoost)",
             "challenger (logistic scorecard)": "challenger (grille de score logistique)"}


def lookup(data: Any, key: str) -> Any:
    """``a.b.0.c`` in nested dicts and lists."""
    for part in key.split("."):
        data = data[int(part)] if isinstance(data, list) else data[part]
    return data


def french(value: float, kind: str) -> str:
    """French number formats: decimal comma, narrow no-break space for thousands, "%" after a space."""
    if kind == "int":
        return f"{value:,.0f}".replace(",", "\u202f")
    if kind.startswith("pct"):
        text = f"{100 * value:.{int(kind[3:] or 1)}f}".replace(".", ",")
        return f"{text}\u00a0%"
    digits = int(kind[1:]) if kind.startswith("d") else 3
    return f"{value:,.{digits}f}".replace(",", "\u202f").replace(".", ",")


@dataclass
class Figures:
    """The report files, and the formatting of their numbers with a source marker."""

    sources: dict[str, Any]
    labels: dict[str, str] = field(default_factory=dict)  # feature -> French description
    used: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def load(cls, paths: Paths, params_path: Path) -> Figures:
        sources = {name: json.loads((paths.reports / file).read_text()) for name, file in SOURCES.items()
                   if (paths.reports / file).exists()}
        sources["params"] = yaml.safe_load(Path(params_path).read_text())
        catalogue = json.loads((paths.feature_catalogue).read_text())["features"]
        return cls(sources, {f["name"]: f["description_fr"] for f in catalogue})

    def label(self, feature: str, within: bool = False) -> str:
        """The feature's French description and its name; ``within`` a sentence, a capital that only starts the
        description is lowered (« puis ancienneté dans l'emploi », not an acronym such as « PD »)."""
        text = self.labels.get(feature, feature)
        if within and text[:2].istitle() and not text.startswith(feature):
            text = text[0].lower() + text[1:]
        return f"{text} (`{feature}`)"

    def index(self, key: str, group: str) -> int:
        """Position of the row whose ``group`` is ``group`` in the list at ``key`` of the evaluation report."""
        return next(i for i, row in enumerate(self.get("evaluation", key)) if row["group"] == group)

    def extreme_group(self, table: str, field: str, highest: bool) -> int | None:
        """Row of the fairness table ``table`` whose ``field`` is the highest (or lowest), among the groups with
        enough data (None if none has): what the note says about the groups is read from the data."""
        rows = [(row[field], i) for i, row in enumerate(self.get("evaluation", f"fairness.{table}"))
                if row.get("enough_data", True)]
        return (max(rows) if highest else min(rows))[1] if rows else None

    def rate(self, key: str, field: str) -> str:
        """A fairness rate with its 95 % interval, « données insuffisantes » for a group too small to judge."""
        row = self.get("evaluation", key)
        if row[field] is None:
            return "—"
        text = self.num("evaluation", f"{key}.{field}", "pct1")
        if row.get(f"{field}_ci95"):
            text += (f" ({self.num('evaluation', f'{key}.{field}_ci95.0', 'pct1')} – "
                     f"{self.num('evaluation', f'{key}.{field}_ci95.1', 'pct1')})")
        return text if row.get("enough_data", True) else f"{text}, données insuffisantes"

    def interval(self, key: str, kind: str = "d3") -> str:
        """The 95 % interval of a holdout figure of metrics.json, or nothing when it has none."""
        if f"{key}_ci95_low" not in self.sources["metrics"]:
            return ""
        return f"{self.num('metrics', f'{key}_ci95_low', kind)} – {self.num('metrics', f'{key}_ci95_high', kind)}"

    def ratio_index(self) -> int:
        """Row of the cost-ratio sensitivity table for the configured FN/FP ratio."""
        ratio = self.get("metrics", "fn_cost") / self.get("metrics", "fp_cost")
        rows = self.get("evaluation", "cost_ratio_sensitivity")
        return next(i for i, row in enumerate(rows) if row["fn_fp_ratio"] == ratio)

    def calibration_name(self) -> str:
        """The chosen calibration method, in French."""
        return CALIBRATION_FR[self.get("selection", "calibration.chosen")]

    def calibration_index(self) -> int:
        """Row of the chosen method in the calibration comparison of model_selection.json."""
        chosen = self.get("selection", "calibration.chosen")
        return next(i for i, row in enumerate(self.get("selection", "calibration.methods")) if row["method"] == chosen)

    @staticmethod
    def imbalance_fr(strategy: str) -> str:
        """An imbalance treatment (params train.imbalance) in French words."""
        return IMBALANCE_FR[strategy]

    def test_fr(self, test: dict) -> dict[str, str]:
        """A validation test's label, sample and light in French."""
        return {"label": TESTS_FR[test["key"]], "sample": SAMPLES_FR[test["sample"]],
                "light": LIGHTS_FR[test["light"]]}

    def gate_tests_fr(self, field: str) -> str:
        """The gate's tests of ``field`` (blocking_tests, signed_off_tests, or red_tests from the battery's lights)
        in French: « CSI des variables principales : le plus élevé (développement / production) ; ... »."""
        tests = (self.get("model_validation", f"gate.{field}") if field != "red_tests" else
                 [t for t in self.get("model_validation", "tests") if t["light"] == "red"])
        return " ; ".join(f"« {TESTS_FR[t['key']]} » ({SAMPLES_FR[t['sample']]})" for t in tests)

    def refusal_fr(self, detail: bool = True) -> str:
        """Why the gate did not promote the candidate, in French, from its fields: « à cause du test rouge « ... »
        (...) et de son coût ... » (``detail``: with the two costs and the champion's version)."""
        blocking = self.get("model_validation", "gate.blocking_tests")
        parts = [("du test rouge " if len(blocking) == 1 else "des tests rouges ") + self.gate_tests_fr(
            "blocking_tests")] if blocking else []
        if self.get("model_validation", "gate.costlier"):
            parts.append("de son coût, pas plus bas que celui du champion" + (
                f" (version {self.num('model_validation', 'gate.champion_version', 'int')}) sur les mêmes clients : "
                f"{self.num('model_validation', 'gate.candidate_cost', 'd4')} contre "
                f"{self.num('model_validation', 'gate.champion_cost', 'd4')} par client" if detail else ""))
        return "à cause " + " et ".join(parts)

    def model_fr(self, name: str) -> str:
        return MODELS_FR[name]

    def maybe(self, source: str, key: str, kind: str = "d3") -> str:
        """``num`` for a value that may be absent (None: a dash) or a count (an integer: no decimals)."""
        value = self.get(source, key)
        if value is None:
            return "—"
        return self.num(source, key, "int" if isinstance(value, int) else kind)

    def get(self, source: str, key: str) -> Any:
        return lookup(self.sources[source], key)

    def num(self, source: str, key: str, kind: str = "d3") -> str:
        self.used.append((source, key))
        return f"{french(float(self.get(source, key)), kind)}<!--{source}:{key}:{kind}-->"


def _environment():
    from jinja2 import Environment, PackageLoader, StrictUndefined

    return Environment(loader=PackageLoader("creditrisk.reporting", "templates"), undefined=StrictUndefined,
                       keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)


def render(template: str, figures: Figures) -> str:
    return _environment().get_template(f"{template}.j2").render(f=figures, n=figures.num, get=figures.get)
