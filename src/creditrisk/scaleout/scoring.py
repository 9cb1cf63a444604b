"""Scoring a portfolio bucket by bucket, with no engine in it: what each Spark task runs (``spark.py``), and what a
test or a single process can run on whole tables.

A bucket holds every row of its applicants in every table (``spark.bucket_tables``), so the features the
training builder computes from it are the features it computes from the whole tables, bit for bit (its sums are
exact and its "last" values do not depend on row order); the PD is then the champion's, through ``Predictor``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import polars as pl

from creditrisk.artefacts.bundle import Bundle
from creditrisk.artefacts.catalogue import MODEL_FILE
from creditrisk.artefacts.predictor import Predictor
from creditrisk.data import schema
from creditrisk.data.schema import KEY
from creditrisk.errors import IncompatibleModel
from creditrisk.features import build_features, feature_version
from creditrisk.governance.master_scale import MasterScale
from creditrisk.model.cost import decide

APPLICATION = "application"  # the builder's name for the applications table, whichever file it came from
RESULT_SCHEMA = {KEY: pl.Int64, "pd": pl.Float64, "decision": pl.String, "grade": pl.Int32}


@dataclass(frozen=True)
class PortfolioModel:
    """The champion as a batch scorer: the model file's bytes (shipped once to each worker) and its bundle, with
    the serving facts (review band, master scale) that turn a PD into a decision and a grade."""

    model_blob: bytes
    bundle: dict  # Bundle.to_dict(), with serving facts

    @classmethod
    def of(cls, predictor: Predictor) -> PortfolioModel:
        """The champion's model, refused when its features were built by another version of the builder."""
        import tempfile

        bundle = predictor.bundle
        check_feature_version(bundle)
        bundle.served  # noqa: B018 (raises MissingInput when the serving facts are absent)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / MODEL_FILE
            predictor.model.save_model(str(path))
            return cls(path.read_bytes(), bundle.to_dict())

    def predictor(self) -> Predictor:
        from catboost import CatBoostClassifier

        model = CatBoostClassifier()
        model.load_model(blob=self.model_blob)
        return Predictor(model, Bundle.from_dict(self.bundle))


def check_feature_version(bundle: Bundle) -> None:
    """A model is scored only on features built by the builder it was trained with."""
    built_by = feature_version()
    if bundle.feature_version != built_by:
        served = bundle.serving.model_version if bundle.serving else "?"
        trained = bundle.feature_version or "not recorded (trained before versions were recorded)"
        raise IncompatibleModel(
            f"the champion (registered version {served}) was trained on features of builder version {trained}; "
            f"this code builds version {built_by}: the same feature could hold another value. Re-run the "
            "pipeline (dvc repro) to train and register a model on this builder, or score with the code the model "
            "was trained with")


def score_tables(predictor: Predictor, tables: dict[str, pl.DataFrame], threads: int = -1) -> pl.DataFrame:
    """PD, decision and grade of every applicant of ``tables['application']`` (history tables optional), with
    CatBoost on ``threads`` threads (-1: every core; a Spark task takes 1, its share of the executor)."""
    bundle = predictor.bundle
    if tables[APPLICATION].is_empty():
        return pl.DataFrame(schema=RESULT_SCHEMA)
    built = build_features(tables, columns=bundle.features).to_pandas()
    _, pd_ = predictor.predict_proba(built, threads)
    served = bundle.served
    return pl.DataFrame({KEY: built[KEY].to_numpy(), "pd": pd_,
                         "decision": decide(pd_, bundle.threshold, served.review_band).astype(str),
                         "grade": MasterScale(tuple(served.grade_bounds)).grade(pd_)}, schema=RESULT_SCHEMA)


def read_bucket(folder: Path, bucket: int, tables: list[str]) -> dict[str, pl.DataFrame]:
    """One bucket's rows of each table, typed as the contract says (what Spark wrote back may widen a type)."""
    out = {}
    for name in tables:
        files = sorted((folder / name / f"bucket={bucket}").glob("*.parquet"))  # not the folder: Spark's .crc files
        contract = schema.polars_schema(schema.table("application_test" if name == APPLICATION else name))
        if files:
            frame = pl.read_parquet(files)
            out[name] = frame.cast({c: t for c, t in contract.items() if c in frame.columns})
        else:
            out[name] = pl.DataFrame(schema={c: t for c, t in contract.items()})
    return out
