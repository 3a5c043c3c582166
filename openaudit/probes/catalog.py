"""The catalogue of probe ids: the contract between probes (code) and rubrics (data).

Every probe id a rubric names must be here; every probe registered in ``openaudit.probes`` must be
here. ``dimension`` is the probe's home dimension in the default rubric; rubrics may reuse a probe
in other dimensions and in framework mappings (MOF / OSAID / OSAI index).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProbeSpec:
    id: str
    dimension: str
    question: str  # the yes/no question the probe answers (shown in rubric show / SARIF rules)


_SPECS = [
    # --- license -----------------------------------------------------------------------------
    ("license.declared", "license", "Does the model declare a license (card metadata or LICENSE file)?"),
    ("license.open", "license", "Is the weights' license an open license (OSI-approved / open data or model license without use restrictions)?"),
    ("license.commercial_use", "license", "Does the license allow commercial use without a separate agreement?"),
    ("license.no_use_restrictions", "license", "Is the license free of use-based restrictions, user thresholds and output-use bans?"),
    ("license.file_present", "license", "Does the repository carry the license text (LICENSE/NOTICE file)?"),
    ("license.consistent", "license", "Do the card metadata, the LICENSE file and the card prose name the same license?"),
    ("license.base_model_compatible", "license", "Is the model no more open than its base model allows?"),
    ("license.code_license", "code", "Is the code released under an open-source license?"),
    ("license.data_license", "data", "Is the training data released under an open data license?"),
    # --- weights -----------------------------------------------------------------------------
    ("weights.present", "weights", "Are final model weights published in the repository?"),
    ("weights.safe_format", "weights", "Are the weights in a safe, non-executable format (safetensors, GGUF, ONNX)?"),
    ("weights.index_complete", "weights", "Does every shard named in a sharded index exist?"),
    ("weights.params_known", "weights", "Can the parameter count and dtypes be read from the weight headers?"),
    ("weights.ungated", "weights", "Can the weights be downloaded without gated access or approval?"),
    ("weights.intermediate_checkpoints", "reproducibility", "Are intermediate training checkpoints published?"),
    ("weights.no_dangerous_pickles", "weights", "Are weight files free of pickles that import dangerous callables?"),
    # --- code ---------------------------------------------------------------------------------
    ("code.training_code", "code", "Is training code published (in the repo or a linked code repository)?"),
    ("code.training_config", "code", "Are training configuration files published?"),
    ("code.inference_code", "code", "Can the model be run with an open standard library (library_name / architectures)?"),
    ("code.no_remote_code", "code", "Does inference work without trust_remote_code / repo Python files?"),
    ("code.evaluation_code", "code", "Is evaluation code published or linked?"),
    ("code.preprocessing_code", "code", "Is data preprocessing / filtering code published or linked?"),
    ("code.repository_link", "code", "Does the card link a source code repository?"),
    # --- data ---------------------------------------------------------------------------------
    ("data.declared", "data", "Are the training datasets named (datasets: metadata or prose)?"),
    ("data.documented", "data", "Does the card document the training data (sources, sizes, mixture, filtering)?"),
    ("data.available", "data", "Are the named training datasets publicly available?"),
    ("data.data_card", "data", "Is there a datasheet / data card for the training data?"),
    ("data.evaluation_data", "data", "Are the evaluation datasets named?"),
    ("data.contamination", "data", "Is the released training data free of benchmark contamination?"),
    # --- reproducibility ------------------------------------------------------------------------
    ("repro.hyperparameters", "reproducibility", "Are the training hyperparameters published?"),
    ("repro.seed", "reproducibility", "Is the random seed published?"),
    ("repro.training_log", "reproducibility", "Is a training log / loss curve published?"),
    ("repro.data_order", "reproducibility", "Is the training data order published?"),
    ("repro.compute", "reproducibility", "Are the training compute / hardware reported?"),
    ("repro.paper", "reproducibility", "Is there a paper or technical report describing training?"),
    ("repro.replay", "reproducibility", "Does a replay of a published training segment reproduce the published losses/weights?"),
    # --- documentation --------------------------------------------------------------------------
    ("docs.model_card", "documentation", "Is there a substantive model card?"),
    ("docs.intended_use", "documentation", "Does the card state intended uses?"),
    ("docs.limitations", "documentation", "Does the card state limitations, biases or risks?"),
    ("docs.evaluation", "documentation", "Are evaluation results reported (model-index or an evaluation section)?"),
    ("docs.training_details", "documentation", "Does the card describe the training procedure?"),
    ("docs.architecture", "documentation", "Is the model architecture documented (config or card)?"),
    ("docs.sample_outputs", "documentation", "Are sample inputs/outputs shown?"),
    ("docs.citation", "documentation", "Does the card give a citation?"),
]

CATALOG: dict[str, ProbeSpec] = {i: ProbeSpec(i, d, q) for i, d, q in _SPECS}

DIMENSIONS = ("license", "weights", "code", "data", "reproducibility", "documentation")
