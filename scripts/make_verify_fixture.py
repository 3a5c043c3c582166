"""Regenerate tests/verify/fixtures/trainer-transformers-4.57: a tiny run made by the transformers 4.57
Trainer (4-decimal loss logs, num_items_in_batch counted before the shift), replayed by the installed
transformers 5 in the tests. Needs a separate environment with transformers 4.57 (do not install it into
openaudit's own venv):

    python3 -m venv /tmp/tf457 && /tmp/tf457/bin/pip install torch==2.13.0 transformers==4.57.1 'accelerate>=1.1,<2'
    /tmp/tf457/bin/python scripts/make_verify_fixture.py
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "tests" / "verify" / "fixtures" / "trainer-transformers-4.57"


def main() -> None:
    import torch
    import transformers

    sys.path.insert(0, str(ROOT / "tests" / "verify"))
    import hf_runs

    if not transformers.__version__.startswith("4.57"):
        sys.exit(f"error: needs transformers 4.57, this environment has {transformers.__version__}")
    torch.set_num_threads(1)
    if OUT.exists():
        shutil.rmtree(OUT)
    hf_runs.trainer_run(
        OUT,
        extra={
            "hidden_size": 16,
            "num_hidden_layers": 1,
            "intermediate_size": 32,
            "num_attention_heads": 2,
            "num_key_value_heads": 1,
        },
        accumulation=2,
        max_steps=20,
        save_steps=10,
        logging_steps=5,
        rows=40,
        seq=16,
        per_device=4,
    )
    for junk in OUT.rglob("rng_state.pth"):
        junk.unlink()  # not read by the replay (no dropout); keeps the fixture small
    print(f"wrote {OUT.relative_to(ROOT)} with transformers {transformers.__version__}")


if __name__ == "__main__":
    main()
