"""The evaluation's plots: DVC plot data (JSON) and one readable PNG, colour-blind-safe and readable without colour."""

from __future__ import annotations

from pathlib import Path

from creditrisk.governance.evaluation import Evaluation
from creditrisk.io import atomic_path, write_json
from creditrisk.reporting.documents import french

LANGUAGES = {"en": "{}.png", "fr": "{}_fr.png"}  # the English figure for reports/, the French one for docs/
WORDS = {
    "en": {"chosen": "chosen threshold", "threshold": "threshold on calibrated PD", "cost": "business cost per client",
           "cost_title": "Cost vs threshold", "perfect": "perfect calibration", "deciles": "holdout deciles",
           "mean_pd": "mean predicted PD", "observed": "observed default rate", "reliability": "Reliability",
           "shap": "mean |SHAP| (log-odds)", "importance": "Global importance",
           "mean_pd_decile": "mean predicted PD (decile)", "reliability_title": "Reliability by PD decile"},
    "fr": {"chosen": "seuil retenu", "threshold": "seuil sur la PD calibrée", "cost": "coût métier par client",
           "cost_title": "Coût selon le seuil", "perfect": "calibration parfaite", "deciles": "déciles du test",
           "mean_pd": "PD moyenne prédite", "observed": "taux de défaut observé", "reliability": "Fiabilité",
           "shap": "|SHAP| moyen (log-cote)", "importance": "Importance globale",
           "mean_pd_decile": "PD moyenne prédite (décile)", "reliability_title": "Fiabilité par décile de PD",
           "holdout": "test", "out-of-fold": "hors pli"}}


def write_evaluation_plots(out: Path, evaluation: Evaluation) -> None:
    """reports/plots/*.json (declared in dvc.yaml) and reports/plots/evaluation.png with its French twin."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curve, reliability, importance = evaluation.cost_curve, evaluation.reliability, evaluation.importance
    threshold = evaluation.metrics["threshold"]
    for name, rows in (("cost_vs_threshold", curve), ("reliability", reliability),
                       ("cost_ratio_sensitivity", evaluation.sensitivity), ("shap_importance", importance[:30])):
        write_json(out / f"{name}.json", rows)
    for language, name in LANGUAGES.items():
        _evaluation_figure(plt, out / name.format("evaluation"), curve, reliability, importance[:15], threshold,
                           WORDS[language], language)


def _evaluation_figure(plt, target: Path, curve: list, reliability: list, top: list, threshold: float, words: dict,
                       language: str) -> None:
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    axes[0].plot([r["threshold"] for r in curve], [r["cost_per_client"] for r in curve], color="#0072B2")
    axes[0].axvline(threshold, linestyle="--", color="#D55E00",
                    label=f"{words['chosen']} {_number(threshold, 3, language)}")
    axes[0].set(xlabel=words["threshold"], ylabel=words["cost"], title=words["cost_title"])
    axes[0].legend()
    top_pd = max(r["predicted"] for r in reliability)
    axes[1].plot([0, top_pd], [0, top_pd], linestyle=":", color="grey", label=words["perfect"])
    axes[1].plot([r["predicted"] for r in reliability], [r["observed"] for r in reliability], marker="o",
                 color="#0072B2", label=words["deciles"])
    axes[1].set(xlabel=words["mean_pd"], ylabel=words["observed"], title=words["reliability"])
    axes[1].legend()
    top = top[::-1]
    axes[2].barh([r["feature"] for r in top], [r["mean_abs_shap"] for r in top], color="#009E73")
    axes[2].set(xlabel=words["shap"], title=words["importance"])
    _decimal_commas([axes[0].xaxis, axes[0].yaxis, axes[1].xaxis, axes[1].yaxis, axes[2].xaxis], language)
    fig.tight_layout()
    with atomic_path(target) as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)


def write_reliability_plot(out: Path, samples: list) -> None:
    """out/reliability.png and its French twin: observed default rate against mean PD per PD decile
    (scikit-learn's calibration_curve), one line per sample (validation.Sample)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.calibration import calibration_curve

    curves = [(sample, *calibration_curve(sample.y, sample.pd, n_bins=10, strategy="quantile")) for sample in samples]
    for language, name in LANGUAGES.items():
        words = WORDS[language]
        fig, ax = plt.subplots(figsize=(6, 5))
        top = 0.0
        for (sample, observed, predicted), (colour, marker) in zip(curves, (("#0072B2", "o"), ("#D55E00", "s")),
                                                                   strict=False):
            ax.plot(predicted, observed, marker=marker, color=colour,
                    label=f"{words.get(sample.name, sample.name)} ({_number(len(sample.y), 0, language)} clients)")
            top = max(top, float(predicted.max()), float(observed.max()))
        ax.plot([0, top], [0, top], linestyle=":", color="grey", label=words["perfect"])
        ax.set(xlabel=words["mean_pd_decile"], ylabel=words["observed"], title=words["reliability_title"])
        ax.legend()
        _decimal_commas([ax.xaxis, ax.yaxis], language)
        fig.tight_layout()
        with atomic_path(out / name.format("reliability")) as tmp:
            fig.savefig(tmp, dpi=110)
        plt.close(fig)


def _number(value: float, digits: int, language: str) -> str:
    """3,000 or 0.069 in English; in French as the documents write their numbers: 3 000 or 0,069."""
    return f"{value:,.{digits}f}" if language == "en" else french(value, f"d{digits}")


def _decimal_commas(axes: list, language: str) -> None:
    """Decimal commas on the numeric axes of a French figure (``axes``: matplotlib axes)."""
    if language == "fr":
        from matplotlib.ticker import FuncFormatter

        comma = FuncFormatter(lambda value, _: f"{value:g}".replace(".", ","))
        for axis in axes:
            axis.set_major_formatter(comma)
