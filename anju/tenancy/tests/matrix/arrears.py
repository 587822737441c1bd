"""Scoping-matrix rows of arrears and the “must vacate” list: the ledger and its bulk
SMS, a household's arrears page and its actions (a step, a court hold and its lifting,
a repayment agreement and its cancelling), an agreement's page, the rule table and its
edit page (the authority's, through tenancy.vacate), the list and its withdrawal.

Each side (E1 "in", E2 "out") gets two households of its own in a new building, with a
lease through 2019 and seven months of 2019 billed and unpaid, so that the other
modules' bill runs and payments leave them alone. The first is on the list (its
“must vacate” step taken), in court and under an agreement; the second is free for the
actions that need a household with none of these."""

import datetime

from django.utils import timezone

from anju.tenancy.models import ArrearsStep
from anju.tenancy.services.agreements import agreement_create
from anju.tenancy.services.arrears import hold_record, step_take
from anju.tenancy.services.billing import bill_run
from anju.testing.matrix import (
    ARREARS_MANAGE,
    TENANCY_VIEW,
    VACATE_LIST,
    Row,
    _list,
    _r,
)
from anju.testing.tenancy import housed_household

START = datetime.date(2019, 1, 1)


def build(world):
    cast = world.cast
    officer = cast.users["officer"]
    sides = {}
    for side, estate in (("in", cast.e1), ("out", cast.e2)):
        tag = side.upper()
        sides[side] = {
            "listed": housed_household(estate, f"ARL-{tag[0]}", officer, start=START),
            "free": housed_household(estate, f"ARF-{tag[0]}", officer, start=START),
        }
    for month in range(1, 8):
        bill_run(datetime.date(2019, month, 1), actor=officer)
    soon = timezone.localdate() + datetime.timedelta(days=30)
    for x in sides.values():
        notice = step_take(x["listed"], actor=officer)  # 7 months owed: art. 29
        x["listing"] = x["listed"].vacate_listings.get()
        assert notice.action == "must_vacate"
        x["hold"] = hold_record(x["listed"], actor=officer, reference="（2026）晋0402民初1号")
        x["agreement"] = agreement_create(
            x["listed"], actor=officer, instalments=[(soon, "100.00")]
        )
    world.extra["arrears"] = {"sides": sides, "soon": soon}


def _x(w, side):
    return w.extra["arrears"]["sides"][side]


def _url(name, key):
    return lambda w, side, role: _r(name, _x(w, side)[key].pk)


def _steps_data(w, side):
    data = {"source": "长住建〔2026〕矩阵号"}
    for s in ArrearsStep.objects.all():
        data.update(
            {
                f"order_{s.pk}": s.order,
                f"min_months_{s.pk}": s.min_months,
                f"wait_days_{s.pk}": s.wait_days + 1,
                f"active_{s.pk}": "on",
            }
        )
    return data


ROWS = [
    Row(
        "arrears_ledger",
        _list("arrears_ledger"),
        allowed=TENANCY_VIEW,
        scope="none",
        marks=("ARF-I", "ARF-O"),
    ),
    Row(
        "arrears_sms_bulk",
        _list("arrears_sms_bulk"),
        methods=("POST",),
        allowed=ARREARS_MANAGE,
        scope="none",
        data=lambda w, side: {},
    ),
    Row("arrears_steps", _list("arrears_steps"), allowed=TENANCY_VIEW, scope="none"),
    Row(
        "arrears_steps_edit",
        _list("arrears_steps_edit"),
        methods=("GET", "POST"),
        allowed=VACATE_LIST,
        scope="none",
        data=_steps_data,
    ),
    Row("arrears_household", _url("arrears_household", "listed"), allowed=TENANCY_VIEW),
    Row(
        "arrears_step_take",
        _url("arrears_step_take", "free"),
        methods=("POST",),
        allowed=ARREARS_MANAGE,
        data=lambda w, side: {"action": "visit", "note": "矩阵：上门了解情况"},
    ),
    Row(
        "arrears_hold_add",
        _url("arrears_hold_add", "free"),
        methods=("POST",),
        allowed=ARREARS_MANAGE,
        data=lambda w, side: {"reference": "（2026）晋0402民初2号"},
    ),
    Row(
        "agreement_create",
        _url("agreement_create", "free"),
        methods=("POST",),
        allowed=ARREARS_MANAGE,
        data=lambda w, side: {"instalments": f"{w.extra['arrears']['soon']:%Y-%m-%d} 300.00"},
    ),
    Row(
        "arrears_hold_lift",
        _url("arrears_hold_lift", "hold"),
        methods=("POST",),
        allowed=ARREARS_MANAGE,
        data=lambda w, side: {"reason": "已判决"},
    ),
    Row("agreement_detail", _url("agreement_detail", "agreement"), allowed=TENANCY_VIEW),
    Row(
        "agreement_cancel",
        _url("agreement_cancel", "agreement"),
        methods=("POST",),
        allowed=ARREARS_MANAGE,
        data=lambda w, side: {"reason": "录入有误"},
    ),
    Row(
        "vacate_list",
        _list("vacate_list"),
        allowed=TENANCY_VIEW,
        scope="none",
        marks=("ARL-I", "ARL-O"),
    ),
    Row(
        "vacate_withdraw",
        _url("vacate_withdraw", "listing"),
        methods=("POST",),
        allowed=VACATE_LIST,
        data=lambda w, side: {"reason": "欠款已结清"},
    ),
]
