"""Commands `creditrisk bucket` and `creditrisk score-portfolio`: a portfolio re-scored on Spark (not a DVC stage:
it runs when a month's data arrive, on the cluster the lender has; `make run` does not need Spark)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from creditrisk.artefacts.catalogue import Paths
from creditrisk.config import Params


def run_bucket(params: Params, paths: Paths, applications: list[str], interim: Path | None, out: Path | None,
               master: str | None, buckets: int | None) -> dict:
    """The ingested tables (data/interim) -> applicants' rows bucketed by a hash of SK_ID_CURR
    (data/portfolio/buckets)."""
    from creditrisk.scaleout import spark as engine

    spark = _session(params, master)
    try:
        return engine.bucket_tables(spark, interim or paths.interim, applications, out or paths.portfolio / "buckets",
                                    buckets or params.portfolio.buckets)
    finally:
        spark.stop()


def run_score_portfolio(params: Params, paths: Paths, folder: Path | None, out: Path | None, master: str | None,
                        run_date: date) -> dict:
    """Every bucketed applicant scored by the registry's champion (``models:/creditrisk-pd@champion``), with the
    decision and grade of params serve/scale -> data/portfolio/scores/run_date=.../ (Parquet)."""
    from creditrisk.artefacts import tracking
    from creditrisk.artefacts.bundle import ServingInfo
    from creditrisk.artefacts.predictor import Predictor
    from creditrisk.scaleout import spark as engine
    from creditrisk.scaleout.scoring import PortfolioModel

    folder = folder or paths.portfolio / "buckets"
    engine.read_manifest(folder)  # before starting Spark: a missing bucketing is the user's to fix
    tracking.configure(paths.root)
    model, bundle, registry = tracking.load_champion()
    champion = PortfolioModel.of(Predictor(model, bundle.with_serving(ServingInfo.from_params(params, registry))))
    spark = _session(params, master)
    try:
        return engine.score_buckets(spark, folder, champion, out or paths.portfolio / "scores", run_date)
    finally:
        spark.stop()


def _session(params: Params, master: str | None):
    from creditrisk.scaleout.spark import session

    settings = params.portfolio
    return session(master or settings.master, settings.driver_memory, settings.executor_memory)
