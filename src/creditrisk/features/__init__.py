"""Feature engineering in polars: one builder for training, batch scoring and the live service."""

from creditrisk.features.builder import build_features, candidate_groups, catalogue, feature_version

__all__ = ["build_features", "candidate_groups", "catalogue", "feature_version"]
