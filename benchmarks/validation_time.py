"""What the model validation of issue 17 adds to `dvc repro`, part by part, on the last run's data.

Each part runs here as the pipeline runs it, on the features of the last `dvc repro` (data/features) and its
champion (models/champion); parts run in turn, ``--repeats`` times, and the table gives the median seconds:

- train: the chosen strategy cross-validated again without CODE_GENDER (train.drop_if_free);
- train: the challenger scorecard (optbinning, 3 folds and the final fit);
- evaluate: the fairness report with fairlearn (MetricFrame, bootstrap intervals);
- model_validation: the whole stage (registration in a throwaway MLflow store, every test, the challenger's
  tests, the reports and the model card).

    python benchmarks/validation_time.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def parts(params, paths):
    """name -> a function running that part once."""
    import json

    from creditrisk.artefacts.catalogue import BEST_PARAMS
    from creditrisk.artefacts.predictor import Predictor
    from creditrisk.governance.fairness import fairness_report
    from creditrisk.model.scorecard import train_challenger
    from creditrisk.model.training import cross_validate, stratified_folds
    from creditrisk.stages.common import split

    train, holdout = split(params, paths)
    predictor = Predictor.from_dir(paths.model)
    bundle = predictor.bundle
    folds = stratified_folds(train.y, params.train.cv_folds, params.base.seed)
    tuned = json.loads((paths.tuning / BEST_PARAMS).read_text())
    catboost = replace(params.train.catboost, **tuned)
    _, pd_ = predictor.predict_proba(holdout.x)
    kept = train.without("CODE_GENDER") if "CODE_GENDER" in train.x.columns else train

    def without_gender():
        cross_validate(kept.x, kept.y, kept.categorical, catboost, bundle.imbalance_strategy, folds,
                       params.base.seed, params.cost, params.train.undersample_ratio)

    def challenger():
        train_challenger(kept, folds, params.cost, params.train.scorecard_candidates, params.train.scorecard_min_iv)

    def fairness():
        fairness_report(holdout.x, holdout.y, pd_ >= bundle.threshold, pd_, params.evaluate.min_group_clients,
                        params.evaluate.min_group_defaults, params.evaluate.bootstrap, params.base.seed)

    def validation_stage():
        import shutil

        from creditrisk.artefacts.catalogue import Paths
        from creditrisk.stages.model_validation import run_model_validation

        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            for folder in ("reports",):
                shutil.copytree(paths.root / folder, work / folder)
            for link in ("data", "models"):
                (work / link).symlink_to(paths.root / link)
            run_model_validation(params, Paths(work))

    return {"train: CV without CODE_GENDER": without_gender, "train: challenger scorecard": challenger,
            "evaluate: fairness (fairlearn, bootstrap)": fairness,
            "model_validation: the whole stage": validation_stage}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    import logging

    from creditrisk.artefacts.catalogue import Paths
    from creditrisk.config import load_params

    logging.basicConfig(level=logging.WARNING)
    params, paths = load_params(ROOT / "params.yaml"), Paths(ROOT)
    runs = parts(params, paths)
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            seconds[name].append(time.perf_counter() - start)
    print(f"| part | median s ({args.repeats} runs) | runs |\n|---|---:|---|")
    for name, values in seconds.items():
        print(f"| {name} | {statistics.median(values):.1f} | {', '.join(f'{v:.1f}' for v in values)} |")
    print(f"| **total added** | {sum(statistics.median(v) for v in seconds.values()):.1f} | |")


if __name__ == "__main__":
    main()
