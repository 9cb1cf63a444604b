"""What every stage entry point does: load params.yaml, set up logging, run the stage, exit with a clear status."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable

from creditrisk.artefacts.catalogue import Paths
from creditrisk.config import Params, load_params
from creditrisk.errors import EXIT_INTERNAL_ERROR, CreditRiskError
from creditrisk.logs import configure_logging


def run_stage(name: str, runner: Callable[[Params, Paths], dict]) -> None:
    """A failure the user can fix is one line naming what to fix (exit 1); anything else is a bug, logged with its
    traceback as an internal error (exit 70)."""
    configure_logging()
    log = logging.getLogger(f"pipelines.{name}")
    try:
        params = load_params()
        configure_logging(params.base.log_level)
        runner(params, Paths())
    except CreditRiskError as error:
        log.error("%s stage failed: %s", name, error)
        sys.exit(error.exit_code)
    except Exception:
        log.exception("%s stage: internal error (a bug in the project, not in your data or settings)", name)
        sys.exit(EXIT_INTERNAL_ERROR)
