"""Shared set-up of the stage entry points."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from creditrisk.config import Params, Paths, load_params


def run_stage(name: str, body: Callable[[Params, Paths], bool | None]) -> None:
    """Load params, configure logging, run the stage; clear one-line errors instead of tracebacks for data faults."""
    params = load_params()
    logging.basicConfig(level=params.base.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    log = logging.getLogger(f"pipelines.{name}")
    from creditrisk.ingest import DataContractError

    try:
        ok = body(params, Paths())
    except (DataContractError, FileNotFoundError, ValueError) as error:
        log.error("%s stage failed: %s", name, error)
        sys.exit(1)
    if ok is False:
        log.error("%s stage failed: see reports/", name)
        sys.exit(1)
