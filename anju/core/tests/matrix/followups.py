"""Matrix rows of the notification outbox and the follow-up tasks: one message and one
task on each side."""

from anju.core import notify
from anju.core.followups import task_raise
from anju.core.models import MessageChannel
from anju.testing.matrix import (
    HOUSEHOLDS_CHANGE,
    HOUSEHOLDS_VIEW,
    RULES_MANAGE,
    Row,
    _list,
    _r,
)

notify.register("matrix.hello", MessageChannel.SMS, "Hello {household}")


def build(world):
    world.extra["followups"] = {}
    for side, household in (
        ("in", world.cast.alice_household),
        ("out", world.cast.charlie_household),
    ):
        notify.queue("matrix.hello", key=f"matrix:{side}", household=household)
        task = task_raise(
            key=f"matrix:{side}",
            kind="visit",
            title=f"Visit {household.number}",
            household=household,
            organisation=household.community,
        )
        world.extra["followups"][side] = task


ROWS = [
    Row(
        "message_list",
        _list("message_list"),
        allowed=HOUSEHOLDS_VIEW,
        scope="none",
        marks=("HH-A", "HH-C"),
    ),
    Row("task_list", _list("task_list"), allowed=HOUSEHOLDS_VIEW, scope="none"),
    Row(
        "task_complete",
        lambda w, side, role: _r("task_complete", w.extra["followups"][side].pk),
        methods=("POST",),
        allowed=HOUSEHOLDS_CHANGE,
        scope="estate",
        data=lambda w, side: {"note": "visited"},
    ),
]

ROWS += [
    Row(
        "message_template_list", _list("message_template_list"), allowed=RULES_MANAGE, scope="none"
    ),
    Row(
        "message_template_edit",
        lambda w, side, role: _r("message_template_edit", "matrix.hello"),
        methods=("GET", "POST"),
        allowed=RULES_MANAGE,
        scope="none",
        data=lambda w, side: {"body_zh": "您好，{household}", "body_en": "Hello {household}"},
    ),
]
