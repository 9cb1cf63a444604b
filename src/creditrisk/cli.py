"""``creditrisk`` command line: the pipeline stages, usable outside DVC (e.g. to generate data of any size)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

from creditrisk.artefacts.catalogue import REPORT_JSON, HoldoutMetrics, Paths, RegistryEntry
from creditrisk.config import BaseParams, DataParams, GenerateParams, Params, ValidateParams, load_params
from creditrisk.errors import EXIT_INTERNAL_ERROR, ConfigError, CreditRiskError, MissingInput, NothingPublished
from creditrisk.logs import configure_logging
from creditrisk.stages import STAGES, runner


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="creditrisk", description=__doc__)
    parser.add_argument("--root", type=Path, default=Path("."), help="project root (default: current folder)")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    _data_commands(sub)
    _operations_commands(sub)
    _decision_commands(sub)
    _pipeline_commands(sub)
    return parser


def _data_commands(sub) -> None:
    """generate, fidelity, ingest, validate: the data stages, usable on data of any size."""
    gen = sub.add_parser("generate", help="write the synthetic Home Credit files and their true PD")
    defaults = GenerateParams()
    gen.add_argument("--n-train", type=int, default=defaults.n_train, help="applicants in application_train")
    gen.add_argument("--n-test", type=int, default=defaults.n_test, help="applicants in application_test")
    gen.add_argument("--seed", type=int, default=42)
    gen.add_argument("--chunk-size", type=int, default=defaults.chunk_size)
    gen.add_argument("--full-size", action="store_true", help="Kaggle size: 307,511 + 48,744 applicants")
    sub.add_parser("fidelity", help="compare data/synthetic with the reference statistics")
    ing = sub.add_parser("ingest", help="raw CSV files -> typed parquet tables")
    ing.add_argument("--source", choices=("synthetic", "raw"), default="synthetic")
    val = sub.add_parser("validate", help="validate the typed tables (great-expectations)")
    val.add_argument("--orphans", choices=("warn", "fail"), default="warn",
                     help="history rows whose parent is absent: a warning (left out of the features) or a failure")
    val.add_argument("--max-orphan-share", type=float, default=0.0, help="with --orphans fail: the share tolerated")


def _operations_commands(sub) -> None:
    """monitor, tune-worker, bucket, score-portfolio: production monitoring and the scale-out engines."""
    mon = sub.add_parser("monitor", help="production drift and validation tests of the service's logged traffic, and "
                         "a back-test when outcomes are given (exit 4 = alert: drift or a red test, "
                         "3 = too few scored clients for a verdict, 1 = something to fix, 70 = internal error)")
    mon.add_argument("--traffic", type=Path, default=None,
                     help="traffic log folder (default: $CREDITRISK_TRAFFIC_DIR or data/traffic)")
    mon.add_argument("--days", type=int, default=None, help="window in days (default: params monitor.window_days)")
    mon.add_argument("--max-share", type=float, default=None,
                     help="alert above this share of drifted columns (default: params monitor.max_share_drifted)")
    mon.add_argument("--labels", type=Path, default=None,
                     help="outcomes to back-test the PDs of record against (CSV or Parquet: SK_ID_CURR, TARGET 0/1, "
                          "OUTCOME_DATE)")
    worker = sub.add_parser("tune-worker", help="start tuning workers on the study of params tune.storage (worker k "
                            "samples with seed + k; together they stop at tune.n_trials finished trials)")
    worker.add_argument("--workers", type=int, default=2, help="processes to start on this machine")
    worker.add_argument("--first-worker", type=int, default=1,
                        help="number of the first (0 is the DVC stage's; give each machine its own range)")
    bucket = sub.add_parser("bucket", help="Spark: split the ingested applicants and their history rows into buckets "
                            "by a hash of SK_ID_CURR (the input of score-portfolio)")
    bucket.add_argument("--application", default="application_test",
                        help="the ingested applications table(s) to score, comma-separated (default: "
                             "application_test; application_train,application_test for everyone)")
    bucket.add_argument("--interim", type=Path, default=None, help="the ingested tables (default: data/interim)")
    bucket.add_argument("--buckets", type=int, default=None, help="number of buckets (default: params portfolio)")
    bucket.add_argument("--out", type=Path, default=None, help="default: data/portfolio/buckets")
    bucket.add_argument("--master", default=None, help="Spark master (default: params portfolio.master)")
    score = sub.add_parser("score-portfolio", help="Spark: score every bucketed applicant with the registry's "
                           "champion and the training feature builder -> Parquet partitioned by run date")
    score.add_argument("--buckets-dir", type=Path, default=None, help="default: data/portfolio/buckets")
    score.add_argument("--out", type=Path, default=None, help="default: data/portfolio/scores")
    score.add_argument("--run-date", type=date.fromisoformat, default=None, help="YYYY-MM-DD (default: today)")
    score.add_argument("--master", default=None, help="Spark master (default: params portfolio.master)")


def _decision_commands(sub) -> None:
    """decisions, replay, users: the decisions of record and the accounts of the review workflow."""
    dec = sub.add_parser("decisions", help="the decisions of record ($CREDITRISK_DECISIONS_URL or params "
                         "decisions.database)")
    dec_sub = dec.add_subparsers(dest="action", required=True)
    dec_sub.add_parser("migrate", help="create or upgrade the database schema (Alembic)")
    dec_sub.add_parser("settings", help="the service's decision settings as shell exports (scripts/serve.sh)")
    dec_sub.add_parser("verify", help="recompute the keyed hash chain and compare it with the checkpoints: exit 4 "
                       "when a record was edited, deleted, rewritten or the chain truncated (the first bad record "
                       "is named)")
    dec_sub.add_parser("checkpoint", help="append the chain's head to the checkpoint file now (e.g. hourly)")
    purge = dec_sub.add_parser("purge", help="delete the records older than params decisions.retention_years")
    purge.add_argument("--actor", default=None, help="who runs the purge (kept in the purge log)")
    exp = dec_sub.add_parser("export", help="every record for an auditor (no password, no token)")
    exp.add_argument("--out", type=Path, required=True, help="a .csv or .parquet file")
    exp.add_argument("--since", default=None, help="ISO date: records from then on")
    over = dec_sub.add_parser("oversight", help="overrides, reviews and the review queue, per week")
    over.add_argument("--weeks", type=int, default=12)
    rep = sub.add_parser("replay", help="re-score a recorded decision with its stored input and model version "
                         "(exit 4 when it differs)")
    rep.add_argument("decision_id", type=int)
    from creditrisk.decisions.tables import ROLES  # one list of roles (the store's)

    usr = sub.add_parser("users", help=f"accounts of the review workflow (roles: {', '.join(ROLES)})")
    usr_sub = usr.add_subparsers(dest="action", required=True)
    add = usr_sub.add_parser("add", help="create an account; the password is read from standard input")
    add.add_argument("name")
    add.add_argument("--role", required=True, choices=ROLES)
    disable = usr_sub.add_parser("disable", help="disable an account (its tokens stop working at once)")
    disable.add_argument("name")
    usr_sub.add_parser("list", help="the accounts and their roles (never a password)")
    demo = usr_sub.add_parser("demo", help="on a database without accounts: one account per role, random passwords "
                              "written to a file only its owner reads (make run)")
    demo.add_argument("--out", type=Path, required=True)


def _pipeline_commands(sub) -> None:
    """stage, summary, publish: one DVC stage, the run's headline figures, the served model."""
    stage = sub.add_parser("stage", help="run one DVC stage with params.yaml, as `dvc repro` would (without its "
                                         "cache): " + ", ".join(STAGES))
    stage.add_argument("name", choices=STAGES)
    sub.add_parser("summary", help="the pipeline's headline figures with their 95 %% intervals, and where the "
                   "reports are")
    pub = sub.add_parser("publish", help="MLflow champion -> models/serving -> BentoML model store")
    pub.add_argument("--import-only", action="store_true",
                     help="only import the existing models/serving into the BentoML store (if not there yet)")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    configure_logging("DEBUG" if args.verbose else "INFO")
    paths = Paths(args.root)
    try:
        if args.command == "monitor":
            return _monitor(args, paths)
        if args.command == "summary":
            print(summary(paths))
            return 0
        if args.command in ("decisions", "replay", "users"):
            return _decisions(args, paths)
        result = _run(args, paths)
    except CreditRiskError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_code
    except Exception:
        logging.getLogger("creditrisk").exception("internal error (a bug in the project, not in your input)")
        return EXIT_INTERNAL_ERROR
    print(json.dumps(result, indent=2, default=str))
    return 0


def _run(args: argparse.Namespace, paths: Paths) -> dict:
    """The stage runner of the command, with the command line's settings over the defaults."""
    from creditrisk.stages import fidelity, generate, ingest, validate

    if args.command == "generate":
        n_train, n_test = (307_511, 48_744) if args.full_size else (args.n_train, args.n_test)
        params = replace(Params(), base=BaseParams(seed=args.seed),
                         generate=GenerateParams(n_train=n_train, n_test=n_test, chunk_size=args.chunk_size))
        return generate.run_generate(params, paths)
    if args.command == "tune-worker":
        from creditrisk.stages.tune import run_tune_workers

        if args.workers < 1 or args.first_worker < 0:
            raise ConfigError(f"--workers {args.workers} --first-worker {args.first_worker}: expected at least one "
                              "worker, numbered from 0 up")
        return run_tune_workers(load_params(paths.root / "params.yaml"), paths, args.workers, args.first_worker)
    if args.command in ("bucket", "score-portfolio"):
        return _portfolio(args, paths)
    if args.command == "fidelity":
        return fidelity.run_fidelity(Params(), paths)
    if args.command == "ingest":
        return ingest.run_ingest(replace(Params(), data=DataParams(source=args.source)), paths)
    if args.command == "validate":
        checks = ValidateParams(orphans=args.orphans, max_orphan_share=args.max_orphan_share)
        params = replace(Params(), validate=checks)
        return validate.run_validate(params, paths)
    if args.command == "stage":
        return runner(args.name)(load_params(paths.root / "params.yaml"), paths)
    if args.command == "publish":
        return _publish(args, paths)
    raise RuntimeError(f"command {args.command!r} has no handler")  # a bug: the parser knows a command we do not


def summary(paths: Paths) -> str:
    """A few lines a person reads at the end of `make run`: the data, the holdout's headline figures with their
    intervals, the validation's lights and the gate's verdict in its mode, what is served, and where the reports
    are."""
    for path in (paths.metrics, paths.data_summary, paths.registry, paths.model_validation / REPORT_JSON):
        if not path.exists():
            raise MissingInput(f"{path} not found: run the pipeline first (`make run` or `dvc repro`)")
    metrics = HoldoutMetrics.read(paths.metrics)
    m = metrics.values
    data = json.loads(paths.data_summary.read_text())
    registry = RegistryEntry.read(paths.registry)
    lights = json.loads((paths.model_validation / REPORT_JSON).read_text())["lights"]
    kind = "built-in synthetic data" if data["synthetic"] else f"real files in {data['folder']}"
    files = len(data["tables"])
    lines = [f"Data: {kind} ({files} of the 8 Home Credit files); {data['train_applicants']:,} training applicants "
             f"(default rate {data['default_rate']:.1%}), {data['production_applicants']:,} production clients.",
             f"Holdout ({metrics.holdout_rows:,} applicants, {metrics.holdout_defaults} defaults, scored once), "
             "95 % intervals in brackets:",
             f"  AUC                     {_interval(m, 'auc')}",
             f"  business cost / client  {_interval(m, 'business_cost_per_client')}  (refusing no one: "
             f"{m['baseline_refuse_no_one_cv_cost_per_client']:.3f} in CV)",
             f"  threshold on the PD     {_interval(m, 'threshold')}; approval rate {metrics.approval_rate:.1%}"]
    if not metrics.enough_data:
        lines.append(f"  not enough data for a verdict: fewer than {m['min_defaults']} defaults "
                     "(evaluate.min_defaults); the figures are indicative")
    if "auc_to_oracle" in m:
        share = _interval(m, "auc_to_oracle") if "auc_to_oracle_ci95_low" in m else f"{m['auc_to_oracle']:.3f}"
        lines.append(f"  share of the best possible AUC (true PD of the synthetic data): {share}")
    lines += [f"Validation: {lights['green']} green, {lights['amber']} amber, {lights['red']} red, "
              f"{lights['not_enough_data']} without enough data; gate mode {registry.gate['mode']}.",
              f"MLflow: {registry.registered_model} version {registry.version} {_verdict(registry)}",
              f"Served: {_served(paths)}",
              "Reports: reports/model_card.md, reports/validation_model/report.md, docs/methodology.md, "
              "reports/validation/summary.md, "
              "reports/drift/data_drift.html; MLflow UI: .venv/bin/mlflow ui --backend-store-uri sqlite:///mlflow.db"]
    return "\n".join(lines)


def _verdict(registry: RegistryEntry) -> str:
    """The gate's verdict on this run's candidate, in its mode, with the red tests it let through."""
    gate = registry.gate
    if not registry.promoted:
        return f"was not promoted: {'; '.join(gate['reasons'])}."
    text = "passed the validation gate"
    if gate.get("signed_off"):
        text += (f" with {len(gate['signed_off'])} red stability test(s) signed off ({'; '.join(gate['signed_off'])}"
                 f"; sign-off: {gate['signoff']})")
    if gate["mode"] == "report" and gate["red_tests"]:
        text = (f"was promoted in REPORT mode despite {len(gate['red_tests'])} red test(s) ("
                f"{'; '.join(gate['red_tests'])}): for exploration, never for production")
    served = registry.served_version
    if served is not None and served != registry.version:
        text += f"; its recipe refitted on every labelled row is version {served}"
    return text + "."


def _served(paths: Paths) -> str:
    """What `bentoml serve` would serve from models/serving."""
    from creditrisk.artefacts.bundle import Bundle
    from creditrisk.service.model_store import not_published

    if not paths.serving.exists():
        return "nothing yet (the publish stage has not run)."
    reason = not_published(paths.serving)
    if reason:
        return reason
    bundle = Bundle.read(paths.serving)
    return (f"version {bundle.served.model_version} ({bundle.data_source} data, fitted on {bundle.fitted_on}, "
            f"{bundle.train_rows:,} rows).")


def _interval(metrics: dict, key: str) -> str:
    return f"{metrics[key]:.3f}  [{metrics[f'{key}_ci95_low']:.3f} - {metrics[f'{key}_ci95_high']:.3f}]"


def _monitor(args: argparse.Namespace, paths: Paths) -> int:
    import os

    from creditrisk.monitoring.production import monitor

    params = load_params(paths.root / "params.yaml")
    traffic = args.traffic or Path(os.environ.get("CREDITRISK_TRAFFIC_DIR", paths.traffic))
    days = args.days if args.days is not None else params.monitor.window_days
    share = args.max_share if args.max_share is not None else params.monitor.max_share_drifted
    result = monitor(params, paths, traffic, days, share, labels=args.labels, oversight=_oversight(params, paths))
    print(json.dumps({k: v for k, v in result.summary.items() if k != "features"}, indent=2, default=str))
    return result.exit_code


def _portfolio(args: argparse.Namespace, paths: Paths) -> dict:
    from creditrisk.stages import portfolio

    params = load_params(paths.root / "params.yaml")
    if args.command == "bucket":
        if args.buckets is not None and args.buckets < 1:
            raise ConfigError(f"--buckets {args.buckets}: expected a whole number >= 1")
        return portfolio.run_bucket(params, paths, args.application.split(","), args.interim, args.out, args.master,
                                    args.buckets)
    return portfolio.run_score_portfolio(params, paths, args.buckets_dir, args.out, args.master,
                                         args.run_date or date.today())


def _decisions(args: argparse.Namespace, paths: Paths) -> int:
    """The decision store's commands; verify and replay exit 4 when they find a difference."""
    from creditrisk.decisions.commands import run

    params = load_params(paths.root / "params.yaml")
    if args.command == "decisions" and args.action == "settings":
        from creditrisk.decisions.commands import settings

        print(settings(params, paths))
        return 0
    if args.command == "replay":
        result = run("replay", params, paths, decision_id=args.decision_id)
    elif args.command == "users":
        options = {"name": getattr(args, "name", None), "role": getattr(args, "role", None),
                   "out": getattr(args, "out", None)}
        if args.action == "add":
            options["password"] = _read_password()
        result = run(f"users-{args.action}", params, paths, **options)
    else:
        result = run(args.action, params, paths, actor=getattr(args, "actor", None), out=getattr(args, "out", None),
                     since=getattr(args, "since", None), weeks=getattr(args, "weeks", None))
    print(json.dumps(result, indent=2, default=str))
    differs = result.get("intact") is False or result.get("same") is False
    return 4 if differs else 0


def _read_password() -> str:
    """The new account's password: typed twice at a terminal (not echoed), else the first line of stdin."""
    import getpass

    if sys.stdin.isatty():
        first, second = getpass.getpass("password: "), getpass.getpass("again: ")
        if first != second:
            raise ConfigError("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\n")


def _oversight(params: Params, paths: Paths) -> dict | None:
    """The decision store's oversight figures for the monitoring report; None without a decision database."""
    import os

    from sqlalchemy.engine import make_url

    from creditrisk.decisions.commands import DECISIONS_URL_ENV, database_url, run

    url = make_url(database_url(params, paths))
    if (DECISIONS_URL_ENV not in os.environ and url.get_backend_name() == "sqlite"
            and not Path(url.database or "").exists()):
        return None  # nothing was ever recorded here
    try:
        return run("oversight", params, paths, weeks=params.monitor.window_days // 7 + 1)
    except CreditRiskError as error:
        return {"unavailable": f"The decision database could not be read: {error}"}


def _publish(args: argparse.Namespace, paths: Paths) -> dict:
    from creditrisk.service.model_store import import_to_bentoml, not_published
    from creditrisk.stages.publish import run_publish

    if args.import_only:
        if not paths.serving.exists():
            raise MissingInput(f"{paths.serving} does not exist: run `dvc repro publish` first")
        reason = not_published(paths.serving)
        if reason:
            raise NothingPublished(reason)
        return {"bento_model": import_to_bentoml(paths.serving)}
    return run_publish(load_params(paths.root / "params.yaml"), paths)


if __name__ == "__main__":
    sys.exit(main())
