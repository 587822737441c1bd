"""The lottery as a pure function, the standalone verifier, and the published examples.
No database here: anju/admission/tests/test_allocation.py draws real rounds."""

import hashlib
import hmac
import importlib.util
import json
import shutil
import subprocess
import sys
from collections import Counter
from importlib.machinery import SourceFileLoader
from pathlib import Path

import pytest

from anju.admission import lottery

ROOT = Path(__file__).resolve().parents[3]
SCRIPT = ROOT / "scripts" / "verify-lottery"
EXAMPLES = ROOT / "docs" / "examples" / "lottery"
MARK_BEGIN = "# --- BEGIN ALGORITHM anju-lottery-1"
MARK_END = "# --- END ALGORITHM anju-lottery-1 ---"

SEED = "ab" * 32
ENTRANTS = [(f"R2026-01-{i:04d}", 1 + i % 3) for i in range(1, 13)]


def load_script():
    loader = SourceFileLoader("verify_lottery", str(SCRIPT))
    spec = importlib.util.spec_from_loader("verify_lottery", loader)
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


def algorithm_block(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    return text[text.index(MARK_BEGIN) : text.index(MARK_END)]


def run_script(*args, cwd=None):
    return subprocess.run(
        [sys.executable, "-I", str(SCRIPT), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
    )


# --- The algorithm ------------------------------------------------------------------


def test_the_commitment_is_the_sha256_of_the_seed_text():
    assert lottery.commit(SEED) == hashlib.sha256(SEED.encode("ascii")).hexdigest()
    assert lottery.commit(SEED) == (
        "271a413bd339c5709fdceaec41f14f11e9fbfb5042d72d331c65f32b284cd09a"
    )


def test_a_new_seed_is_32_random_bytes_in_hex():
    seeds = {lottery.new_seed() for _ in range(50)}
    assert len(seeds) == 50
    assert all(len(s) == 64 and bytes.fromhex(s).hex() == s for s in seeds)


def test_the_canonical_list_is_sorted_by_ticket_one_tab_line_each():
    shuffled = [ENTRANTS[5], ENTRANTS[0], *ENTRANTS[1:5], *ENTRANTS[6:]]
    text = lottery.canonical(shuffled).decode("utf-8")
    assert text.startswith("R2026-01-0001\t2\nR2026-01-0002\t3\n")
    assert text.count("\n") == 12 and text.endswith("R2026-01-0012\t1\n")
    assert lottery.entrants_hash(shuffled) == hashlib.sha256(text.encode()).hexdigest()
    # Tickets compare by code point, as their UTF-8 bytes do.
    assert lottery.canonical([("b", 1), ("B", 1), ("票", 1), ("a", 2)]) == (
        "B\t1\na\t2\nb\t1\n票\t1\n".encode()
    )


def test_the_draw_is_deterministic_and_ignores_the_input_order():
    first = lottery.draw(SEED, ENTRANTS)
    assert lottery.draw(SEED, list(reversed(ENTRANTS))) == first
    assert lottery.draw(lottery.new_seed(), ENTRANTS) != first


def test_known_answer():
    """Pinned: if this changes, every published draw would re-run differently."""
    assert lottery.entrants_hash(ENTRANTS) == (
        "6468066dec72b60c338e0b18171e5c2ed80689043e901a4ea4f41d84bc6a5b30"
    )
    assert [(d.order, d.ticket, d.tier, d.draw_position) for d in lottery.draw(SEED, ENTRANTS)] == [
        (1, "R2026-01-0003", 1, 7),
        (2, "R2026-01-0009", 1, 8),
        (3, "R2026-01-0006", 1, 10),
        (4, "R2026-01-0012", 1, 11),
        (5, "R2026-01-0007", 2, 1),
        (6, "R2026-01-0004", 2, 2),
        (7, "R2026-01-0010", 2, 4),
        (8, "R2026-01-0001", 2, 9),
        (9, "R2026-01-0011", 3, 3),
        (10, "R2026-01-0002", 3, 5),
        (11, "R2026-01-0008", 3, 6),
        (12, "R2026-01-0005", 3, 12),
    ]


def test_the_draw_follows_the_documented_recipe():
    """docs/lottery.md restated with hashlib and hmac alone."""
    seed = lottery.new_seed()
    lines = "".join(f"{t}\t{tier}\n" for t, tier in sorted(ENTRANTS))
    digest = hashlib.sha256(lines.encode()).hexdigest()
    keys = {
        t: hmac.new(bytes.fromhex(seed), f"{digest}\n{t}".encode(), hashlib.sha256).digest()
        for t, _ in ENTRANTS
    }
    positions = {t: i for i, t in enumerate(sorted(keys, key=lambda t: (keys[t], t)), start=1)}
    tiers = dict(ENTRANTS)
    order = sorted(positions, key=lambda t: (tiers[t], positions[t]))
    assert [(d.ticket, d.draw_position) for d in lottery.draw(seed, ENTRANTS)] == [
        (t, positions[t]) for t in order
    ]


def test_draw_positions_are_one_permutation_and_tiers_are_served_in_order():
    entrants = [(f"T-{i:05d}", 1 + i % 4) for i in range(1000)]
    result = lottery.draw(lottery.new_seed(), entrants)
    assert sorted(d.draw_position for d in result) == list(range(1, 1001))
    assert [d.order for d in result] == list(range(1, 1001))
    assert [d.tier for d in result] == sorted(d.tier for d in result)
    for tier in (1, 2, 3, 4):
        positions = [d.draw_position for d in result if d.tier == tier]
        assert positions == sorted(positions)


def test_every_position_is_about_equally_likely():
    entrants = [("A", 1), ("B", 1), ("C", 1)]
    firsts = Counter(lottery.draw(lottery.new_seed(), entrants)[0].ticket for _ in range(3000))
    # 1000 expected each; 850 is more than six standard deviations away.
    assert set(firsts) == {"A", "B", "C"} and min(firsts.values()) > 850


def test_adding_one_entrant_reshuffles_everyone():
    """The permutation is keyed on the whole list's hash, so nobody keeps a position
    computed from a different list."""
    before = {d.ticket: d.draw_position for d in lottery.draw(SEED, ENTRANTS)}
    after = {d.ticket: d.draw_position for d in lottery.draw(SEED, [*ENTRANTS, ("X", 1)])}
    assert sum(before[t] == after[t] for t in before) < 6


@pytest.mark.parametrize(
    "entrants",
    [
        [("A", 1), ("A", 2)],
        [("", 1)],
        [(" A", 1)],
        [("A,B", 1)],
        [('A"', 1)],
        [("A\tB", 1)],
        [("A", 0)],
    ],
)
def test_bad_entrant_lists_are_refused(entrants):
    with pytest.raises(ValueError):
        lottery.draw(SEED, entrants)


@pytest.mark.parametrize("seed", ["AB" * 32, "ab" * 31, "zz" * 32, ""])
def test_bad_seeds_are_refused(seed):
    with pytest.raises(ValueError):
        lottery.commit(seed)


def test_verify_names_the_first_difference():
    order = lottery.draw(SEED, ENTRANTS)
    good = {
        "seed": SEED,
        "seed_commitment": lottery.commit(SEED),
        "entrants": ENTRANTS,
        "entrants_hash_published": lottery.entrants_hash(ENTRANTS),
    }
    assert lottery.verify(**good, order=order) == []
    swapped = [order[1]._replace(order=1), order[0]._replace(order=2), *order[2:]]
    problems = lottery.verify(**good, order=swapped)
    assert len(problems) == 1 and problems[0].startswith("order 1: recomputed R2026-01-0003")
    assert "commitment" in lottery.verify(**{**good, "seed_commitment": "0" * 64}, order=order)[0]
    assert lottery.verify(**good, order=order[:-1]) == ["12 entrants recomputed, 11 rows published"]


# --- The standalone script ------------------------------------------------------------


def test_the_script_carries_an_identical_copy_of_the_algorithm():
    assert algorithm_block(SCRIPT) == algorithm_block(Path(lottery.__file__))


def test_the_script_and_the_module_agree_on_random_rounds():
    script = load_script()
    for size in (1, 2, 17, 500):
        entrants = [(f"R-{i:04d}", 1 + (i * 7) % 3) for i in range(size)]
        seed = lottery.new_seed()
        assert script.draw(seed, entrants) == lottery.draw(seed, entrants)
        assert script.entrants_hash(entrants) == lottery.entrants_hash(entrants)
        assert script.commit(seed) == lottery.commit(seed)


def test_the_script_is_executable_and_standalone(tmp_path):
    assert SCRIPT.stat().st_mode & 0o111
    for name in ("R2026-01-entrants.csv", "R2026-01-draw-2.json"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    lonely = tmp_path / "verify-lottery"
    shutil.copy(SCRIPT, lonely)
    done = subprocess.run(
        [sys.executable, "-I", str(lonely), "R2026-01-entrants.csv", "R2026-01-draw-2.json"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == "OK"


# --- The published examples -------------------------------------------------------------


def test_the_examples_are_what_the_code_writes():
    spec = importlib.util.spec_from_file_location("make_examples", EXAMPLES / "make_examples.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    files = module.example_files()
    assert sorted(files) == sorted(p.name for p in EXAMPLES.iterdir() if p.suffix != ".py")
    for name, text in files.items():
        assert (EXAMPLES / name).read_text(encoding="utf-8") == text, (
            f"{name} is stale: run python3 docs/examples/lottery/make_examples.py"
        )


@pytest.mark.parametrize("draw", [1, 2])
def test_the_script_accepts_both_example_draws(draw):
    done = run_script(
        EXAMPLES / "R2026-01-entrants.csv",
        EXAMPLES / f"R2026-01-draw-{draw}.json",
        "--commitment",
        json.loads((EXAMPLES / f"R2026-01-draw-{draw}.json").read_text())["seed_commitment"],
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.splitlines()[-1] == "OK"


def test_the_script_prints_the_recomputed_order():
    done = run_script(
        EXAMPLES / "R2026-01-entrants.csv", EXAMPLES / "R2026-01-draw-2.json", "--print-order"
    )
    assert "order,ticket,tier,draw_position\n1,R2026-01-0002,1,1\n" in done.stdout


def tampered(tmp_path, change):
    entrants = (EXAMPLES / "R2026-01-entrants.csv").read_text(encoding="utf-8")
    result = json.loads((EXAMPLES / "R2026-01-draw-2.json").read_text(encoding="utf-8"))
    entrants, result = change(entrants, result)
    (tmp_path / "e.csv").write_text(entrants, encoding="utf-8")
    (tmp_path / "r.json").write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    return run_script(tmp_path / "e.csv", tmp_path / "r.json")


def swap_first_two(entrants, result):
    first, second = result["order"][0], result["order"][1]
    first["ticket"], second["ticket"] = second["ticket"], first["ticket"]
    return entrants, result


def other_seed(entrants, result):
    result["seed"] = "0" * 64
    return entrants, result


def one_more_entrant(entrants, result):
    return entrants + "R2026-01-0013,1\n", result


def tier_raised(entrants, result):
    return entrants.replace("R2026-01-0001,3", "R2026-01-0001,1"), result


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (swap_first_two, "MISMATCH order 1: recomputed R2026-01-0002"),
        (other_seed, "MISMATCH the seed does not match the commitment"),
        (one_more_entrant, "MISMATCH the result counts 12 entrants"),
        (tier_raised, "MISMATCH the entrant list hashes to"),
    ],
)
def test_a_tampered_file_fails(tmp_path, change, says):
    done = tampered(tmp_path, change)
    assert done.returncode == 1, done.stdout + done.stderr
    assert says in done.stdout
    assert "OK" not in done.stdout.splitlines()


def test_a_commitment_noted_before_the_draw_must_match():
    done = run_script(
        EXAMPLES / "R2026-01-entrants.csv",
        EXAMPLES / "R2026-01-draw-2.json",
        "--commitment",
        "0" * 64,
    )
    assert done.returncode == 1
    assert "you noted 000" in done.stdout


def test_an_unreadable_file_is_an_error_not_a_verdict(tmp_path):
    (tmp_path / "e.csv").write_text("ticket;tier\nA;1\n", encoding="utf-8")
    done = run_script(tmp_path / "e.csv", EXAMPLES / "R2026-01-draw-2.json")
    assert done.returncode == 2
    assert "header ticket,tier" in done.stderr
