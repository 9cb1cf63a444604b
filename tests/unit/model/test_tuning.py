"""A tiny Optuna study: seeded, deterministic and resumable from its journal file."""

import warnings

import numpy as np
import pandas as pd

from creditrisk.config import CatBoostParams
from creditrisk.model.cost import CostParams
from creditrisk.model.training import stratified_folds
from creditrisk.model.tuning import open_storage, tune


def _data():
    rng = np.random.default_rng(4)
    x = pd.DataFrame({"a": rng.normal(size=500), "b": rng.normal(size=500), "c": rng.choice(["u", "v"], 500)})
    y = (x["a"] - x["b"] + rng.normal(size=500) > 1.2).astype(int).to_numpy()
    return x, y


def test_same_seed_same_study_and_the_journal_resumes(tmp_path):
    warnings.filterwarnings("ignore", message="CatBoostPruningCallback is experimental")
    x, y = _data()
    folds = stratified_folds(y, 2, seed=0)
    base = CatBoostParams(iterations=120, early_stopping_rounds=60, learning_rate=0.3)
    kwargs = dict(cat_features=["c"], base=base, folds=folds, seed=7, costs=CostParams(), timeout=None)
    first = tune(x, y, n_trials=3, storage=open_storage("journal", tmp_path / "a.journal"), **kwargs).trials
    second = tune(x, y, n_trials=3, storage=open_storage("journal", tmp_path / "b.journal"), **kwargs).trials
    assert len(first) == 3
    assert [t.params for t in first] == [t.params for t in second]
    assert [(t.state, t.value) for t in first] == [(t.state, t.value) for t in second]
    resumed = tune(x, y, n_trials=4, storage=open_storage("journal", tmp_path / "a.journal"), **kwargs)
    assert len(resumed.trials) == 4  # three loaded from the journal, one new
    assert [t.params for t in resumed.trials[:3]] == [t.params for t in first]
    assert resumed.best_value <= min(t.value for t in first if t.state.name == "COMPLETE")
    assert all(0 < t.user_attrs["cv_auc"] <= 1 for t in resumed.trials if t.state.name == "COMPLETE")
    assert any(t.state.name == "PRUNED" for t in resumed.trials)  # the pruning callback did stop a trial


def test_a_pruned_trial_is_reported_as_pruned_not_with_a_cost():
    """A pruned trial's value is the pruner's intermediate Logloss (0.29 here): not a business cost to list."""
    import optuna
    from optuna.distributions import IntDistribution
    from optuna.trial import TrialState, create_trial

    from creditrisk.model.candidate import study_report

    study = optuna.create_study(direction="minimize")
    depth = {"depth": IntDistribution(4, 8)}
    study.add_trial(create_trial(state=TrialState.COMPLETE, value=0.484, params={"depth": 6}, distributions=depth,
                                 user_attrs={"cv_auc": 0.8, "trees": 85}))
    study.add_trial(create_trial(state=TrialState.PRUNED, params={"depth": 4}, distributions=depth,
                                 intermediate_values={5: 0.35, 9: 0.29}))
    report = study_report(study)
    complete, pruned = report["trials"]
    assert complete["cost_per_client"] == 0.484 and report["best_cost_per_client"] == 0.484
    assert complete["trees"] == 85 and report["n_trials"] == 2
    assert pruned["state"] == "PRUNED" and pruned["cost_per_client"] is None
    assert (pruned["pruned_at_step"], pruned["last_logloss"]) == (9, 0.29)


def _worker(storage: str, journal: str, worker: int, n_trials: int, ready=None) -> None:
    """One tuning worker process on the shared study (what `creditrisk tune-worker` starts); ``ready``: a barrier
    both workers pass once started (a worker slow to start could otherwise find the budget spent by the other)."""
    warnings.filterwarnings("ignore", message="CatBoostPruningCallback is experimental")
    x, y = _data()
    if ready is not None:
        ready.wait(timeout=120)
    tune(x, y, ["c"], CatBoostParams(iterations=40, early_stopping_rounds=10), stratified_folds(y, 2, seed=0), 7,
         CostParams(), n_trials, None, open_storage(storage, journal), worker=worker)


def _two_workers(storage: str, journal: str) -> list:
    import multiprocessing

    from creditrisk.model.tuning import open_study

    open_study(open_storage(storage, journal), 7)  # created once, before the workers
    context = multiprocessing.get_context("spawn")
    ready = context.Barrier(2)
    workers = [context.Process(target=_worker, args=(storage, journal, k, 6, ready)) for k in (1, 2)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=240)
    assert [p.exitcode for p in workers] == [0, 0]
    return open_study(open_storage(storage, journal), 7).trials


def test_two_workers_on_postgresql(postgres_url, tmp_path):
    import optuna

    from tests.engines import create_database

    trials = _two_workers(create_database(postgres_url, "optuna"), str(tmp_path / "unused.journal"))
    finished = [t for t in trials if t.state in (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)]
    assert len(finished) == 6 and len({tuple(sorted(t.params.items())) for t in finished}) == 6
    assert {t.user_attrs["worker"] for t in finished} == {1, 2}


def test_two_workers_share_one_budget_without_duplicate_trials(tmp_path):
    import optuna

    trials = _two_workers("journal", str(tmp_path / "shared.journal"))
    finished = [t for t in trials if t.state in (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED)]
    assert len(finished) == 6  # the budget holds across workers
    assert all(t.state == optuna.trial.TrialState.FAIL and not t.params for t in trials if t not in finished)
    params = [tuple(sorted(t.params.items())) for t in finished]
    assert len(set(params)) == len(params)  # seed + worker: no trial proposed twice
    assert {t.user_attrs["worker"] for t in finished} == {1, 2}  # both worked


def _slow_worker(storage: str, n_trials: int) -> None:
    """A worker whose trials last seconds (large data, many trees), heartbeat every second."""
    warnings.filterwarnings("ignore", message="CatBoostPruningCallback is experimental")
    rng = np.random.default_rng(5)
    x = pd.DataFrame({"a": rng.normal(size=10_000), "b": rng.normal(size=10_000),
                      "c": rng.choice(["u", "v"], 10_000)})
    y = (x["a"] - x["b"] + rng.normal(size=10_000) > 1.2).astype(int).to_numpy()
    tune(x, y, ["c"], CatBoostParams(iterations=250, early_stopping_rounds=250), stratified_folds(y, 2, seed=0), 7,
         CostParams(), n_trials, None, open_storage(storage, "unused", heartbeat=1), worker=1)


def test_the_trial_of_a_killed_worker_is_run_again_by_a_live_one(postgres_url):
    """SIGKILL a worker in the middle of a trial: its heartbeat stops, the next worker fails that trial, runs it
    again with the same parameters, and the study still ends with the budget's number of finished trials."""
    import multiprocessing
    import os
    import signal
    import time

    import optuna

    from creditrisk.model.tuning import open_study
    from tests.engines import create_database

    url = create_database(postgres_url, "optuna_killed")
    study = open_study(open_storage(url, "unused", heartbeat=1), 7)
    doomed = multiprocessing.get_context("spawn").Process(target=_slow_worker, args=(url, 2))
    doomed.start()
    deadline = time.monotonic() + 120
    while not (running := study.get_trials(states=(optuna.trial.TrialState.RUNNING,))) or not running[0].params:
        assert time.monotonic() < deadline and doomed.is_alive(), "the worker never started a trial"
        time.sleep(0.2)
    os.kill(doomed.pid, signal.SIGKILL)
    doomed.join()
    killed = running[0]
    time.sleep(2.5)  # the grace period (twice the heartbeat) passes
    _slow_worker(url, 2)  # a live worker on the same study
    trials = {t.number: t for t in open_study(open_storage(url, "unused", heartbeat=1), 7).trials}
    dead = trials[killed.number]  # as stored: the worker may have drawn more parameters before the kill
    assert dead.state == optuna.trial.TrialState.FAIL and killed.params.items() <= dead.params.items()
    (retry,) = [t for t in trials.values() if t.system_attrs.get("failed_trial") == killed.number]
    # the retry runs the dead trial's parameters (those drawn before the kill; the rest drawn anew)
    assert dead.params.items() <= retry.params.items() and retry.state == optuna.trial.TrialState.COMPLETE
    finished = [t for t in trials.values() if t.state == optuna.trial.TrialState.COMPLETE]
    assert len(finished) == 2  # the budget: the dead worker's trial did not count
