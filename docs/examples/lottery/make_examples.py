"""Write the example files of docs/lottery.md with Anju's own lottery code.

    python3 docs/examples/lottery/make_examples.py

A made-up round of twelve households, drawn once and then drawn again with a reason,
as a re-draw is published. The seeds here are fixed so that the files never change;
a real round's seed comes from the operating system's secure random source
(`lottery.new_seed()`). anju/admission/tests/test_lottery.py checks that these files
are what this script writes, and that scripts/verify-lottery accepts them.
"""

import hashlib
import importlib.util
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
LOTTERY = HERE.parents[2] / "anju" / "admission" / "lottery.py"

ROUND = "R2026-01"
TITLE = "示例批次 Example round, 康居苑 Kangju Garden"
TIERS = [3, 1, 3, 2, 3, 1, 2, 3, 2, 1, 3, 3]
ENTRANTS = [(f"{ROUND}-{i:04d}", tier) for i, tier in enumerate(TIERS, start=1)]
SEEDS = [hashlib.sha256(f"anju example seed {n}".encode()).hexdigest() for n in (1, 2)]
DRAWS = [
    # (seed, drawn at, reason, superseded at)
    (SEEDS[0], "2026-03-02T10:00:00+08:00", "", "2026-03-04T10:00:00+08:00"),
    (
        SEEDS[1],
        "2026-03-04T10:00:00+08:00",
        "The live broadcast of the first draw failed; re-drawn in public (直播中断，公开重摇)",
        None,
    ),
]


def load_lottery():
    spec = importlib.util.spec_from_file_location("anju_lottery", LOTTERY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def example_files() -> dict[str, str]:
    lottery = load_lottery()
    files = {f"{ROUND}-entrants.csv": lottery.entrants_csv(ENTRANTS)}
    for number, (seed, drawn_at, reason, superseded_at) in enumerate(DRAWS, start=1):
        files[f"{ROUND}-draw-{number}.json"] = lottery.result_json(
            round_number=ROUND,
            title=TITLE,
            draw_no=number,
            seed=seed,
            seed_commitment=lottery.commit(seed),
            entrants_hash_published=lottery.entrants_hash(ENTRANTS),
            drawn_at=drawn_at,
            reason=reason,
            superseded_at=superseded_at,
            order=lottery.draw(seed, ENTRANTS),
        )
    return files


if __name__ == "__main__":
    for name, text in example_files().items():
        (HERE / name).write_text(text, encoding="utf-8")
        print(f"wrote {HERE / name}", file=sys.stderr)
