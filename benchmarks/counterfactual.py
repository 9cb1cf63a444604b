"""What would change the decision, over every refused and review production client of the served model: the
share that gets a working proposal (by lever), the smallest margin a proposal keeps below the acceptance limit, and
the latency of one answer (in process, the Scorer). Then, for ``--follow`` production clients, the adviser's
negotiation: the share whose PD never rises as the amount falls at equal term (15 steps from the request down to
30 %: a cheaper purchase), and the same with a down payment (the price unchanged).

Usage: python benchmarks/counterfactual.py [--limit N] [--serving models/serving] [--follow 500]
       (after dvc repro; --serving DIR reads another checkout's served model, e.g. a real-data run)
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

import numpy as np

from creditrisk.reasons.catalogue import load_catalogue
from creditrisk.service.counterfactual import (
    LoanTerms,
    application_changes,
    current_terms,
    ranges_for,
    what_would_change,
)
from creditrisk.service.scorer import Scorer, ServingData


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--limit", type=int, default=0, help="clients per decision (0 = all)")
    parser.add_argument("--serving", default="models/serving")
    parser.add_argument("--follow", type=int, default=500, help="production clients whose negotiation is followed")
    args = parser.parse_args()
    data = ServingData.load(args.serving)
    scorer, catalogue = Scorer(data), load_catalogue()
    ranges = ranges_for(scorer)
    print(f"ranges: amount down to {ranges.min_amount_share:.0%}, down payment up to "
          f"{ranges.max_down_payment_share:.0%}, term up to {ranges.max_term:.1f} (credit / annuity)\n")
    limit = scorer.threshold - scorer.review_band
    print("| decision | clients | with a proposal | share | amount | term | down payment | smallest margin (points) "
          "| p50 ms | p95 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for decision in ("refuse", "review"):
        ids = [int(c) for c in data.population.index[data.population["decision"] == decision]]
        ids = ids[:args.limit] if args.limit else ids
        found, levers, seconds, margins = 0, Counter(), [], []
        for client in ids:
            start = time.perf_counter()
            answer = what_would_change(scorer, client, ranges, catalogue, "fr")
            seconds.append(time.perf_counter() - start)
            found += bool(answer["proposals"])
            levers.update(p["lever"] for p in answer["proposals"])
            margins += [limit - p["probability_of_default"] for p in answer["proposals"]]
        ms = 1000 * np.array(seconds)
        margin = f"{100 * min(margins):.2f}" if margins else "-"
        print(f"| {decision} | {len(ids)} | {found} | {found / len(ids):.1%} | {levers['amount']} | {levers['term']} "
              f"| {levers['down_payment']} | {margin} | {np.median(ms):.0f} | {np.percentile(ms, 95):.0f} |")
    negotiation(scorer, [int(c) for c in data.population.index[:args.follow]])


def negotiation(scorer: Scorer, clients: list[int]) -> None:
    """Share of clients whose PD never rises (by more than 1e-9) from one step to the next as the amount falls."""
    scales = np.linspace(1.0, 0.3, 15)
    never = Counter()
    followed = 0
    for client in clients:
        application = scorer.application(client)
        now = current_terms(application)
        if now is None:
            continue
        followed += 1
        for lever in ("amount", "down_payment"):
            terms = [LoanTerms(now.amount * s, now.months) if lever == "amount"
                     else LoanTerms(now.amount, now.months, now.amount * (1 - s)) for s in scales]
            pd_ = scorer.simulate_many(client, [application_changes(application, t) for t in terms]).pd
            never[lever] += bool(np.all(np.diff(pd_) <= 1e-9))
    print(f"\nNegotiation, {followed} production clients followed (15 steps down to 30 % of the amount): PD never "
          f"rises with a cheaper purchase {never['amount'] / followed:.1%}, with a down payment "
          f"{never['down_payment'] / followed:.1%}")


if __name__ == "__main__":
    main()
