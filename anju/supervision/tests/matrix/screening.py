"""Scoping-matrix rows of the screening pages: the results of a run (and its CSV), starting
a run, dismissing a flag, a unit's evidence page, the thresholds page and editing one
threshold.

The module's run flags a unit on each side (E1 "in", E2 "out"); the results page is
asked for that run by number, since other modules leave runs of their own. Runs are
not scoped (their flags are), so the results page has no "out"; a threshold belongs
to no estate, so its "out" is a key that does not exist."""

import datetime

from django.utils import timezone

from anju.supervision.models import FlagKind
from anju.supervision.tests.screening_fixtures import run_with_flags
from anju.testing.matrix import RULES_MANAGE, SCREENING_RUN, SUPERVISION_VIEW, Row, _r


def build(world):
    cast = world.cast
    flags = [
        (cast.unit_a, FlagKind.SUBLET, "0.910", "矩阵证据：E1 的线索"),
        (cast.unit_c, FlagKind.IDLE, "0.850", "矩阵证据：E2 的线索"),
    ]
    run = run_with_flags(until=datetime.date(2020, 6, 30), flags=flags, actor=cast.users["officer"])
    world.extra["screening"] = {
        "run": run,
        "flags": {
            "in": run.flag_rows.get(unit=cast.unit_a),
            "out": run.flag_rows.get(unit=cast.unit_c),
        },
    }


def _x(w):
    return w.extra["screening"]


def _results(query=""):
    return lambda w, side, role: f"{_r('screening_results')}?run={_x(w)['run'].pk}{query}"


ROWS = [
    Row(
        "screening_results",
        _results(),
        allowed=SUPERVISION_VIEW,
        scope="none",
        marks=("矩阵证据：E1 的线索", "矩阵证据：E2 的线索", "E2-01-0101"),
    ),
    Row(
        "screening_run_start",
        lambda w, side, role: _r("screening_run_start"),
        methods=("POST",),
        allowed=SCREENING_RUN,
        scope="none",
        data=lambda w, side: {
            "until": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
            "window_days": "90",
        },
    ),
    Row(
        "flag_dismiss",
        lambda w, side, role: _r("flag_dismiss", _x(w)["flags"][side].pk),
        methods=("POST",),
        allowed=SCREENING_RUN,
        data=lambda w, side: {"reason": "住院三周，社区已核实"},
    ),
    Row(
        "screening_evidence",
        lambda w, side, role: f"{_r('screening_evidence', w.unit(side).pk)}?run={_x(w)['run'].pk}",
        allowed=SUPERVISION_VIEW,
    ),
    Row(
        "screening_thresholds",
        lambda w, side, role: _r("screening_thresholds"),
        allowed=SUPERVISION_VIEW,
        scope="none",
    ),
    Row(
        "threshold_edit",
        lambda w, side, role: _r(
            "threshold_edit", "idle_quiet_days" if side == "in" else "no_such_threshold"
        ),
        methods=("GET", "POST"),
        allowed=RULES_MANAGE,
        scope="missing",
        data=lambda w, side: {"value": "60", "source": "长治市L区住房保障中心〔2026〕7号"},
    ),
]
