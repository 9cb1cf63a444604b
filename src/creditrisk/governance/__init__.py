"""Governance: what a validator reads before a model may serve. The holdout evaluation (``evaluation``), the
validation battery (``battery``) and the promotion gate (``gate``), the statistics they use (``stats``), the master
scale (``master_scale``), fairness (``fairness``, ``sensitive``) and the model-selection comparisons
(``comparison``)."""
