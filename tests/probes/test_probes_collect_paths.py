"""Hand-made snapshots for the pass / fail / partial / not_available paths of the collect-area probes."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "collect"))

from snapmaker import card_only, make, st_header

from openaudit.collect import collect_all
from openaudit.model import Condition, Note, Outcome
from openaudit.probes import ProbeContext, run_probes

P, F, PA, NA, NAP = Outcome.PASS, Outcome.FAIL, Outcome.PARTIAL, Outcome.NOT_AVAILABLE, Outcome.NOT_APPLICABLE
CARD = "---\nlicense: mit\n---\n# Model\n\nA small test model that does nothing in particular for anyone today.\n"


def run(snap):
    return run_probes(ProbeContext(snap, collect_all(snap)))


def test_sharded_index_missing_shard_and_param_dedupe():
    h1 = st_header({"a.weight": ("BF16", [1000, 1000])})
    h2 = st_header({"b.weight": ("BF16", [1000, 500])})
    copy = st_header({"w": ("BF16", [1500, 1000])})  # same count, other names: a variant (e.g. consolidated)
    index = (
        '{"metadata": {}, "weight_map": {"a.weight": "model-00001-of-00003.safetensors", '
        '"b.weight": "model-00002-of-00003.safetensors", "c": "model-00003-of-00003.safetensors"}}'
    )
    snap = make(
        {
            "README.md": CARD,
            "model.safetensors.index.json": index,
            "model-00001-of-00003.safetensors": 2_000_000,
            "model-00002-of-00003.safetensors": 1_000_000,
            "consolidated.safetensors": 3_000_000,
            "onnx/model.onnx": 100,
        },
        headers={
            "model-00001-of-00003.safetensors": h1,
            "model-00002-of-00003.safetensors": h2,
            "consolidated.safetensors": copy,
        },
    )
    r = run(snap)
    assert r["weights.index_complete"].outcome is F
    assert "model-00003-of-00003.safetensors" in r["weights.index_complete"].evidence[0].snippet
    assert r["weights.params_known"].value == 1_500_000  # counted once, not twice
    assert r["weights.safe_format"].outcome is P


def test_index_complete_pass_and_invalid_header_fail():
    index = '{"weight_map": {"x": "model-00001-of-00001.safetensors"}}'
    snap = make(
        {"README.md": CARD, "model.safetensors.index.json": index, "model-00001-of-00001.safetensors": 10},
        headers={"model-00001-of-00001.safetensors": b"{not json"},
    )
    r = run(snap)
    assert r["weights.index_complete"].outcome is P
    assert r["weights.params_known"].outcome is F


def test_pickles_dangerous_unscannable_and_unsafe_share():
    snap = make(
        {"README.md": CARD, "pytorch_model.bin": b"\x80\x02}q\x00.", "other.pt": b"\x80\x04junk"},
        scans={
            "pytorch_model.bin": {"format": "pickle", "status": "dangerous", "dangerous": ["os.system"]},
            "other.pt": {"format": "pickle", "status": "unscannable", "reason": "truncated"},
        },
    )
    r = run(snap)
    assert r["weights.no_dangerous_pickles"].outcome is F and "os.system" in r["weights.no_dangerous_pickles"].message
    assert r["weights.safe_format"].outcome is F
    only_unscannable = make(
        {"README.md": CARD, "other.pt": b"\x80\x04junk"},
        scans={"other.pt": {"format": "pickle", "status": "unscannable", "reason": "truncated"}},
    )
    assert run(only_unscannable)["weights.no_dangerous_pickles"].outcome is NA  # never PASS


def test_content_sniffing_overrides_extension():
    snap = make({"README.md": CARD, "model.safetensors": b"\x80\x02}q\x00."})  # a pickle named .safetensors
    facts = collect_all(snap)
    assert facts["weights"].files[0].format == "pickle"
    assert run(snap)["weights.safe_format"].outcome is F


def test_gating_and_checkpoints():
    gated = make({"README.md": CARD, "model.safetensors": 10}, api={"gated": "manual"}, offline=False)
    assert run(gated)["weights.ungated"].outcome is F
    auto = make({"README.md": CARD}, api={"gated": "auto"}, offline=False)
    assert run(auto)["weights.ungated"].outcome is PA
    free = make({"README.md": CARD}, api={"gated": False}, offline=False, refs=("main", "step1000", "step2000"))
    r = run(free)
    assert r["weights.ungated"].outcome is P
    assert r["weights.intermediate_checkpoints"].outcome is P
    folders = make({"README.md": CARD, "checkpoint-500/model.safetensors": 10, "model.safetensors": 10})
    assert run(folders)["weights.intermediate_checkpoints"].outcome is P
    none = make({"README.md": CARD, "model.safetensors": 10})
    f = run(none)["weights.intermediate_checkpoints"]
    assert f.outcome is F and f.evidence[0].kind == "absence"


def test_gated_without_file_access_is_not_available():
    snap = make(
        {},
        api={"gated": "manual"},
        offline=False,
        notes=(
            Note(
                Condition.ACCESS_DENIED,
                "files could not be read: access denied (HTTP 403) (gated: manual); only what the API exposes was used",
            ),
        ),
    )
    r = run(snap)
    assert r["weights.present"].outcome is NA
    assert r["code.training_config"].outcome is NA
    assert r["repro.seed"].outcome is NA


def test_training_code_config_logs_seed_from_repo_files():
    state = '{"log_history": [{"step": 1, "loss": 2.0}, {"step": 2, "loss": 1.5}]}'
    snap = make(
        {
            "README.md": CARD,
            "train.py": "import torch\n",
            "training_args.json": '{"learning_rate": 1e-4, "seed": 42, "num_train_epochs": 3}',
            "trainer_state.json": state,
            "data_order.json": "[1, 2]",
        }
    )
    r = run(snap)
    assert r["code.training_code"].outcome is P
    assert r["code.training_config"].outcome is P
    assert r["repro.training_log"].outcome is P and r["repro.training_log"].value == 2
    assert r["repro.seed"].outcome is P
    assert r["repro.data_order"].outcome is P
    assert r["repro.hyperparameters"].outcome is P


def test_remote_code_flagged():
    snap = make(
        {
            "README.md": CARD,
            "config.json": '{"architectures": ["X"], "auto_map": {"AutoModel": "modeling_x.XModel"}}',
            "modeling_x.py": "import torch\n",
        }
    )
    r = run(snap)
    assert r["code.no_remote_code"].outcome is F
    assert r["code.inference_code"].outcome is PA


def test_card_links_and_private_data():
    card = (
        "---\nlibrary_name: transformers\n---\n# M\n\n## Training\n\n"
        "The training code is at https://github.com/acme/m-train and evaluation scripts at https://github.com/acme/m-eval .\n\n"
        "## Training data\n\nWe trained on a proprietary dataset of 2T tokens of internal documents that will not be released.\n\n"
        "## Uses\n\n[More Information Needed]\n"
    )
    r = run(card_only(card))
    assert (
        r["code.training_code"].outcome is P
        and r["code.training_code"].evidence[0].url == "https://github.com/acme/m-train"
    )
    assert r["code.evaluation_code"].outcome is P
    assert r["data.available"].outcome is F and r["data.available"].evidence[0].kind == "line"
    assert r["docs.intended_use"].outcome is F  # template body does not count
    assert r["code.repository_link"].outcome is P


def test_library_repo_link_is_not_training_code():
    card = "# M\n\nTrained with https://github.com/huggingface/transformers and nothing else published here at all.\n"
    r = run(card_only(card))
    assert r["code.training_code"].outcome is F
    assert r["code.repository_link"].outcome is F


def test_template_card_and_no_card():
    template = (
        "---\nlicense: mit\n---\n# Model Card\n\n## Model Details\n\n- **Developed by:** [More Information Needed]\n"
        "- **Model type:** [More Information Needed]\n\n## Uses\n\n[More Information Needed]\n\n## Bias, Risks, and Limitations\n\n"
        "[More Information Needed]\n\n## Citation\n\n[More Information Needed]\n"
    )
    r = run(card_only(template))
    assert r["docs.model_card"].outcome is F
    assert r["docs.limitations"].outcome is F and r["docs.limitations"].evidence[0].kind == "line"
    assert r["docs.citation"].outcome is F
    nocard = run(make({"model.safetensors": 10}))
    assert nocard["docs.model_card"].outcome is F
    assert nocard["data.declared"].outcome is F


def test_unreadable_card_is_not_available():
    snap = make({"README.md": 100})  # listed, not read
    r = run(snap)
    assert r["docs.model_card"].outcome is NA
    assert r["data.declared"].outcome is NA


def test_datasets_metadata_forms_and_availability():
    card = (
        "---\ndatasets: wikitext\nmodel-index:\n- name: m\n  results:\n  - dataset: {name: MMLU, type: cais/mmlu}\n"
        "    metrics: [{type: acc, value: 0.5}]\n---\n# M\n"
    )
    r = run(card_only(card))
    assert r["data.declared"].value == ["wikitext"]
    assert r["data.evaluation_data"].outcome is P
    assert r["docs.evaluation"].outcome is P
    online = make(
        {"README.md": "---\ndatasets: [a/b, c/d]\n---\n# M\n"},
        offline=False,
        api={"datasets_info": {"a/b": {"exists": True, "private": False}, "c/d": {"exists": False}}},
    )
    f = run(online)["data.available"]
    assert f.outcome is PA and f.score == 0.5
    weird = card_only("---\ndatasets: [null, 3, {name: x/y}, '']\n---\n# M\n")
    assert run(weird)["data.declared"].value == ["3", "x/y"]


def test_bad_inputs_do_not_crash():
    snaps = [
        make(
            {
                "README.md": "---\n: : bad yaml [\n---\n# M\n",
                "config.json": "{not json",
                "model.safetensors.index.json": "[]",
                "model.safetensors": 5,
            },
            headers={"model.safetensors": b"\x00\x01"},
        ),
        make({"README.md": "\x00\x01 binary-ish \ufffd", "a.index.json": "{}", "model-00002-of-00002.bin": 3}),
        make({}),
    ]
    for s in snaps:
        for pid, f in run(s).items():
            assert f.outcome is not Outcome.ERROR, (pid, f.message)
