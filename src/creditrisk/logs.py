"""Logging for people: the project's progress at INFO, third-party chatter only when asked for (DEBUG)."""

from __future__ import annotations

import logging

# INFO lines a user cannot act on: great-expectations registers ~70 functions at import, MLflow cannot resolve
# pip's version offline, Alembic prints each migration of a new sqlite store...
_CHATTY = {"great_expectations": logging.WARNING, "mlflow": logging.WARNING, "alembic": logging.WARNING,
           "mlflow.utils.environment": logging.ERROR, "evidently": logging.WARNING, "httpx": logging.WARNING,
           "numexpr": logging.WARNING, "optuna": logging.WARNING}


def configure_logging(level: str = "INFO") -> None:
    """Timestamped lines on stderr at ``level``; third-party loggers at WARNING unless ``level`` is DEBUG."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger().setLevel(level)
    for name, quiet in _CHATTY.items():
        logging.getLogger(name).setLevel(logging.DEBUG if level == "DEBUG" else quiet)
