"""Evaluate a policy against a JSON report dict (pure).

A rule whose input is missing from the report (score null, probe not_available, no contamination
run, ...) is *unverified*: it is listed in ``Verdict.unverified`` and does not fail the policy unless
``treat_not_available_as: fail`` (then it is a violation) - ``pass`` drops it silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from openaudit.errors import InvalidDocument
from openaudit.model import RunStatus
from openaudit.policy.licenses import expression_allowed, expression_denied
from openaudit.policy.load import Policy

MOF_ORDER = {"III": 1, "II": 2, "I": 3}
OSAI_ORDER = {"closed": 0, "partial": 1, "open": 2}
_UNOBSERVED_OUTCOMES = {"not_available", "error"}


@dataclass(frozen=True)
class Violation:
    rule: str  # e.g. "min_dimension_scores.license"
    expected: Any
    actual: Any
    message: str
    evidence: tuple[str, ...] = ()  # probe ids / report paths the verdict rests on

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "expected": self.expected,
            "actual": self.actual,
            "message": self.message,
            "evidence": list(self.evidence),
        }


@dataclass(frozen=True)
class Verdict:
    ok: bool
    violations: tuple[Violation, ...]
    unverified: tuple[Violation, ...]
    policy: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "ok": self.ok,
            "violations": [v.to_dict() for v in self.violations],
            "unverified": [v.to_dict() for v in self.unverified],
        }


class _Acc:
    def __init__(self, mode: str):
        self.mode = mode
        self.violations: list[Violation] = []
        self.unverified: list[Violation] = []

    def fail(self, rule: str, expected: Any, actual: Any, message: str, evidence: tuple[str, ...] = ()) -> None:
        self.violations.append(Violation(rule, expected, actual, message, evidence))

    def unknown(self, rule: str, expected: Any, actual: Any, message: str, evidence: tuple[str, ...] = ()) -> None:
        if self.mode == "pass":
            return
        v = Violation(rule, expected, actual, message + " (not observed)", evidence)
        (self.violations if self.mode == "fail" else self.unverified).append(v)


def _get(d: Any, *keys: str) -> Any:
    for k in keys:
        if not isinstance(d, Mapping):
            return None
        d = d.get(k)
    return d


def _list(x: Any) -> list[Any]:
    return x if isinstance(x, list) else []


def _num(x: Any) -> float | None:
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else None


def _findings(report: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    out: dict[str, Mapping[str, Any]] = {}
    for dim in _list(report.get("dimensions")):
        fs = dim.get("findings") if isinstance(dim, Mapping) else None
        for f in _list(fs):
            if isinstance(f, Mapping) and isinstance(f.get("probe"), str):
                out.setdefault(f["probe"], f)
    return out


def _overall_minimum(report: Mapping[str, Any], acc: _Acc, key: str, minimum: float, why: str = "") -> None:
    """``overall.<key>`` must be at least ``minimum`` (rules ``min_overall_score`` / ``min_confidence``)."""
    rule = "min_overall_score" if key == "score" else f"min_{key}"
    v = _num(_get(report, "overall", key))
    if v is None:
        acc.unknown(rule, minimum, None, f"overall {key} is not available", (f"overall.{key}",))
    elif v < minimum:
        acc.fail(rule, minimum, v, f"overall {key} {v:g} is below {minimum:g}{why}", (f"overall.{key}",))


def _scores(report: Mapping[str, Any], p: Policy, acc: _Acc) -> None:
    if p.min_overall_score is not None:
        _overall_minimum(report, acc, "score", p.min_overall_score)
    dims = {d.get("id"): d for d in _list(report.get("dimensions")) if isinstance(d, Mapping)}
    for dim, minimum in p.min_dimension_scores.items():
        d = dims.get(dim)
        s = _num(d.get("score")) if d else None
        rule = f"min_dimension_scores.{dim}"
        if s is None:
            acc.unknown(rule, minimum, None, f"{dim} score is not available", (f"dimensions.{dim}",))
        elif s < minimum:
            failing = tuple(
                str(f.get("probe"))
                for f in _list(d.get("findings"))
                if isinstance(f, Mapping) and f.get("outcome") in ("fail", "partial")
            )
            acc.fail(rule, minimum, s, f"{dim} score {s:g} is below {minimum:g}", failing)


def _probes(report: Mapping[str, Any], p: Policy, acc: _Acc) -> None:
    fs = _findings(report)
    for pid in p.required_probes_pass:
        f = fs.get(pid)
        outcome = f.get("outcome") if f else None
        rule = f"required_probes_pass.{pid}"
        if outcome in ("pass", "not_applicable"):
            continue
        if outcome in ("fail", "partial"):
            acc.fail(rule, "pass", outcome, f"{pid} is {outcome}: {f.get('message', '')}".rstrip(": "), (pid,))
        else:
            acc.unknown(rule, "pass", outcome, f"{pid} has no observed answer", (pid,))
    for pid, banned in p.forbid_outcomes.items():
        f = fs.get(pid)
        rule = f"forbid_outcomes.{pid}"
        if f is None:
            acc.unknown(rule, f"not {'/'.join(banned)}", None, f"{pid} is not in the report", (pid,))
        elif f.get("outcome") in banned:
            acc.fail(
                rule,
                f"not {'/'.join(banned)}",
                f.get("outcome"),
                f"{pid} is {f.get('outcome')}: {f.get('message', '')}".rstrip(": "),
                (pid,),
            )


def _license(report: Mapping[str, Any], p: Policy, acc: _Acc) -> None:
    lic = report.get("license") if isinstance(report.get("license"), Mapping) else {}
    spdx = lic.get("spdx") if isinstance(lic.get("spdx"), str) and lic.get("spdx").strip() else None
    category = lic.get("category") if isinstance(lic.get("category"), str) else None
    shown = spdx or category
    ev = ("license.spdx", "license.category")
    if p.license_allow:
        allow = {x.lower() for x in p.license_allow}
        if spdx is None and category is None:
            acc.unknown("license.allow", list(p.license_allow), None, "the license could not be identified", ev)
        elif not ((category and category.lower() in allow) or (spdx and expression_allowed(spdx, allow))):
            acc.fail(
                "license.allow",
                list(p.license_allow),
                shown,
                f"license {shown} ({category or 'unknown category'}) is not in the allow list",
                ev,
            )
    if p.license_deny:
        deny = {x.lower() for x in p.license_deny}
        if spdx is None and category is None:
            acc.unknown("license.deny", list(p.license_deny), None, "the license could not be identified", ev)
        elif (category and category.lower() in deny) or (spdx and expression_denied(spdx, deny)):
            acc.fail(
                "license.deny",
                list(p.license_deny),
                shown,
                f"license {shown} ({category or 'unknown category'}) is denied",
                ev,
            )
    if p.require_commercial_use:
        cu = lic.get("commercial_use")
        if cu is True or (cu == "conditional" and p.accept_conditional_commercial_use):
            pass
        elif cu == "conditional":
            cond = lic.get("commercial_use_conditions") or "conditions in the license"
            acc.fail(
                "require_commercial_use",
                True,
                "conditional",
                f"license {shown or 'unknown'} allows commercial use only under conditions ({cond}); "
                "set accept_conditional_commercial_use to accept",
                ("license.commercial_use",),
            )
        elif cu is False:
            acc.fail(
                "require_commercial_use",
                True,
                False,
                f"license {shown or 'unknown'} does not allow commercial use",
                ("license.commercial_use",),
            )
        else:
            acc.unknown(
                "require_commercial_use",
                True,
                cu,
                "commercial use could not be determined",
                ("license.commercial_use",),
            )


def _frameworks(report: Mapping[str, Any], p: Policy, acc: _Acc) -> None:
    fw = report.get("frameworks") if isinstance(report.get("frameworks"), Mapping) else {}
    if p.min_mof_class:
        mof = fw.get("mof") if isinstance(fw.get("mof"), Mapping) else {}
        got = mof.get("class") if isinstance(mof.get("class"), str) else None
        need = MOF_ORDER[p.min_mof_class]
        if got in MOF_ORDER and MOF_ORDER[got] >= need:
            pass
        else:
            progress = mof.get("progress") if isinstance(mof.get("progress"), Mapping) else {}
            status = _get(progress, p.min_mof_class, "status")
            missing = _list(_get(progress, p.min_mof_class, "missing"))
            names = tuple(str(m.get("component")) for m in missing if isinstance(m, Mapping))
            if status == "unverified" or (not mof):
                acc.unknown(
                    "min_mof_class",
                    p.min_mof_class,
                    got,
                    f"MOF class {p.min_mof_class} could not be verified (unverified: {', '.join(names) or 'no MOF result'})",
                    names,
                )
            else:
                acc.fail(
                    "min_mof_class",
                    p.min_mof_class,
                    got,
                    f"MOF class {got or 'none'} is below {p.min_mof_class} (missing: {', '.join(names) or 'unknown'})",
                    names,
                )
    if p.require_osaid:
        osaid = fw.get("osaid") if isinstance(fw.get("osaid"), Mapping) else {}
        verdict = osaid.get("verdict")
        missing = tuple(str(m.get("item")) for m in _list(osaid.get("missing")) if isinstance(m, Mapping))
        if verdict == "open-source-ai":
            pass
        elif verdict == "not-open-source-ai":
            acc.fail(
                "require_osaid",
                "open-source-ai",
                verdict,
                f"not Open Source AI (missing: {', '.join(missing)})",
                missing,
            )
        else:
            acc.unknown("require_osaid", "open-source-ai", verdict, f"OSAID verdict is {verdict or 'absent'}", missing)
    osai = fw.get("osai") if isinstance(fw.get("osai"), Mapping) else {}
    for dim, need in p.require_osai.items():
        got = osai.get(dim)
        if isinstance(got, Mapping):
            got = got.get("grade")
        got = got if isinstance(got, str) else None
        rule = f"require_osai.{dim}"
        probes = tuple(str(x) for x in _list(_get(fw, "osai_evidence", "dimensions", dim, "probes")))
        if got not in OSAI_ORDER:
            acc.unknown(rule, need, got, f"OSAI {dim} is {got or 'absent'}", probes)
        elif OSAI_ORDER[got] < OSAI_ORDER[need]:
            acc.fail(rule, need, got, f"OSAI {dim} is {got}, policy needs {need}", probes)


def _heavy(report: Mapping[str, Any], p: Policy, acc: _Acc) -> None:
    if p.max_contamination_rate is not None:
        benches = _get(report, "contamination", "benchmarks")
        rates = [(b.get("name"), _num(b.get("rate"))) for b in _list(benches) if isinstance(b, Mapping)]
        rates = [(n, r) for n, r in rates if r is not None]
        # an incomplete scan's rate is a lower bound: it can fail the rule, never meet it
        partial = [
            str(b.get("name"))
            for b in _list(benches)
            if isinstance(b, Mapping) and b.get("status", RunStatus.COMPLETE.value) != RunStatus.COMPLETE.value
        ]
        if not rates:
            acc.unknown(
                "max_contamination_rate",
                p.max_contamination_rate,
                None,
                "no contamination result in the report",
                ("contamination",),
            )
        else:
            name, worst = max(rates, key=lambda x: x[1])
            if worst > p.max_contamination_rate:
                acc.fail(
                    "max_contamination_rate",
                    p.max_contamination_rate,
                    worst,
                    f"benchmark {name} contamination rate {worst:.4g} exceeds {p.max_contamination_rate:g}",
                    (f"contamination.benchmarks.{name}",),
                )
            elif partial:
                acc.unknown(
                    "max_contamination_rate",
                    p.max_contamination_rate,
                    worst,
                    f"contamination scan incomplete for {', '.join(partial)}: the rate is a lower bound",
                    tuple(f"contamination.benchmarks.{n}.problems" for n in partial),
                )
    if p.require_verification:
        verdict = _get(report, "verification", "verdict")
        if not isinstance(verdict, str):
            acc.unknown(
                "require_verification",
                list(p.require_verification),
                None,
                "no verification result in the report",
                ("verification",),
            )
        elif verdict not in p.require_verification:
            acc.fail(
                "require_verification",
                list(p.require_verification),
                verdict,
                f"verification verdict {verdict} is not one of {', '.join(p.require_verification)}",
                ("verification.verdict",),
            )


def _failed_checks(report: Mapping[str, Any], p: Policy, acc: _Acc) -> None:
    """A failed check never improves a verdict: ``fail_on_error`` turns every ERROR finding into a
    violation; ``min_confidence`` gates on how much of the rubric was actually observed."""
    if p.fail_on_error:
        errors = sorted(pid for pid, f in _findings(report).items() if f.get("outcome") == "error")
        if errors:
            acc.fail(
                "fail_on_error",
                "no errors",
                errors,
                f"{len(errors)} check(s) failed to run: {', '.join(errors[:6])}",
                tuple(errors),
            )
    if p.min_confidence is not None:
        _overall_minimum(report, acc, "confidence", p.min_confidence, " (too little of the rubric was observed)")


def evaluate(report: Mapping[str, Any], policy: Policy) -> Verdict:
    """Check ``report`` (a JSON report dict, see Report.to_dict) against ``policy``."""
    if not isinstance(report, Mapping):
        raise InvalidDocument("report: $: a report must be a JSON object")
    acc = _Acc(policy.treat_not_available_as)
    _scores(report, policy, acc)
    _probes(report, policy, acc)
    _license(report, policy, acc)
    _frameworks(report, policy, acc)
    _heavy(report, policy, acc)
    _failed_checks(report, policy, acc)
    return Verdict(
        ok=not acc.violations, violations=tuple(acc.violations), unverified=tuple(acc.unverified), policy=policy.name
    )
