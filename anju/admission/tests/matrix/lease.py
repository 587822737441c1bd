"""Matrix rows of the lease pages: the offer, its contract, signing and the move-in
handover. Built on the allocation module's rounds (it runs first, by name): of the
three units held in each side's full round, the first has no offer yet, the second an
offer to sign, the third a signed offer to hand over."""

from django.utils import timezone

from anju.admission.services import lease as svc
from anju.testing.matrix import LEASE_SIGN, Row, _list, _r

from .allocation import signed_scan


def build(world):
    officer = world.cast.officer
    today = timezone.localdate()
    world.extra["lease"] = {}
    for side in ("in", "out"):
        held, to_sign, to_hand_over = world.extra["allocation"][side]["selections"]
        offer = svc.lease_offer_create(to_sign, actor=officer, start=today)
        signed = svc.lease_offer_create(to_hand_over, actor=officer, start=today)
        svc.lease_offer_sign(signed, actor=officer, signed_scan_file=signed_scan())
        world.extra["lease"][side] = {"held": held, "offer": offer, "signed": signed}


def _pick(key):
    return lambda w, side: w.extra["lease"][side][key]


def _url(name, key):
    return lambda w, side, role: _r(name, _pick(key)(w, side).pk)


def _handover(w, side):
    offer = _pick("signed")(w, side)
    head = offer.selection.household.head
    data = {f"item-{code}": "ok" for code in svc.CHECKLIST_ITEMS}
    data.update(
        {
            "item-walls": "defect",
            "note-walls": "客厅墙面有裂缝",
            "meter-water": "12.5",
            "meter-electricity": "3456.7",
            "meter-gas": "",
            "keys": "3",
            "cards": "2",
            f"cred-{head.pk}-1-kind": "card",
            f"cred-{head.pk}-1-ref": f"CARD-{side.upper()}-0001",
        }
    )
    return data


ROWS = [
    Row(
        "lease_offer_list",
        _list("lease_offer_list"),
        allowed=LEASE_SIGN,
        scope="none",
        marks=("康居苑", "安泰小区"),
    ),
    Row(
        "lease_offer_create",
        _url("lease_offer_create", "held"),
        methods=("GET", "POST"),
        allowed=LEASE_SIGN,
        data=lambda w, side: {"start": timezone.localdate().isoformat(), "years": "5"},
    ),
    Row("lease_offer_detail", _url("lease_offer_detail", "offer"), allowed=LEASE_SIGN),
    Row("lease_contract", _url("lease_contract", "offer"), allowed=LEASE_SIGN),
    Row(
        "lease_offer_document",
        lambda w, side, role: _r(
            "lease_offer_document",
            _pick("signed")(w, side).pk,
            _pick("signed")(w, side).signed_scan_id,
        ),
        allowed=LEASE_SIGN,
    ),
    Row(
        "lease_offer_sign",
        _url("lease_offer_sign", "offer"),
        methods=("POST",),
        allowed=LEASE_SIGN,
        data=lambda w, side: {"signed_scan": signed_scan()},
    ),
    Row(
        "lease_handover",
        _url("lease_handover", "signed"),
        methods=("GET", "POST"),
        allowed=LEASE_SIGN,
        data=_handover,
    ),
]
