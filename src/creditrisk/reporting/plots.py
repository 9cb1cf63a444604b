"""The evaluation's plots: DVC plot data (JSON) and one readable PNG, colour-blind-safe and readable without colour."""

from __future__ import annotations

from pathlib import Path

from creditrisk.governance.evaluation import Evaluation
from creditrisk.io import atomic_path, write_json


def write_evaluation_plots(out: Path, evaluation: Evaluation) -> None:
    """reports/plots/*.json (declared in dvc.yaml) and reports/plots/evaluation.png."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curve, reliability, importance = evaluation.cost_curve, evaluation.reliability, evaluation.importance
    threshold = evaluation.metrics["threshold"]
    for name, rows in (("cost_vs_threshold", curve), ("reliability", reliability),
                       ("cost_ratio_sensitivity", evaluation.sensitivity), ("shap_importance", importance[:30])):
        write_json(out / f"{name}.json", rows)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    axes[0].plot([r["threshold"] for r in curve], [r["cost_per_client"] for r in curve], color="#0072B2")
    axes[0].axvline(threshold, linestyle="--", color="#D55E00", label=f"chosen threshold {threshold:.3f}")
    axes[0].set(xlabel="threshold on calibrated PD", ylabel="business cost per client", title="Cost vs threshold")
    axes[0].legend()
    top_pd = max(r["predicted"] for r in reliability)
    axes[1].plot([0, top_pd], [0, top_pd], linestyle=":", color="grey", label="perfect calibration")
    axes[1].plot([r["predicted"] for r in reliability], [r["observed"] for r in reliability], marker="o",
                 color="#0072B2", label="holdout deciles")
    axes[1].set(xlabel="mean predicted PD", ylabel="observed default rate", title="Reliability")
    axes[1].legend()
    top = importance[:15][::-1]
    axes[2].barh([r["feature"] for r in top], [r["mean_abs_shap"] for r in top], color="#009E73")
    axes[2].set(xlabel="mean |SHAP| (log-odds)", title="Global importance")
    fig.tight_layout()
    with atomic_path(out / "evaluation.png") as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)


def write_reliability_plot(target: Path, samples: list) -> None:
    """Observed default rate against mean PD per PD decile (scikit-learn's calibration_curve), one line per
    sample (validation.Sample)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.calibration import calibration_curve

    fig, ax = plt.subplots(figsize=(6, 5))
    top = 0.0
    for sample, (colour, marker) in zip(samples, (("#0072B2", "o"), ("#D55E00", "s")), strict=False):
        observed, predicted = calibration_curve(sample.y, sample.pd, n_bins=10, strategy="quantile")
        ax.plot(predicted, observed, marker=marker, color=colour, label=f"{sample.name} ({len(sample.y):,} clients)")
        top = max(top, float(predicted.max()), float(observed.max()))
    ax.plot([0, top], [0, top], linestyle=":", color="grey", label="perfect calibration")
    ax.set(xlabel="mean predicted PD (decile)", ylabel="observed default rate", title="Reliability by PD decile")
    ax.legend()
    fig.tight_layout()
    with atomic_path(target) as tmp:
        fig.savefig(tmp, dpi=110)
    plt.close(fig)
