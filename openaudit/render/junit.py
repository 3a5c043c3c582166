"""JUnit XML: a testsuite per dimension, a testcase per finding (failure for fail, skipped for
not_available/not_applicable, error for error), plus a ``policy`` suite for violations."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from openaudit.base.text import visible
from openaudit.render._common import (
    as_list,
    dimensions,
    evidence,
    evidence_location,
    findings,
    policy_violations,
    target_id,
    text,
    unverified_text,
)


def xml_text(value: Any) -> str:
    """Text XML 1.0 can carry and a reader cannot be misled by: controls, bidi, invisibles and
    surrogates shown as escapes (``base.text.visible``); tab and newline kept."""
    return visible(text(value))


def _details(f: dict[str, Any]) -> str:
    lines = [text(f.get("message"))]
    for ev in evidence(f):
        parts = [evidence_location(ev), text(ev.get("snippet")), text(ev.get("url"))]
        lines.append(f"  {text(ev.get('kind'))}: " + " ".join(p for p in parts if p))
    return xml_text("\n".join(lines))


def render_junit(report: dict[str, Any], *, policy_verdict: dict[str, Any] | None = None, **_opts: Any) -> str:
    tid = target_id(report)
    root = ET.Element("testsuites", name=xml_text(f"openaudit {tid}"))
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for d in dimensions(report):
        did = xml_text(d.get("id") or d.get("name") or "dimension")
        suite = ET.SubElement(root, "testsuite", name=did)
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
        props = ET.SubElement(suite, "properties")
        for key in ("score", "grade", "confidence"):
            ET.SubElement(props, "property", name=key, value=xml_text(d.get(key)))
        for f in findings(d):
            counts["tests"] += 1
            outcome = text(f.get("outcome"))
            case = ET.SubElement(
                suite, "testcase", name=xml_text(f.get("probe")), classname=f"openaudit.{did}", time="0"
            )
            msg = xml_text(f.get("message"))
            if outcome == "fail":
                counts["failures"] += 1
                el = ET.SubElement(case, "failure", message=msg, type="fail")
                el.text = _details(f)
            elif outcome == "error":
                counts["errors"] += 1
                el = ET.SubElement(case, "error", message=msg, type="error")
                el.text = _details(f)
            elif outcome in ("not_available", "not_applicable"):
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=xml_text(f"{outcome}: {text(f.get('message'))}"))
            else:
                out = ET.SubElement(case, "system-out")
                out.text = xml_text(f"{outcome}: ") + _details(f)
        for k, v in counts.items():
            suite.set(k, str(v))
            totals[k] += v
        suite.set("time", "0")
    viol = policy_violations(policy_verdict)
    if policy_verdict is not None:
        suite = ET.SubElement(
            root,
            "testsuite",
            name="policy",
            tests=str(max(1, len(viol))),
            failures=str(len(viol)),
            errors="0",
            skipped="0",
            time="0",
        )
        totals["tests"] += max(1, len(viol))
        totals["failures"] += len(viol)
        if not viol:
            ET.SubElement(suite, "testcase", name="policy", classname="openaudit.policy", time="0")
        for v in viol:
            case = ET.SubElement(
                suite, "testcase", name=xml_text(v.get("rule")), classname="openaudit.policy", time="0"
            )
            el = ET.SubElement(case, "failure", message=xml_text(v.get("message")), type="policy_violation")
            el.text = xml_text(f"expected: {text(v.get('expected'))}\nactual: {text(v.get('actual'))}")
        for u in as_list(dict(policy_verdict).get("unverified")):
            name = u.get("rule") if isinstance(u, dict) and u.get("rule") else unverified_text(u)
            case = ET.SubElement(suite, "testcase", name=xml_text(name), classname="openaudit.policy", time="0")
            ET.SubElement(case, "skipped", message=xml_text(f"unverified: {unverified_text(u)}"))
            suite.set("tests", str(int(suite.get("tests", "0")) + 1))
            suite.set("skipped", str(int(suite.get("skipped", "0")) + 1))
            totals["tests"] += 1
            totals["skipped"] += 1
    for k, v in totals.items():
        root.set(k, str(v))
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
