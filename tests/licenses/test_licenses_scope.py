"""Per-component license scope (issue 13): code, weights, data and docs each get their own license with
evidence; ``license.spdx`` is the weights' license; a separate model license that is not open makes the
weights not open; ``license: other`` is a custom license."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "collect"))

from snapmaker import card_only, make

from openaudit.collect import collect_all
from openaudit.probes import ProbeContext, run_probes

BODY = (
    "\n# Model\n\nA language model for testing the license scope rules of the auditor, with enough words to read.\n\n"
)


def _audit(text: str):
    snap = card_only(text)
    facts = collect_all(snap)
    return facts["license"], run_probes(ProbeContext(snap, facts))


def test_code_apache_weights_under_a_model_license_is_not_apache_weights():
    lf, f = _audit(
        "---\nlicense: apache-2.0\n---"
        + BODY
        + "## License\n\nThe code is Apache-2.0; the model weights are under the Model License.\n"
    )
    rep = lf.to_report()
    assert rep["spdx"] != "Apache-2.0" and rep["category"] == "custom"
    assert rep["components"]["weights"]["license"] == rep["spdx"]
    assert rep["components"]["code"]["license"] == "Apache-2.0"
    assert f["license.open"].outcome.value == "fail" and "custom license" in f["license.open"].message
    assert f["license.consistent"].outcome.value == "fail"  # the card's apache-2.0 and the prose disagree
    assert f["license.code_license"].outcome.value == "pass"
    assert any(e.line for e in f["license.open"].evidence)


def test_named_community_license_for_weights_with_other():
    lf, f = _audit(
        "---\nlicense: other\n---" + BODY + "## License\n\n"
        "The code in this project is open-sourced under the [Apache-2.0](https://example.org/LICENSE) license. "
        "The use of the ACME 2 series model weights and data must adhere to the "
        "[ACME 2 Community License](https://example.org/COMMUNITY_LICENSE).\n"
    )
    rep = lf.to_report()
    assert rep["category"] == "custom" and rep["components"]["code"]["license"] == "Apache-2.0"
    assert f["license.open"].outcome.value == "fail"
    assert f["license.no_use_restrictions"].outcome.value == "not_available"  # custom terms are not known
    assert f["license.commercial_use"].outcome.value == "not_available"


def test_chinese_model_community_license_statement():
    lf, f = _audit(
        "---\nlicense: apache-2.0\n---" + BODY + "### 协议\n社区使用 ACME 模型需要遵循《ACME模型社区许可协议》。\n"
    )
    rep = lf.to_report()
    assert rep["category"] == "custom" and rep["components"]["weights"]["category"] == "custom"
    assert f["license.open"].outcome.value == "fail"
    assert "ACME模型社区许可协议" in f["license.consistent"].message


def test_bare_other_is_a_custom_license():
    _, f = _audit("---\nlicense: other\n---" + BODY)
    assert f["license.open"].outcome.value == "fail"
    assert f["license.declared"].outcome.value == "pass"


def test_bare_other_is_explained_by_a_named_license():
    lf, f = _audit(
        "---\nlicense: other\n---" + BODY + "## License\n\nThe model weights are released under CC-BY-NC-4.0.\n"
    )
    assert lf.to_report()["spdx"] == "CC-BY-NC-4.0"
    assert f["license.open"].outcome.value == "fail" and "non-commercial" in f["license.open"].message


def test_code_mit_weights_nc_in_one_label_line():
    lf, f = _audit(
        "---\nlicense: cc-by-nc-4.0\n---"
        + BODY
        + "**License:** Code is released under MIT, model weights are released under CC-BY-NC 4.0.\n"
    )
    rep = lf.to_report()
    assert rep["spdx"] == "CC-BY-NC-4.0" and rep["components"]["code"]["license"] == "MIT"
    assert f["license.open"].outcome.value == "fail"


@pytest.mark.parametrize(
    "line, want",
    [
        ("- **License:** BigCode Open RAIL-M v1\n", "LicenseRef-bigcode-openrail-m"),
        ("- **License:** Apache 2.0\n", "Apache-2.0"),
    ],
)
def test_license_label_line_outside_a_license_section(line, want):
    lf, _ = _audit("---\ntags: [x]\n---" + BODY + "## Model Details\n\n" + line)
    assert lf.to_report()["spdx"] == want


def test_third_party_licenses_are_not_the_models():
    lf, f = _audit(
        "---\ntags: [x]\n---" + BODY + "## Acknowledgements and attributions\n\n1. SomeProject\n"
        "  - Source: https://github.com/example/someproject\n  - License: MIT\n"
    )
    assert lf.to_report()["spdx"] is None
    assert f["license.open"].outcome.value == "not_available"


def test_equally_restrictive_sources_keep_the_cards_specific_license():
    lf, _ = _audit(
        "---\nlicense: creativeml-openrail-m\n---"
        + BODY
        + "- **License:** [The CreativeML OpenRAIL M license](https://example.org/l) is an "
        "[Open RAIL M license](https://example.org/o).\n"
    )
    assert lf.to_report()["spdx"] == "LicenseRef-creativeml-openrail-m"


# ---- licenses named without a name of their own, and use restricted without a license (issue 13) ----------


def test_license_label_naming_only_non_commercial_is_not_open():
    lf, f = _audit("---\n{}\n---" + BODY + "## Model Details\n\n- **License:** Non-commercial license\n")
    assert lf.primary is not None and lf.primary.category == "non-commercial"
    assert f["license.open"].outcome.value == "fail"
    assert f["license.commercial_use"].outcome.value == "fail"
    assert any(e.line for e in f["license.open"].evidence)


def test_linked_license_name_on_a_license_label_is_custom():
    lf, f = _audit(
        "---\n{}\n---" + BODY + "## Model Details\n\n- **License:** [ACME-7B License](https://example.org/acme.pdf)\n"
    )
    assert lf.primary is not None and lf.primary.category == "custom" and lf.primary.name == "ACME-7B License"
    assert f["license.open"].outcome.value == "fail"


def test_weights_under_a_linked_model_license_in_chinese_prose():
    text = (
        "---\n{}\n---" + BODY + "## 协议\n\n本仓库的代码依照 [Apache-2.0](LICENSE) 协议开源，"
        "ACME-6B 模型的权重的使用则需要遵循 [Model License](MODEL_LICENSE)。\n"
    )
    lf, f = _audit(text)
    rep = lf.to_report()
    assert rep["components"]["code"]["license"] == "Apache-2.0"
    assert rep["category"] == "custom" and f["license.open"].outcome.value == "fail"


def test_community_license_for_a_named_model():
    lf, f = _audit(
        "---\n{}\n---" + BODY + "## License\n\n- **License:** 【Community License for ACME-13B Model】(LICENSE.pdf)\n"
    )
    assert lf.primary is not None and lf.primary.category == "custom"
    assert f["license.open"].outcome.value == "fail"


def test_license_link_target_named_for_a_known_license():
    lf, f = _audit(
        "---\n{}\n---" + BODY + "## License Agreement\n\nOur code and checkpoints are open to research purpose. "
        "Check [LICENSE](https://github.com/org/repo/blob/main/Tongyi%20Qianwen%20LICENSE%20AGREEMENT) for details.\n"
    )
    assert lf.primary is not None and lf.primary.id == "LicenseRef-qwen"
    assert f["license.open"].outcome.value == "partial"  # community license: open weights under restrictions


def test_a_plain_license_link_names_nothing():
    """A link to a file called LICENSE (or a path through an owner named like a license) names no license."""
    lf, f = _audit(
        "---\n{}\n---" + BODY + "## License\n\nSee [LICENSE](https://github.com/mit-han-lab/tool/blob/main/LICENSE).\n"
    )
    assert lf.primary is None and f["license.open"].outcome.value == "not_available"


@pytest.mark.parametrize(
    "line, category",
    [
        ("Supervised finetuned model on public data. Released for ***research purpose*** only.", "research-only"),
        ("The weights are available for non-commercial use only.", "non-commercial"),
        ("This model is for academic research purposes only.", "research-only"),
    ],
)
def test_use_restricted_without_a_license_is_not_open(line, category):
    lf, f = _audit("---\n{}\n---" + BODY + line + "\n")
    assert lf.primary is not None and lf.primary.category == category
    assert f["license.open"].outcome.value == "fail" and "restricts use" in f["license.open"].message
    assert f["license.declared"].outcome.value == "fail"  # still no license declared
    assert any(e.line for e in f["license.open"].evidence)


def test_use_restriction_does_not_override_a_declared_license():
    """An intended-use sentence beside an Apache-2.0 license is not a license (the card's license governs)."""
    lf, f = _audit("---\nlicense: apache-2.0\n---" + BODY + "The model is intended for research purposes only.\n")
    assert lf.primary is not None and lf.primary.id == "Apache-2.0"
    assert f["license.open"].outcome.value == "pass"


def test_data_restricted_to_research_is_not_the_weights():
    lf, f = _audit("---\n{}\n---" + BODY + "The training dataset is available for research use only.\n")
    assert lf.primary is None and f["license.open"].outcome.value == "not_available"


def test_upper_case_linked_non_commercial_license_name():
    lf, f = _audit(
        "---\n{}\n---" + BODY + "* **License**: Fine-tuned checkpoints are licensed under the "
        "[ACME NON-COMMERCIAL COMMUNITY LICENSE AGREEMENT](https://example.org/LICENSE.txt)\n"
    )
    assert lf.primary is not None and lf.primary.category == "custom"
    assert lf.primary.commercial_use is False
    assert f["license.open"].outcome.value == "fail"
    assert f["license.commercial_use"].outcome.value == "fail"


def test_complete_repository_without_any_license_is_not_open():
    """No license in the card, no LICENSE file, none in the prose, and every file observed: no rights are
    granted (a searched-for and missing license), so the weights are not open. A card-only folder stays
    not_available: its LICENSE files were not observed."""
    text = "---\n{}\n---" + BODY
    snap = make({"README.md": text, "config.json": '{"model_type": "gpt2"}', "model.safetensors": 1024})
    facts = collect_all(snap)
    f = run_probes(ProbeContext(snap, facts))
    assert f["license.open"].outcome.value == "fail" and "no rights are granted" in f["license.open"].message
    _, f = _audit(text)
    assert f["license.open"].outcome.value == "not_available" and "LICENSE files" in f["license.open"].message


def test_unidentified_license_file_is_not_no_license():
    """A LICENSE file openaudit cannot name is still a license: its terms are unknown (not_available), not
    "no rights granted"."""
    text = "---\n{}\n---" + BODY
    snap = make(
        {
            "README.md": text,
            "LICENSE": "ACME MODEL TERMS\n\nYou may use the model only as ACME allows in writing.\n",
            "model.safetensors": 1024,
        }
    )
    f = run_probes(ProbeContext(snap, collect_all(snap)))
    assert f["license.open"].outcome.value == "not_available"
    assert "LICENSE" in f["license.open"].message
