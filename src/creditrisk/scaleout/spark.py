"""Portfolio re-scoring on Spark: bucket the tables by applicant, then score each bucket with the training builder.

``bucket_tables`` co-locates every row of an applicant: each table gets ``bucket = pmod(xxhash64(SK_ID_CURR), N)``
(bureau_balance takes its bucket through bureau) and is written as Parquet partitioned by bucket, with a
manifest. ``score_buckets`` runs one task per bucket (``mapInArrow`` over the bucket numbers): the task reads its
bucket's rows of every table with polars, builds the model's features with ``build_features`` and scores them
with the champion, shipped once to each worker. The PDs are written as Parquet partitioned by run date; a re-run
of a date replaces that date only.

The bucket folder must be readable by every executor (one disk here; on a cluster, a shared file system or an
object store polars reads, e.g. s3://). Spark 4.3 in local mode on this machine: docs/scaling.md.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
from datetime import date
from pathlib import Path

import polars as pl

from creditrisk.artefacts.catalogue import MANIFEST
from creditrisk.data import schema
from creditrisk.data.schema import KEY
from creditrisk.errors import MissingInput
from creditrisk.io import write_json
from creditrisk.scaleout.scoring import APPLICATION, RESULT_SCHEMA, PortfolioModel, read_bucket, score_tables

log = logging.getLogger(__name__)

BUCKET = "bucket"
_VIA = {"bureau_balance": ("bureau", "SK_ID_BUREAU")}  # tables keyed by a parent, not by the applicant


def session(master: str, driver_memory: str = "2g", executor_memory: str = "2g", app: str = "creditrisk"):
    """A Spark session whose Python workers run this interpreter, one polars thread per task (the tasks share
    the cores), bound to 127.0.0.1 in local mode."""
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)

    builder = (SparkSession.builder.master(master).appName(app)
               .config("spark.driver.memory", driver_memory).config("spark.executor.memory", executor_memory)
               .config("spark.executorEnv.POLARS_MAX_THREADS", "1")
               .config("spark.sql.sources.partitionOverwriteMode", "dynamic")
               # joins by shuffle, never by broadcasting a side to every task: the applicants' side of a
               # portfolio does not fit a driver's memory (a broadcast join of 100,000 applicants failed on 2 GB)
               .config("spark.sql.autoBroadcastJoinThreshold", "-1")
               .config("spark.sql.execution.arrow.pyspark.enabled", "true")
               .config("spark.ui.enabled", "false"))
    if master.startswith("local"):
        builder = builder.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
    # one thread per task: local mode's Python workers inherit the JVM's environment, taken from this process
    # when the JVM starts (a cluster's executors get it from spark.executorEnv); polars sizes its pool when a
    # worker first imports it
    saved = os.environ.get("POLARS_MAX_THREADS")
    os.environ["POLARS_MAX_THREADS"] = "1"
    try:
        spark = builder.getOrCreate()
    finally:
        os.environ.pop("POLARS_MAX_THREADS") if saved is None else os.environ.__setitem__("POLARS_MAX_THREADS", saved)
    spark.sparkContext.setLogLevel("ERROR")
    logging.getLogger("py4j").setLevel(logging.WARNING)  # one INFO line per closed gateway connection
    return spark


def bucket_tables(spark, interim: Path, applications: list[str], out: Path, buckets: int) -> dict:
    """The ingested tables of ``interim`` (typed Parquet, as the ingest stage writes them) -> ``out/<table>/
    bucket=k/``: the applicants of the tables ``applications`` (e.g. application_test, or both) and their history
    rows. Returns the manifest."""
    from functools import reduce

    from pyspark.sql import functions as F

    interim, out = Path(interim), Path(out)
    present = _ingested(interim, applications)
    bucket_of = F.pmod(F.xxhash64(F.col(KEY)), F.lit(buckets)).cast("int").alias(BUCKET)
    apps = reduce(lambda a, b: a.unionByName(b), [
        spark.read.parquet(str(interim / f"{name}.parquet")).drop("TARGET") for name in applications])
    keys = apps.select(KEY, bucket_of)
    frames = {APPLICATION: apps.withColumn(BUCKET, bucket_of)}
    for name in present:
        table = spark.read.parquet(str(interim / f"{name}.parquet"))
        if name in _VIA:
            parent, link = _VIA[name]
            if parent not in present:
                continue  # without its parent no row reaches an applicant
            links = spark.read.parquet(str(interim / f"{parent}.parquet")).select(link, KEY).join(keys, KEY)
            frames[name] = table.join(links.select(link, BUCKET), link)  # rows of unknown loans reach nobody
        else:
            frames[name] = table.join(keys, KEY)  # the applicants to score only
    rows = {}
    for name, frame in frames.items():  # one file per table and bucket (not one per shuffle partition)
        frame.repartition(BUCKET).write.mode("overwrite").partitionBy(BUCKET).parquet(str(out / name))
        rows[name] = spark.read.parquet(str(out / name)).count()
    manifest = {"buckets": buckets, "applications": applications, "tables": list(frames), "rows": rows,
                "source": str(interim), "hash": f"pmod(xxhash64({KEY}), {buckets})"}
    write_json(out / MANIFEST, manifest)
    log.info("bucketed %d applicants of %s into %d buckets: %s", rows[APPLICATION], " + ".join(applications),
             buckets, rows)
    return manifest


def _ingested(interim: Path, applications: list[str]) -> list[str]:
    """The history tables the ingest stage wrote (absent tables are simply not scored with)."""
    from creditrisk.data.ingest import read_manifest

    tables = read_manifest(interim)["tables"]
    unknown = [a for a in applications if a not in schema.APPLICATION_TABLES or a not in tables]
    if unknown:
        raise MissingInput(f"{interim}: no ingested applications table {', '.join(unknown)} (ingested: "
                           f"{', '.join(tables)}); name application_test, application_train or both")
    return [t for t in tables if t not in schema.APPLICATION_TABLES]


def read_manifest(folder: Path) -> dict:
    path = Path(folder) / MANIFEST
    if not path.exists():
        raise MissingInput(f"{path} not found: run `creditrisk bucket` first (it writes the bucketed tables)")
    return json.loads(path.read_text())


def score_buckets(spark, folder: Path, model: PortfolioModel, out: Path, run_date: date) -> dict:
    """Score every bucket of ``folder`` (one task each) -> ``out/run_date=YYYY-MM-DD/``; returns a summary."""
    from pyspark.sql import functions as F

    folder, out = Path(folder).resolve(), Path(out)
    manifest = read_manifest(folder)
    shipped = spark.sparkContext.broadcast(model)
    tables, served = manifest["tables"], model.bundle["serving"]
    score = _bucket_scorer(shipped, str(folder), tables)
    ids = spark.range(manifest["buckets"], numPartitions=manifest["buckets"])
    spark_schema = ", ".join(f"{c} {_SPARK_TYPES[t]}" for c, t in RESULT_SCHEMA.items())
    scored = (ids.mapInArrow(score, spark_schema)
              .withColumn("model_version", F.lit(served["model_version"]))
              .withColumn("feature_version", F.lit(model.bundle["feature_version"]))
              .withColumn("run_date", F.lit(run_date.isoformat())))
    scored.write.mode("overwrite").partitionBy("run_date").parquet(str(out))
    written = spark.read.parquet(str(out)).where(F.col("run_date") == run_date.isoformat())
    counts = {r["decision"]: r["count"] for r in written.groupBy("decision").count().collect()}
    summary = {"applicants": sum(counts.values()), "decisions": counts, "model_version": served["model_version"],
               "registered_model": served["registered_model"], "feature_version": model.bundle["feature_version"],
               "run_date": run_date.isoformat(), "output": str(out / f"run_date={run_date.isoformat()}"),
               "buckets": manifest["buckets"]}
    if summary["applicants"] != manifest["rows"][APPLICATION]:
        raise RuntimeError(f"scored {summary['applicants']} applicants of {manifest['rows'][APPLICATION]} bucketed")
    log.info("scored %d applicants with %s version %s: %s", summary["applicants"], served["registered_model"],
             served["model_version"], counts)
    return summary


_SPARK_TYPES = {pl.Int64: "long", pl.Float64: "double", pl.String: "string", pl.Int32: "int"}


def _bucket_scorer(shipped, folder: str, tables: list[str]):
    """The task function: bucket numbers in, one Arrow batch of PDs per bucket out. The model is rebuilt once per
    Python worker (Spark reuses its workers), not once per bucket."""

    key = hashlib.sha256(shipped.value.model_blob).hexdigest()

    def score(batches):
        predictor = _predictor(key, shipped)
        for batch in batches:
            for bucket in batch.column(0).to_pylist():
                scored = score_tables(predictor, read_bucket(Path(folder), bucket, tables), threads=1)
                yield from scored.to_arrow().to_batches()

    return score


_LOADED: dict[str, object] = {}  # model digest -> Predictor, in each Python worker


def _predictor(key: str, shipped):
    if key not in _LOADED:
        _LOADED[key] = shipped.value.predictor()
    return _LOADED[key]
