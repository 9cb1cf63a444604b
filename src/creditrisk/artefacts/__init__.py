"""Artefacts: every folder and file name (``catalogue``), the model bundle and its calibration map (``bundle``,
``calibration``), the one way to score with a stored model (``predictor``) and the MLflow registry (``tracking``)."""
