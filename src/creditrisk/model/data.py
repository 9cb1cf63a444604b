"""Model inputs: the feature table, its categorical columns, and the stratified holdout split."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from creditrisk.data.schema import KEY
from creditrisk.errors import MissingInput

TARGET = "TARGET"


@dataclass
class ModelData:
    ids: np.ndarray
    x: pd.DataFrame
    y: np.ndarray
    categorical: list[str]

    @property
    def features(self) -> list[str]:
        return list(self.x.columns)

    def subset(self, idx: np.ndarray) -> ModelData:
        return ModelData(self.ids[idx], self.x.iloc[idx].reset_index(drop=True), self.y[idx], self.categorical)

    def without(self, column: str) -> ModelData:
        """The same rows without one feature."""
        return ModelData(self.ids, self.x.drop(columns=[column]), self.y, [c for c in self.categorical if c != column])


def categorical_features(catalogue_path: Path) -> list[str]:
    catalogue = json.loads(Path(catalogue_path).read_text())
    return [f["name"] for f in catalogue["features"] if f["categorical"] and f["selected"]]


def load_training_data(features_path: Path, catalogue_path: Path) -> ModelData:
    """The labelled feature rows (application_train), features as pandas for CatBoost."""
    import polars as pl

    frame = pl.read_parquet(features_path)
    categorical = [c for c in categorical_features(catalogue_path) if c in frame.columns]
    return ModelData(ids=frame[KEY].to_numpy(), x=frame.drop(KEY, TARGET).to_pandas(),
                     y=frame[TARGET].to_numpy().astype(int), categorical=categorical)


def holdout_split(y: np.ndarray, size: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Stratified (train, holdout) row indices; the holdout is scored once, by the evaluation stage."""
    from sklearn.model_selection import train_test_split

    train_idx, holdout_idx = train_test_split(np.arange(len(y)), test_size=size, stratify=y, random_state=seed)
    return np.sort(train_idx), np.sort(holdout_idx)


def split_data(features_path: Path, catalogue_path: Path, holdout_size: float,
               seed: int) -> tuple[ModelData, ModelData]:
    """(training part, holdout) of the labelled feature rows: the same split in every stage."""
    for path in (features_path, catalogue_path):
        if not Path(path).exists():
            raise MissingInput(f"{path} not found: run the features stage first")
    data = load_training_data(features_path, catalogue_path)
    train_idx, holdout_idx = holdout_split(data.y, holdout_size, seed)
    return data.subset(train_idx), data.subset(holdout_idx)
