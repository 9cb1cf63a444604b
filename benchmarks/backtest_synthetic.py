"""Performance estimated before outcomes against the outcomes, on the synthetic production clients.

The synthetic generator knows each production client's true PD (data/oracle/true_pd.csv, SPLIT = test), so their
outcomes can be drawn. The served model (models/serving) scores every production client and the traffic log
counts them as the service does; then `monitor` runs with those drawn outcomes as the labels file: the table
sets the performance expected from the calibrated PDs (CBPE, before outcomes) beside the back-test on the
outcomes, for ``--draws`` independent draws of the outcomes.

    python benchmarks/backtest_synthetic.py [--draws 5]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def log_production_traffic(traffic: Path) -> int:
    """Every production client scored by id through the Scorer and counted in a traffic log, as the service."""
    from creditrisk.monitoring.traffic import TrafficLog
    from creditrisk.service.scorer import Scorer, ServingData

    data = ServingData.load(ROOT / "models" / "serving")
    scorer = Scorer(data)
    log = TrafficLog(traffic, data.bins, flush_clients=20, shadow=scorer.shadow)
    ids = data.production.index.tolist()
    for start in range(0, len(ids), 50):
        scores = scorer.score_ids(ids[start:start + 50])
        log.record(scorer.version, scorer.values(scores, list(data.bins.features)), scores.pd, scores.decision,
                   shadow_inputs=scorer.challenger_inputs(scores))
    return len(ids)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=5)
    args = parser.parse_args()
    from creditrisk.artefacts.catalogue import Paths
    from creditrisk.config import load_params
    from creditrisk.monitoring.production import monitor

    params, paths = load_params(ROOT / "params.yaml"), Paths(ROOT)
    truth = pd.read_csv(ROOT / "data" / "oracle" / "true_pd.csv").query("SPLIT == 'test'")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        traffic = Path(tmp) / "traffic"
        clients = log_production_traffic(traffic)
        for draw in range(args.draws):
            rng = np.random.default_rng(draw)
            labels = Path(tmp) / f"labels-{draw}.csv"
            pd.DataFrame({"SK_ID_CURR": truth["SK_ID_CURR"], "TARGET": (rng.random(len(truth)) < truth["TRUE_PD"])
                          .astype(int), "OUTCOME_DATE": "2026-12-01"}).to_csv(labels, index=False)
            result = monitor(params, paths, traffic, 1, params.monitor.max_share_drifted, Path(tmp) / "out", labels)
            estimate, backtest = result.summary["expected_performance"], result.summary["backtest"]
            tests = {t["key"]: t for t in backtest["tests"]}
            rows.append((draw, estimate, backtest, tests))
    first = rows[0][1]
    print(f"{clients} production clients scored and logged; expected before outcomes (CBPE): AUC "
          f"{first['expected_auc']:.3f} [{first['expected_auc_ci95'][0]:.3f}, {first['expected_auc_ci95'][1]:.3f}], "
          f"default rate {first['expected_default_rate']:.2%}\n")
    print("| draw | defaults | realised AUC (DeLong 95 %) | binomial p | Jeffreys portfolio p | HL p | worst light |")
    print("|---:|---:|---|---:|---:|---:|---|")
    order = ["green", "amber", "not enough data", "red"]
    for draw, _, backtest, tests in rows:
        worst = max((t["light"] for t in backtest["tests"]), key=order.index)
        print(f"| {draw} | {backtest['defaults']} | {tests['auc']['statistic']:.3f} {tests['auc']['note']} | "
              f"{tests['binomial']['p_value']:.3f} | {tests['jeffreys_portfolio']['p_value']:.3f} | "
              f"{tests['hosmer_lemeshow']['p_value']:.3f} | {worst} |")


if __name__ == "__main__":
    main()
