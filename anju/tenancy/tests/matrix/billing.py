"""Scoping-matrix rows of bills and payments: the household account, a payment and its
receipt, the counter, refunds, one-off bills, the bill run and payment statements.

Each side (E1 "in", E2 "out") gets households of its own, housed in a new building
from 2020, so that nothing the other modules do to Alice and Charlie changes them: one
that owes (a rent bill of 2020-06 partly paid, and an unpaid fine to cancel), and one
that holds credit (to refund). The bill run of 2020-06 bills only these households.
Bill runs are not scoped (their bills are), so the run's "out" is a missing one.
Statements are their importer's own; the district-wide roles see every one."""

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from anju.tenancy.models import BillKind
from anju.tenancy.services.billing import bill_raise, bill_run
from anju.tenancy.services.payments import payment_record
from anju.tenancy.services.statements import statement_import
from anju.testing.matrix import BILLING_MANAGE, PAYMENT_RECORD, TENANCY_VIEW, Row, _r
from anju.testing.tenancy import housed_household

MONTH = datetime.date(2020, 6, 1)
MISSING_PK = 987654321
HEADER = b"transaction_id,paid_at,amount,lease_number,payer,memo\n"


def build(world):
    cast = world.cast
    officer = cast.users["officer"]
    sides = {}
    for side, estate in (("in", cast.e1), ("out", cast.e2)):
        tag = side.upper()
        sides[side] = {
            "owing": housed_household(estate, f"MXB-OWE-{tag}", officer),
            "credit": housed_household(estate, f"MXB-CR-{tag}", officer),
        }
    run = bill_run(MONTH, actor=officer)
    for x in sides.values():
        x["payment"], _new = payment_record(
            x["owing"], actor=officer, amount="100.00", channel="cash", payer="付款人"
        )
        x["fine"] = bill_raise(
            x["owing"],
            actor=officer,
            kind=BillKind.FINE,
            amount=Decimal("50.00"),
            due_on=datetime.date(2020, 7, 1),
            description="矩阵罚款",
        )
        payment_record(x["credit"], actor=officer, amount="1000.00", channel="card")
    statements = {
        username: statement_import(actor=user, channel="bank", data=HEADER, name=f"{username}.csv")
        for username, user in cast.users.items()
    }
    world.extra["billing"] = {"sides": sides, "run": run, "statements": statements}


def _x(w):
    return w.extra["billing"]


def _pick(key, name, *args):
    return lambda w, side, role: _r(name, _x(w)["sides"][side][key].pk, *args)


def _own_statement(w, side, role):
    statements = _x(w)["statements"]
    if side == "in":
        return _r("statement_detail", statements.get(role, statements["officer"]).pk)
    return _r("statement_detail", statements["street" if role == "officer" else "officer"].pk)


def _statement_file(w, side):
    lease = f"L-{_x(w)['sides']['in']['owing'].number}"
    body = (
        HEADER + f"MX-{timezone.now():%H%M%S%f},2020-06-05T10:00:00+08:00,1.00,{lease},,\n".encode()
    )
    return {"channel": "bank", "file": SimpleUploadedFile("statement.csv", body, "text/csv")}


ROWS = [
    Row("household_account", _pick("owing", "household_account"), allowed=TENANCY_VIEW),
    Row("payment_detail", _pick("payment", "payment_detail"), allowed=TENANCY_VIEW),
    Row("payment_receipt", _pick("payment", "payment_receipt"), allowed=TENANCY_VIEW),
    Row(
        "payment_counter",
        _pick("owing", "payment_counter"),
        methods=("GET", "POST"),
        allowed=PAYMENT_RECORD,
        data=lambda w, side: {"channel": "cash", "amount": "10.00", "payer": "", "note": ""},
    ),
    Row(
        "refund_record",
        _pick("credit", "refund_record"),
        methods=("GET", "POST"),
        allowed=PAYMENT_RECORD,
        data=lambda w, side: {
            "amount": "1.00",
            "method": "cash",
            "paid_on": timezone.localdate().isoformat(),
            "reason": "多缴退还",
        },
    ),
    Row(
        "bill_raise",
        _pick("owing", "bill_raise"),
        methods=("GET", "POST"),
        allowed=BILLING_MANAGE,
        data=lambda w, side: {
            "kind": "damage",
            "amount": "80.00",
            "due_on": "2020-08-01",
            "description": "门锁损坏",
        },
    ),
    Row(
        "bill_cancel",
        _pick("fine", "bill_cancel"),
        methods=("POST",),
        allowed=BILLING_MANAGE,
        data=lambda w, side: {"reason": "开错了"},
    ),
    Row(
        "billrun_list",
        lambda w, side, role: _r("billrun_list"),
        allowed=BILLING_MANAGE,
        scope="none",
    ),
    Row(
        "billrun_start",
        lambda w, side, role: _r("billrun_start"),
        methods=("POST",),
        allowed=BILLING_MANAGE,
        scope="none",
        data=lambda w, side: {"month": "2020-07"},
    ),
    Row(
        "billrun_detail",
        lambda w, side, role: _r("billrun_detail", _x(w)["run"].pk if side == "in" else MISSING_PK),
        allowed=BILLING_MANAGE,
        scope="missing",
        marks=("MXB-OWE-IN", "MXB-OWE-OUT"),
    ),
    Row(
        "statement_list",
        lambda w, side, role: _r("statement_list"),
        allowed=PAYMENT_RECORD,
        scope="none",
    ),
    Row(
        "statement_import",
        lambda w, side, role: _r("statement_import"),
        methods=("POST",),
        allowed=PAYMENT_RECORD,
        scope="none",
        data=_statement_file,
    ),
    Row(
        "statement_detail",
        _own_statement,
        allowed=PAYMENT_RECORD,
        scope="own",
        # The district-wide roles see every statement: the officer may open another's,
        # the auditor sees it but may not.
        override={"officer": 200, "auditor": 403},
    ),
    # --- API ---
    Row(
        "api-1:household_bills",
        lambda w, side, role: _r(
            "api-1:household_bills", household_id=_x(w)["sides"][side]["owing"].pk
        ),
        allowed=TENANCY_VIEW,
        api=True,
    ),
    Row(
        "api-1:household_payments",
        lambda w, side, role: _r(
            "api-1:household_payments", household_id=_x(w)["sides"][side]["owing"].pk
        ),
        allowed=TENANCY_VIEW,
        api=True,
    ),
    Row(
        "api-1:household_balance",
        lambda w, side, role: _r(
            "api-1:household_balance", household_id=_x(w)["sides"][side]["owing"].pk
        ),
        allowed=TENANCY_VIEW,
        api=True,
    ),
]
