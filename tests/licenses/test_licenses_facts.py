"""rubrics/licenses.yaml: schema-valid facts, every Hub id maps, SPDX flags agree with the SPDX list."""

from __future__ import annotations

import csv
import json

import jsonschema
import pytest

from openaudit.base.parse import load_yaml
from openaudit.licenses import facts
from openaudit.resources import rubrics_dir, schema

# The Hub's license ids (huggingface.co/docs/hub/repositories-licenses) plus the later additions.
HUB_IDS = [
    "apache-2.0",
    "mit",
    "openrail",
    "bigscience-openrail-m",
    "creativeml-openrail-m",
    "bigscience-bloom-rail-1.0",
    "bigcode-openrail-m",
    "afl-3.0",
    "artistic-2.0",
    "bsl-1.0",
    "bsd",
    "bsd-2-clause",
    "bsd-3-clause",
    "bsd-3-clause-clear",
    "c-uda",
    "cc",
    "cc0-1.0",
    "cc-by-2.0",
    "cc-by-2.5",
    "cc-by-3.0",
    "cc-by-4.0",
    "cc-by-sa-3.0",
    "cc-by-sa-4.0",
    "cc-by-nc-2.0",
    "cc-by-nc-3.0",
    "cc-by-nc-4.0",
    "cc-by-nd-4.0",
    "cc-by-nc-nd-3.0",
    "cc-by-nc-nd-4.0",
    "cc-by-nc-sa-2.0",
    "cc-by-nc-sa-3.0",
    "cc-by-nc-sa-4.0",
    "cdla-sharing-1.0",
    "cdla-permissive-1.0",
    "cdla-permissive-2.0",
    "wtfpl",
    "ecl-2.0",
    "epl-1.0",
    "epl-2.0",
    "etalab-2.0",
    "eupl-1.1",
    "agpl-3.0",
    "gfdl",
    "gpl",
    "gpl-2.0",
    "gpl-3.0",
    "lgpl",
    "lgpl-2.1",
    "lgpl-3.0",
    "isc",
    "lppl-1.3c",
    "ms-pl",
    "mpl-2.0",
    "odc-by",
    "odbl",
    "openrail++",
    "osl-3.0",
    "postgresql",
    "ofl-1.1",
    "ncsa",
    "unlicense",
    "zlib",
    "pddl",
    "lgpl-lr",
    "deepfloyd-if-license",
    "llama2",
    "llama3",
    "llama3.1",
    "llama3.2",
    "llama3.3",
    "llama4",
    "gemma",
    "apple-ascl",
    "apple-amlr",
    "intel-research",
    "h-research",
    "fair-noncommercial-research-license",
    "unknown",
    "other",
]


def test_yaml_validates_against_its_schema():
    data = load_yaml((rubrics_dir() / "licenses.yaml").read_text(encoding="utf-8"))
    jsonschema.validate(data, schema("licenses"))
    assert len(data["licenses"]) >= 80


@pytest.mark.parametrize("hub_id", HUB_IDS)
def test_every_hub_id_maps_to_spdx_or_licenseref(hub_id):
    info = facts.lookup(hub_id)
    assert info is not None, hub_id
    assert info.hub == hub_id
    assert info.id.startswith("LicenseRef-") or facts.lookup(info.id) is info or info.id in ("OpenMDW-1.0",)
    assert info.category in {
        "permissive",
        "copyleft",
        "weak-copyleft",
        "public-domain",
        "open-data",
        "responsible-ai",
        "community",
        "non-commercial",
        "research-only",
        "no-derivatives",
        "proprietary",
        "unknown",
    }


def test_schema_rejects_bad_facts():
    bad = {
        "version": 1,
        "licenses": [
            {
                "hub": "mit",
                "id": "MIT",
                "name": "MIT",
                "family": "mit",
                "category": "libre",
                "osi_approved": True,
                "fsf_libre": True,
                "commercial_use": "maybe",
                "applies_to": ["code"],
            }
        ],
    }
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema("licenses"))


def test_ai_license_facts():
    l2, l31, gemma = facts.lookup("llama2"), facts.lookup("llama3.1"), facts.lookup("gemma")
    assert l2.commercial_use == "conditional" and "700M" in l2.user_threshold and "improve" in l2.output_restrictions
    assert l31.output_restrictions and "Llama" in l31.output_restrictions and l31.category == "community"
    assert gemma.use_restrictions and gemma.aup and not gemma.is_open
    assert facts.lookup("cc-by-nc-4.0").commercial_use is False
    assert facts.lookup("creativeml-openrail-m").category == "responsible-ai"
    assert facts.lookup("qwen").id == "LicenseRef-qwen"  # license_name alias
    assert facts.lookup("Apache-2.0").is_open and facts.lookup("MIT License").id == "MIT"


def test_spdx_ids_outside_the_yaml_get_list_facts():
    info = facts.lookup("GPL-2.0-or-later")
    assert info is not None and info.family == "gpl" and info.category == "copyleft" and info.osi_approved is True
    assert facts.lookup("CC-BY-NC-SA-2.5").category == "non-commercial"
    assert facts.lookup("no-such-license-xyz") is None
    assert facts.family_of("BSD-3-Clause-Clear") == "bsd" and facts.family_of("LicenseRef-llama3.1") == "llama"


def test_osi_fsf_flags_agree_with_the_spdx_list(corpus):
    spdx = corpus / "licenses" / "spdx"
    osi = {}
    with open(spdx / "index.tsv", encoding="utf-8", newline="") as fh:
        for rec in csv.DictReader(fh, delimiter="\t"):
            osi[rec["id"]] = {"true": True, "false": False}.get(rec["osi_approved"])
    fsf = {x["licenseId"] for x in json.loads((spdx / "licenses.json").read_text())["licenses"] if x.get("isFsfLibre")}
    for info in facts.all_licenses():
        if info.id.startswith("LicenseRef-") or info.id not in osi:
            continue
        if osi[info.id] is not None:
            assert info.osi_approved == osi[info.id], info.id
        if info.fsf_libre is True:
            assert info.id in fsf, info.id
        if info.id in fsf:
            assert info.fsf_libre is True, info.id
