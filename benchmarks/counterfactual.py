"""What would change the decision, over every refused and review production client of the served model: the
share that gets a working proposal (by lever) and the latency of one answer (in process, the Scorer).

Usage: python benchmarks/counterfactual.py [--limit N]   (after dvc repro; reads models/serving)
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

import numpy as np

from creditrisk.reasons import load_catalogue
from creditrisk.service.counterfactual import ranges_for, what_would_change
from creditrisk.service.scorer import Scorer, ServingData


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=0, help="clients per decision (0 = all)")
    args = parser.parse_args()
    data = ServingData.load("models/serving")
    scorer, catalogue = Scorer(data), load_catalogue()
    ranges = ranges_for(scorer)
    print(f"ranges: amount down to {ranges.min_amount_share:.0%}, down payment up to "
          f"{ranges.max_down_payment_share:.0%}, term up to {ranges.max_term:.1f} (credit / annuity)\n")
    print("| decision | clients | with a proposal | share | amount | term | down payment | p50 ms | p95 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for decision in ("refuse", "review"):
        ids = [int(c) for c in data.population.index[data.population["decision"] == decision]]
        ids = ids[:args.limit] if args.limit else ids
        found, levers, seconds = 0, Counter(), []
        for client in ids:
            start = time.perf_counter()
            answer = what_would_change(scorer, client, ranges, catalogue, "fr")
            seconds.append(time.perf_counter() - start)
            found += bool(answer["proposals"])
            levers.update(p["lever"] for p in answer["proposals"])
        ms = 1000 * np.array(seconds)
        print(f"| {decision} | {len(ids)} | {found} | {found / len(ids):.1%} | {levers['amount']} | {levers['term']} "
              f"| {levers['down_payment']} | {np.median(ms):.0f} | {np.percentile(ms, 95):.0f} |")


if __name__ == "__main__":
    main()
