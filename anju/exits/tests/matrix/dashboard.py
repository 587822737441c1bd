"""Scoping-matrix rows of the exits dashboard.

Each side (E1 "in", E2 "out") gets a household of its own with an exit case opened two
years ago and never decided: it heads the dashboard's overdue list, and its household
number is the page's mark of that side. (The CSV file is the same URL with
?format=csv; its scoping is tested in test_dashboard.py.)"""

import datetime

from django.utils import timezone

from anju.exits.models import ExitChannel, ExitReason
from anju.exits.services import cases as svc
from anju.testing.matrix import EXITS_VIEW, Row, _list
from anju.testing.tenancy import housed_household


def build(world):
    officer = world.cast.users["officer"]
    today = timezone.localdate()
    long_ago = today - datetime.timedelta(days=730)
    for side, estate in (("in", world.cast.e1), ("out", world.cast.e2)):
        household = housed_household(
            estate,
            f"XDB-{side[0].upper()}",
            officer,
            start=long_ago - datetime.timedelta(days=30),
            end=today + datetime.timedelta(days=730),
        )
        svc.case_open(
            household,
            actor=officer,
            reason=ExitReason.RECERTIFICATION,
            channel=ExitChannel.STAFF,
            summary="矩阵：仪表盘",
            on=long_ago,
        )


ROWS = [
    Row(
        "exits_dashboard",
        _list("exits_dashboard"),
        allowed=EXITS_VIEW,
        scope="none",
        marks=("XDB-I", "XDB-O"),
    ),
]
