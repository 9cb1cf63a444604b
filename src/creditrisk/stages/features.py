"""Stage features: typed tables -> one row per applicant (data/features) + the feature catalogue."""

from __future__ import annotations

import logging

from creditrisk.artefacts.catalogue import TEST_FEATURES, TRAIN_FEATURES, Paths
from creditrisk.config import Params
from creditrisk.data.schema import KEY
from creditrisk.errors import ConfigError
from creditrisk.io import atomic_path, write_json
from creditrisk.stages.common import load_tables

log = logging.getLogger(__name__)


def data_summary(params: Params, paths: Paths, labels, applicants: int) -> dict:
    """Where the data comes from and what it holds: what every report and document says about the data."""
    from creditrisk.data import schema
    from creditrisk.data.ingest import read_manifest

    manifest = read_manifest(paths.interim)
    history = {name: rows for name, rows in manifest["tables"].items() if schema.ENTRIES[name].optional}
    return {"source": params.data.source, "synthetic": params.data.source == "synthetic",
            "folder": f"data/{params.data.source}",
            "train_applicants": labels.height, "production_applicants": applicants - labels.height,
            "default_rate": float(labels["TARGET"].mean()), "tables": manifest["tables"],
            "absent_tables": manifest["absent"], "files_present": len(manifest["tables"]),
            "files_expected": len(schema.tables()), "history_tables": list(history),
            "history_rows": sum(history.values())}


def _groups_left_out(groups: tuple[str, ...]) -> dict[str, str]:
    """Features of the candidate groups params ``features.groups`` does not keep -> why they are dropped."""
    from creditrisk.features import candidate_groups, catalogue

    unknown = sorted(set(groups) - set(candidate_groups()))
    if unknown:
        raise ConfigError(f"params.yaml features.groups: unknown group(s) {unknown}; expected some of "
                          f"{candidate_groups()}")
    return {f.name: f"candidate group {f.group!r} not kept (params features.groups)" for f in catalogue()
            if f.group != "base" and f.group not in groups}


def run_features(params: Params, paths: Paths) -> dict:
    """Features of train and production applicants (one pass), constant/duplicate columns dropped on train only."""
    import polars as pl

    from creditrisk.data.ingest import read_manifest
    from creditrisk.features import build_features, catalogue
    from creditrisk.features.selection import find_useless_columns
    from creditrisk.features.storage import write_feature_file

    tables = load_tables(paths.interim)
    train, test = tables.pop("application_train"), tables.pop("application_test")
    labels = train.select(KEY, "TARGET").collect()
    applications = pl.concat([train.drop("TARGET"), test], how="vertical")
    entries = catalogue()
    dropped = _groups_left_out(params.features.groups)
    built = [f.name for f in entries if f.name not in dropped]
    features = build_features({"application": applications, **tables}, columns=built)
    is_train = features[KEY].is_in(labels[KEY].implode())
    train_features = labels.join(features.filter(is_train), on=KEY, how="left")
    dropped |= find_useless_columns(train_features, built)
    kept = [f.name for f in entries if f.name not in dropped]
    with atomic_path(paths.features) as tmp:
        tmp.mkdir(parents=True)
        write_feature_file(train_features.select([KEY, "TARGET", *kept]), tmp / TRAIN_FEATURES)
        write_feature_file(features.filter(~is_train).select([KEY, *kept]), tmp / TEST_FEATURES)
    write_json(paths.feature_catalogue, {
        "n_features": len(entries), "n_selected": len(kept), "absent_tables": read_manifest(paths.interim)["absent"],
        "features": [f.to_dict() | {"selected": f.name not in dropped, "drop_reason": dropped.get(f.name)}
                     for f in entries]})
    write_json(paths.data_summary, data_summary(params, paths, labels, features.height))
    log.info("features: %d in the catalogue, %d kept, %d train and %d production applicants", len(entries), len(kept),
             train_features.height, features.height - train_features.height)
    return {"n_features": len(entries), "n_selected": len(kept), "train_rows": train_features.height}
