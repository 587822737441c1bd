"""The lottery (摇号) of an allocation round: a documented, deterministic function of a
published seed and the published entrant list. docs/lottery.md explains it in words.

Pure Python and the standard library only, no Django: `scripts/verify-lottery` carries
a byte-identical copy of the block between the two ``ALGORITHM`` marker lines, and
anju/admission/tests/test_lottery.py fails if the copies ever differ.

In short, for algorithm ``anju-lottery-1``:

- An entrant is ``(ticket, tier)``: a public ticket such as ``R2026-01-0007`` and a
  priority tier, 1 being served first.
- The canonical entrant list is the entrants sorted by ticket (by Unicode code point,
  which is the order of their UTF-8 bytes), one UTF-8 line ``ticket<TAB>tier<LF>``
  each. ``entrants_hash`` is the SHA-256 of those bytes, in lowercase hex.
- The seed is 32 random bytes written as 64 lowercase hex characters. Its commitment,
  published before the draw, is the SHA-256 of those 64 ASCII characters.
- Each entrant's key is ``HMAC-SHA256(key=the 32 seed bytes, message=entrants_hash +
  "\\n" + ticket)``, in UTF-8. Sorting by key (then by ticket, which never matters in
  practice) gives one random permutation: the *draw position*, 1 to n.
- The *order* of choosing serves tier 1 first, then tier 2, and so on; within a tier,
  by draw position. Order numbers run 1 to n across the whole round.
"""

# --- BEGIN ALGORITHM anju-lottery-1 (kept identical in scripts/verify-lottery) ---
import hashlib
import hmac
import json
import re
import secrets
from typing import NamedTuple

ALGORITHM = "anju-lottery-1"
_HEX = frozenset("0123456789abcdef")
_BAD_TICKET = re.compile(r'^\s|\s$|[\x00-\x1f\x7f,"]')


class Drawn(NamedTuple):
    ticket: str
    tier: int
    draw_position: int
    order: int


def new_seed() -> str:
    """32 bytes from the operating system's secure random source, as 64 hex characters."""
    return secrets.token_hex(32)


def commit(seed: str) -> str:
    """The commitment published before the draw: sha256 of the seed's hex text."""
    _check_seed(seed)
    return hashlib.sha256(seed.encode("ascii")).hexdigest()


def canonical(entrants) -> bytes:
    """The canonical entrant list: sorted by ticket, one ``ticket\\ttier\\n`` line each."""
    rows = sorted(_checked(entrants))
    return "".join(f"{ticket}\t{tier}\n" for ticket, tier in rows).encode("utf-8")


def entrants_hash(entrants) -> str:
    return hashlib.sha256(canonical(entrants)).hexdigest()


def draw(seed: str, entrants) -> list[Drawn]:
    """The draw: every entrant with its draw position and its order, in order."""
    _check_seed(seed)
    rows = _checked(entrants)
    key = bytes.fromhex(seed)
    prefix = (entrants_hash(rows) + "\n").encode("utf-8")
    keyed = sorted(
        (hmac.digest(key, prefix + ticket.encode("utf-8"), "sha256"), ticket, tier)
        for ticket, tier in rows
    )
    by_tier = sorted(
        (tier, position, ticket) for position, (_, ticket, tier) in enumerate(keyed, start=1)
    )
    return [
        Drawn(ticket, tier, position, order)
        for order, (tier, position, ticket) in enumerate(by_tier, start=1)
    ]


def verify(*, seed, seed_commitment, entrants, entrants_hash_published, order) -> list[str]:
    """Re-run a published draw. `order` is the published rows (ticket, tier,
    draw_position, order) in any sequence. Returns the problems found, the first
    difference in the order at most; an empty list means the draw checks out."""
    problems = []
    try:
        _check_seed(seed)
    except ValueError as exc:
        return [str(exc)]
    if commit(seed) != seed_commitment:
        problems.append(
            f"the seed does not match the commitment: sha256(seed) is {commit(seed)}, "
            f"the commitment published before the draw is {seed_commitment}"
        )
    rows = _checked(entrants)
    actual_hash = entrants_hash(rows)
    if actual_hash != entrants_hash_published:
        problems.append(
            f"the entrant list hashes to {actual_hash}, "
            f"the hash published before the draw is {entrants_hash_published}"
        )
    expected = draw(seed, rows)
    published = sorted((tuple(row) for row in order), key=lambda row: row[3])
    for want, got in zip(expected, published, strict=False):
        if tuple(want) != tuple(got):
            problems.append(
                f"order {want.order}: recomputed {want.ticket} (tier {want.tier}, "
                f"draw position {want.draw_position}), published {got[0]} (tier {got[1]}, "
                f"draw position {got[2]}, order {got[3]})"
            )
            break
    else:
        if len(expected) != len(published):
            problems.append(f"{len(expected)} entrants recomputed, {len(published)} rows published")
    return problems


def _check_seed(seed) -> None:
    if not isinstance(seed, str) or len(seed) != 64 or not set(seed) <= _HEX:
        raise ValueError("a seed is 64 lowercase hexadecimal characters")


def _checked(entrants) -> list[tuple[str, int]]:
    rows = [(str(ticket), int(tier)) for ticket, tier in entrants]
    seen = set()
    for ticket, tier in rows:
        if not ticket or _BAD_TICKET.search(ticket):
            raise ValueError(
                f"bad ticket {ticket!r}: empty, padded, or with a comma, quote or control character"
            )
        if tier < 1:
            raise ValueError(f"ticket {ticket}: the tier must be 1 or more, not {tier}")
        if ticket in seen:
            raise ValueError(f"ticket {ticket} appears twice")
        seen.add(ticket)
    return rows


# --- END ALGORITHM anju-lottery-1 ---


# The published files. scripts/verify-lottery reads exactly these formats.
RESULT_FORMAT = "anju-lottery-result-1"


def entrants_csv(entrants) -> str:
    """The published entrant list: a ``ticket,tier`` header, then the canonical order.
    Tickets never hold a comma or a quote, so the file needs no quoting, and its lines
    after the header, with the comma read as a tab, are the canonical list itself."""
    rows = sorted(_checked(entrants))
    return "ticket,tier\n" + "".join(f"{ticket},{tier}\n" for ticket, tier in rows)


def result_json(
    *,
    round_number: str,
    title: str,
    draw_no: int,
    seed: str,
    seed_commitment: str,
    entrants_hash_published: str,
    drawn_at: str,
    reason: str = "",
    superseded_at: str | None = None,
    order,
) -> str:
    """The published result of one draw, one order row per line so that it reads and
    diffs well. `order` is rows (ticket, tier, draw_position, order)."""
    rows = sorted((Drawn(*row) for row in order), key=lambda row: row.order)
    head = {
        "format": RESULT_FORMAT,
        "round": round_number,
        "title": title,
        "draw": draw_no,
        "algorithm": ALGORITHM,
        "entrant_count": len(rows),
        "entrants_hash": entrants_hash_published,
        "seed_commitment": seed_commitment,
        "seed": seed,
        "drawn_at": drawn_at,
        "reason": reason,
        "superseded_at": superseded_at,
    }
    lines = [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in head.items()]
    body = ",\n".join(
        "    "
        + json.dumps(
            {
                "order": row.order,
                "ticket": row.ticket,
                "tier": row.tier,
                "draw_position": row.draw_position,
            },
            ensure_ascii=False,
        )
        for row in rows
    )
    return "{\n" + "\n".join(lines) + '\n  "order": [\n' + body + "\n  ]\n}\n"
