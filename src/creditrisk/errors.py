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


class NothingPublished(CreditRiskError):
    """No model can serve this run's data: none passed the validation gate, or the champion was trained on other
    data (models/serving/NOT_PUBLISHED.txt says which). A normal outcome of the pipeline, not a failure of it."""

    exit_code = 3
    http_status = 503


class IncompatibleModel(CreditRiskError):
    """A stored model bundle written by another version of the code (re-run the train stage)."""


class InvalidRequest(CreditRiskError):
    """A request to the scoring service asks for something that does not exist or is not allowed."""


class UnknownClient(InvalidRequest):
    """A client id that is not among the production clients."""

    http_status = 404


class StoreUnavailable(CreditRiskError):
    """The decision database does not answer, or is not the one the service opened (removed, replaced, restored
    behind its checkpoints): nothing was recorded; retry, or restore it."""

    http_status = 503
    exit_code = 75  # sysexits' EX_TEMPFAIL


class NotConfigured(CreditRiskError):
    """The service lacks a setting its operators must give (the token secret, the chain key)."""

    http_status = 503


class NotAllowed(CreditRiskError):
    """The acting user's role or the four-eyes rule does not allow this action."""

    http_status = 403


class NotAuthenticated(CreditRiskError):
    """Wrong name or password, or a missing, expired or forged token."""

    http_status = 401


class TooManyAttempts(CreditRiskError):
    """Too many failed logins for an account or from an address: retry after ``retry_after`` seconds."""

    http_status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after

