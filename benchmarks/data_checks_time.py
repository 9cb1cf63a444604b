"""What the validate stage's great-expectations suites cost, table by table: the suite handed its expectations at
once (``checks.build_suite``, as the stage runs it) against the same expectations added one by one with
``ExpectationSuite.add_expectation`` (the baseline: great-expectations compares each new one with every one
already in the suite). Both validate the same frame; the runs alternate, ``--repeats`` times, and the table gives
the median seconds (import and first-use costs paid once before timing).

    python benchmarks/data_checks_time.py [--interim data/interim] [--repeats 3]

The interim folder is the last `dvc repro`'s (the default synthetic run), every table its manifest lists.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def one_by_one(at_once):
    """The baseline: the expectations ``at_once`` builds, added to a suite one at a time."""
    import great_expectations as gx

    def build(table, columns_present):
        suite = gx.ExpectationSuite(name=f"{table.name}_one_by_one")
        for expectation in at_once(table, columns_present).expectations:
            suite.add_expectation(expectation)
        return suite

    return build


def validate(frame, table, suite_builder) -> tuple[float, int]:
    """Seconds to validate ``frame`` as ``checks.validate_frame`` does, with the suite ``suite_builder`` builds."""
    from creditrisk.data import checks

    original = checks.build_suite
    checks.build_suite = suite_builder
    try:
        start = time.perf_counter()
        results = checks.validate_frame(frame, table)
        return time.perf_counter() - start, len(results)
    finally:
        checks.build_suite = original


def main() -> None:
    import logging

    from creditrisk.data import checks, schema
    from creditrisk.data.ingest import read_manifest

    logging.basicConfig(level=logging.WARNING)
    parser = argparse.ArgumentParser()
    parser.add_argument("--interim", type=Path, default=ROOT / "data" / "interim")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    names = list(read_manifest(args.interim)["tables"])
    frames = {n: checks.load_pandas(args.interim / f"{n}.parquet") for n in names}
    first = names[0]
    validate(frames[first].head(100), schema.table(first), checks.build_suite)  # imports and first use, untimed
    builders = {"one by one (baseline)": one_by_one(checks.build_suite), "at once": checks.build_suite}
    times: dict[tuple[str, str], list[float]] = {}
    counts: dict[str, int] = {}
    for _ in range(args.repeats):
        for name in names:
            for label, builder in builders.items():
                seconds, counts[name] = validate(frames[name], schema.table(name), builder)
                times.setdefault((name, label), []).append(seconds)
    print(f"| table | rows | expectations | {' | '.join(f'{label} (s)' for label in builders)} |")
    print("|---|---:|---:|" + "---:|" * len(builders))
    totals = dict.fromkeys(builders, 0.0)
    for name in names:
        medians = {label: statistics.median(times[(name, label)]) for label in builders}
        for label, value in medians.items():
            totals[label] += value
        print(f"| {name} | {len(frames[name]):,} | {counts[name]} | "
              f"{' | '.join(f'{medians[label]:.2f}' for label in builders)} |")
    print(f"| **all** | | | {' | '.join(f'**{totals[label]:.2f}**' for label in builders)} |")


if __name__ == "__main__":
    main()
