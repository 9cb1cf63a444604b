"""The PD model: business cost, data split, cross-validated CatBoost, calibration, evaluation."""
