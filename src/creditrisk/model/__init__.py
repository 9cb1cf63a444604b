"""The model: training only. Business cost and the threshold (``cost``), the training split (``data``), cross-validated
CatBoost (``training``), Optuna tuning (``tuning``), the calibration choice (``calibration``), the candidate the
train stage writes (``candidate``), the baselines and the challenger scorecard (``baselines``, ``scorecard``)."""
