"""Stage validate: great-expectations validation of the typed tables (reports/validation/)."""

from __future__ import annotations

import logging

from creditrisk.artefacts.catalogue import RESULTS, SUMMARY_JSON, SUMMARY_MD, Paths
from creditrisk.config import Params
from creditrisk.errors import ConfigError, ValidationFailed
from creditrisk.io import write_json, write_text

log = logging.getLogger(__name__)


def run_validate(params: Params, paths: Paths) -> dict:
    """Validate the typed tables; the reports are always written, then a fatal failure raises ValidationFailed."""
    from creditrisk.data.checks import validate_dir

    if params.validate.orphans not in ("warn", "fail"):
        raise ConfigError(f"params.yaml validate.orphans = {params.validate.orphans!r}; expected 'warn' or 'fail'")
    report = validate_dir(paths.interim, max_orphan_share=params.validate.max_orphan_share,
                          orphans_fatal=params.validate.orphans == "fail")
    out = paths.validation_reports
    write_json(out / RESULTS, report.to_dict())
    write_json(out / SUMMARY_JSON, {k: v for k, v in report.to_dict().items() if k != "results"})
    write_text(out / SUMMARY_MD, report.to_markdown())
    for warning in report.warnings:
        log.warning("%s", warning.message())
    for failure in report.failures:
        log.error("%s", failure.message())
    if not report.success:
        raise ValidationFailed(f"{len(report.failures)} fatal check(s) failed; see {out / 'summary.md'}")
    return {"success": True, "report": str(out / SUMMARY_MD)}
