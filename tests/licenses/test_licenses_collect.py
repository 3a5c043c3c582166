"""LicenseFacts (collect/license.py) and the license.* probes, on small repos built in memory."""

from __future__ import annotations

import jsonschema
from licenses_helpers import MIT, card, collect, snapshot

import openaudit.probes.license  # noqa: F401  (registers the probes)
from openaudit.model import Outcome
from openaudit.probes.registry import ProbeContext, run_probes
from openaudit.resources import schema

LICENSE_PROBES = {
    "license.declared",
    "license.open",
    "license.commercial_use",
    "license.no_use_restrictions",
    "license.file_present",
    "license.consistent",
    "license.base_model_compatible",
    "license.code_license",
    "license.data_license",
}


def probes(snap, lf):
    out = run_probes(ProbeContext(snapshot=snap, facts={"license": lf}), only=LICENSE_PROBES)
    assert set(out) == LICENSE_PROBES
    assert not [f for f in out.values() if f.outcome is Outcome.ERROR]
    return {k: f.outcome for k, f in out.items()}, out


def test_consistent_mit_repo():
    snap, lf = collect({"README.md": card("license: mit"), "LICENSE": MIT, "train.py": "print(1)\n"})
    o, f = probes(snap, lf)
    assert o["license.declared"] is o["license.open"] is o["license.file_present"] is Outcome.PASS
    assert o["license.consistent"] is Outcome.PASS and o["license.commercial_use"] is Outcome.PASS
    assert o["license.no_use_restrictions"] is Outcome.PASS and o["license.code_license"] is Outcome.PASS
    assert o["license.base_model_compatible"] is Outcome.NOT_APPLICABLE
    assert o["license.data_license"] is Outcome.NOT_AVAILABLE
    ev = f["license.declared"].evidence[0]
    assert (ev.kind, ev.path, ev.line, ev.field) == ("card_field", "README.md", 2, "license")
    rep = lf.to_report()
    jsonschema.validate(rep, schema("report")["properties"]["license"])
    assert rep["spdx"] == "MIT" and rep["osi_approved"] is True and rep["mismatch"] is False


def test_card_vs_file_mismatch_is_flagged_with_both_evidences():
    snap, lf = collect({"README.md": card("license: apache-2.0"), "LICENSE": MIT})
    o, f = probes(snap, lf)
    assert lf.mismatch and o["license.consistent"] is Outcome.FAIL
    kinds = {(e.kind, e.path) for e in f["license.consistent"].evidence}
    assert ("card_field", "README.md") in kinds and ("file", "LICENSE") in kinds
    assert "Apache-2.0" in f["license.consistent"].message and "MIT" in f["license.consistent"].message


def test_card_vs_prose_mismatch_names_the_line():
    body = "# M\n\n## License\n\nThe model weights are released under the CC-BY-NC-4.0 license.\n"
    snap, lf = collect({"README.md": card("license: apache-2.0", body)})
    o, f = probes(snap, lf)
    assert o["license.consistent"] is Outcome.FAIL
    line_ev = [e for e in f["license.consistent"].evidence if e.kind == "line"]
    assert line_ev and line_ev[0].line == 8 and "CC-BY-NC-4.0" in line_ev[0].snippet
    # the most restrictive stated license governs
    assert lf.primary.id == "CC-BY-NC-4.0" and o["license.commercial_use"] is Outcome.FAIL


def test_llama_community_license_facts():
    snap, lf = collect({"README.md": card("license: llama3.1\nbase_model: meta-llama/Llama-3.1-8B")})
    o, f = probes(snap, lf)
    assert o["license.open"] is Outcome.PARTIAL and o["license.commercial_use"] is Outcome.PARTIAL
    assert o["license.no_use_restrictions"] is Outcome.FAIL and "700M" in f["license.no_use_restrictions"].message
    assert o["license.base_model_compatible"] is Outcome.PASS
    rep = lf.to_report()
    assert rep["category"] == "community" and rep["user_threshold"] and rep["output_restrictions"]
    assert any(r.startswith("user threshold") for r in rep["restrictions"])


def test_fine_tune_more_open_than_its_base_fails():
    snap, lf = collect({"README.md": card("license: mit\nbase_model: meta-llama/Llama-3.1-8B")})
    o, f = probes(snap, lf)
    assert o["license.base_model_compatible"] is Outcome.FAIL
    assert "LicenseRef-llama3.1" in f["license.base_model_compatible"].message


def test_base_model_license_from_hub_api_info():
    api = {"base_models_info": {"org/base": {"license": "cc-by-nc-4.0", "status": "available"}}}
    snap, lf = collect({"README.md": card("license: apache-2.0\nbase_model: org/base")}, api=api, offline=False)
    o, f = probes(snap, lf)
    assert o["license.base_model_compatible"] is Outcome.FAIL
    assert any(e.kind == "api_field" for e in f["license.base_model_compatible"].evidence)


def test_base_model_unknown_offline_is_not_available():
    snap, lf = collect({"README.md": card("license: apache-2.0\nbase_model: someone/private-base")})
    o, f = probes(snap, lf)
    assert (
        o["license.base_model_compatible"] is Outcome.NOT_AVAILABLE
        and "offline" in f["license.base_model_compatible"].message
    )


def test_no_license_anywhere():
    snap, lf = collect({"README.md": card("tags: [x]")})
    o, f = probes(snap, lf)
    assert o["license.declared"] is Outcome.FAIL and o["license.file_present"] is Outcome.FAIL
    assert o["license.open"] is Outcome.NOT_AVAILABLE and o["license.commercial_use"] is Outcome.NOT_AVAILABLE
    assert f["license.declared"].evidence[-1].kind == "absence"
    assert lf.to_report()["category"] == "unknown"


def test_card_unknown_and_malformed():
    snap, lf = collect({"README.md": card("license: unknown")})
    assert probes(snap, lf)[0]["license.declared"] is Outcome.FAIL
    snap, lf = collect({"README.md": card("license: mit AND")})
    o, f = probes(snap, lf)
    assert o["license.declared"] is Outcome.FAIL and "malformed" in f["license.declared"].message


def test_non_commercial_and_research_licenses_fail_open():
    for lic in ("cc-by-nc-4.0", "apple-amlr", "deepfloyd-if-license"):
        snap, lf = collect({"README.md": card(f"license: {lic}")})
        o, _ = probes(snap, lf)
        assert o["license.open"] is Outcome.FAIL and o["license.commercial_use"] is Outcome.FAIL, lic


def test_or_expression_lets_the_user_pick_the_open_alternative():
    _snap, lf = collect({"README.md": card("license: cc-by-nc-4.0 OR apache-2.0")})
    assert lf.primary.id == "Apache-2.0" and lf.to_report()["spdx"] == "CC-BY-NC-4.0 OR Apache-2.0"
    _snap, lf = collect({"README.md": card("license: cc-by-nc-4.0 AND apache-2.0")})
    assert lf.primary.id == "CC-BY-NC-4.0"


def test_per_component_license_files_and_type_appropriateness():
    texts = {
        "README.md": card("license: cc-by-nc-4.0"),
        "LICENSE-CODE": MIT,
        "src/train.py": "x = 1\n",
        "LICENSE-MODEL": "The model weights are licensed under the CC-BY-NC-4.0 license.\n",
    }
    snap, lf = collect(texts)
    o, _f = probes(snap, lf)
    assert lf.components["code"]["license"] == "MIT" and o["license.code_license"] is Outcome.PASS
    assert lf.components["weights"]["category"] == "non-commercial" and o["license.open"] is Outcome.FAIL
    assert not lf.mismatch  # a code license is not a weights license
    snap, lf = collect(
        {"README.md": card("license: mit", "## License\n\nThe code is released under the CC-BY-4.0 license.\n")}
    )
    o, _ = probes(snap, lf)
    assert lf.components["code"]["appropriateness"] == "inappropriate" and o["license.code_license"] is Outcome.PARTIAL


def test_modified_license_file_is_not_fully_open():
    mod = MIT.replace(
        "THE SOFTWARE IS PROVIDED", "The Software may not be used for commercial purposes.\n\nTHE SOFTWARE IS PROVIDED"
    )
    snap, lf = collect({"README.md": card("license: mit"), "LICENSE": mod})
    o, _f = probes(snap, lf)
    assert lf.modified_file and o["license.open"] is Outcome.PARTIAL
    assert any("modifies" in r for r in lf.to_report()["restrictions"])


def test_other_with_name_and_notice_file():
    notice = "Gemma is provided under and subject to the Gemma Terms of Use found at ai.google.dev/gemma/terms\n"
    snap, lf = collect(
        {"README.md": card("license: other\nlicense_name: qwen\nlicense_link: LICENSE"), "NOTICE": notice}
    )
    assert lf.primary is not None and lf.primary.family in ("qwen", "gemma")
    assert lf.mismatch  # the NOTICE names Gemma, the card names Qwen
    o, _ = probes(snap, lf)
    assert o["license.file_present"] is Outcome.PARTIAL


def test_unreadable_or_binary_license_file_does_not_crash():
    snap, lf = collect({"README.md": card("license: mit"), "LICENSE": "MIT\x00\x00binary"}, extra_files=("COPYING",))
    o, _ = probes(snap, lf)
    assert o["license.file_present"] is Outcome.PASS and o["license.consistent"] is Outcome.NOT_APPLICABLE
    assert any(f.result is None for f in lf.files)


def test_probes_collect_facts_themselves_when_not_given():
    snap = snapshot({"README.md": card("license: apache-2.0")})
    out = run_probes(ProbeContext(snapshot=snap, facts={}), only={"license.open"})
    assert out["license.open"].outcome is Outcome.PASS


def test_minilm_real_snapshot(minilm):
    from openaudit.collect import card as card_mod
    from openaudit.collect import license as license_mod
    from openaudit.model import SourceKind, Target
    from openaudit.sources.local import read_folder

    snap = read_folder(minilm, Target(id="minilm", source=SourceKind.LOCAL, path=str(minilm)))
    lf = license_mod.collect(snap, card_mod.collect(snap))
    o, f = probes(snap, lf)
    assert lf.to_report()["spdx"] == "Apache-2.0" and o["license.open"] is Outcome.PASS
    assert f["license.declared"].evidence[0].line is not None


def test_corpus_cards_collect_and_probe_without_errors(corpus):
    from openaudit.collect import card as card_mod
    from openaudit.collect import license as license_mod

    seen = set()
    for path in sorted((corpus / "model-cards").glob("*.md")):
        snap = snapshot({"README.md": path.read_text(encoding="utf-8", errors="replace")})
        lf = license_mod.collect(snap, card_mod.collect(snap))
        _o, _ = probes(snap, lf)
        seen.add(lf.to_report()["category"])
    assert {"permissive", "community", "non-commercial"} <= seen
