"""The promotion gate: a candidate becomes champion only when no test of the battery is red and its holdout cost
is lower than the champion's; the registry records which tests passed, and a red test names itself."""

from __future__ import annotations

from creditrisk.governance.battery import AMBER, GREEN, RED, STABILITY, Champion


def promotion_gate(tests: list[dict], cost: float, champion: Champion | None, candidate_version: int,
                   mode: str = "enforce", signoff: str = "") -> dict:
    """A candidate becomes champion only when no test is red and its holdout cost is lower than the champion's
    (the first model needs only the tests; a tie keeps the champion). A red stability test (a population shift)
    does not block when a sign-off is recorded (``signoff``) and the AUC expected on the production clients is not
    red: the shift is accepted by a person, in writing, and the documents say so. In ``report`` mode red tests are
    recorded but do not block (exploration, never production)."""
    red = [t for t in tests if t["light"] == RED]
    expected_red = any(t["key"] == "expected_auc" for t in red)
    signed = [t for t in red if signoff and t["key"] in STABILITY and not expected_red]
    blocking = [t for t in red if t not in signed] if mode == "enforce" else []
    passed = [f"{t['test']} ({t['sample']})" for t in tests if t["light"] in (GREEN, AMBER)]
    reasons = [f"red test: {t['test']} ({t['sample']})" for t in blocking]
    costlier = champion is not None and champion.cost is not None and not cost < champion.cost
    if costlier:
        reasons.append(f"holdout cost {cost:.4f} is not lower than champion version {champion.version}'s "
                       f"{champion.cost:.4f} on the same clients")
    return {"promote": not reasons, "reasons": reasons,  # the reasons in words; in fields for other languages:
            "blocking_tests": _named(blocking), "signed_off_tests": _named(signed), "costlier": costlier,
            "red_tests": [f"{t['test']} ({t['sample']})" for t in red],
            "signed_off": [f"{t['test']} ({t['sample']})" for t in signed], "signoff": signoff if signed else "",
            "passed_tests": passed, "candidate_version": candidate_version, "candidate_cost": cost,
            "champion_version": champion.version if champion else None,
            "champion_cost": champion.cost if champion else None, "mode": mode}


def _named(tests: list[dict]) -> list[dict[str, str]]:
    """Tests by key and sample, for a document in another language than the battery's names."""
    return [{"key": t["key"], "sample": t["sample"]} for t in tests]
