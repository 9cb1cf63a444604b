"""The failures a user can fix, one type each; anything else that escapes is a bug (an internal error).

Entry points map them in one place each: ``pipelines/_common.py`` and ``cli.py`` print the message and exit
with ``exit_code``; the service answers ``http_status``. Any other exception keeps its traceback and is reported
as an internal error, never as the user's mistake.
"""

from __future__ import annotations

EXIT_INTERNAL_ERROR = 70  # sysexits' EX_SOFTWARE: a bug, with its traceback


class CreditRiskError(Exception):
    """A failure caused by the input or the set-up, whose message says what is wrong, where, and what to do."""

    exit_code = 1
    http_status = 400


class ConfigError(CreditRiskError):
    """params.yaml holds an unknown key or an invalid value."""


class DataContractError(CreditRiskError):
    """A raw file does not follow the Home Credit file contract (names the file, the column, what was expected)."""


class ValidationFailed(CreditRiskError):
    """The validation stage found fatal problems in the typed tables (listed in reports/validation/)."""


class MissingInput(CreditRiskError):
    """A file a stage reads is absent: an earlier stage has not run (the message names the file and the stage)."""


class IncompatibleModel(CreditRiskError):
    """A stored model bundle written by another version of the code (re-run the train stage)."""


class InvalidRequest(CreditRiskError):
    """A request to the scoring service asks for something that does not exist or is not allowed."""


class UnknownClient(InvalidRequest):
    """A client id that is not among the production clients."""

    http_status = 404
