"""with_fresh_number: a write whose running number another writer took first is run
again, in a savepoint of its own, with the next number; after the last try the
IntegrityError propagates and nothing of the failed tries is kept."""

import pytest
from django.core.cache import cache
from django.db import IntegrityError
from django.utils import timezone

from anju.core.numbering import next_number, with_fresh_number
from anju.supervision.models import Tip, TipSource
from anju.supervision.services import tips

pytestmark = pytest.mark.django_db

PREFIX = "JB2026"


def _tip(number: str, code: str) -> Tip:
    return Tip.objects.create(
        number=number,
        tracking_code=code,
        source=TipSource.STAFF,
        category="other",
        place="1号楼",
        text="Seen.",
    )


def test_a_taken_number_is_tried_again_with_the_next_one():
    taken = _tip(f"{PREFIX}00001", "AAAA1").number
    calls = []

    def write() -> Tip:
        calls.append(1)
        # The first try loses the race: another writer saved this number a moment ago.
        number = taken if len(calls) == 1 else next_number(Tip, PREFIX, width=5)
        return _tip(number, f"BBBB{len(calls)}")

    tip = with_fresh_number(write)

    assert len(calls) == 2
    assert tip.number == f"{PREFIX}00002"
    assert sorted(Tip.objects.values_list("number", flat=True)) == [taken, tip.number]


def test_after_the_last_try_the_error_propagates_and_nothing_is_written():
    taken = _tip(f"{PREFIX}00001", "AAAA1").number
    calls = []

    def write() -> Tip:
        calls.append(1)
        # A part of the write that succeeds, then the number that never does.
        _tip(f"{PREFIX}9{len(calls):04d}", f"CCCC{len(calls)}")
        return _tip(taken, f"DDDD{len(calls)}")

    with pytest.raises(IntegrityError):
        with_fresh_number(write, attempts=2)

    assert len(calls) == 2
    # The outer transaction is still usable, and holds only what was there before.
    assert list(Tip.objects.values_list("number", flat=True)) == [taken]


def test_a_service_retries_through_the_helper(monkeypatch):
    cache.clear()
    prefix = f"JB{timezone.localdate():%Y}"
    taken = _tip(f"{prefix}00001", "AAAA1").number
    handed = []

    def racing_next_number(model, prefix, **kwargs):
        # The first caller is handed the number another writer has just saved.
        handed.append(taken if not handed else next_number(model, prefix, **kwargs))
        return handed[-1]

    monkeypatch.setattr(tips, "next_number", racing_next_number)
    tip = tips.tip_submit(
        source=TipSource.PUBLIC,
        category="sublet",
        place="康居苑 1号楼",
        text="Strangers with suitcases come and go every week.",
        ip="203.0.113.9",
    )
    cache.clear()

    assert handed == [taken, f"{prefix}00002"]
    assert tip.number == f"{prefix}00002"
    assert Tip.objects.count() == 2
