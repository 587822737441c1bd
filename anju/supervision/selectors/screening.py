"""Reads of the screening pages: the runs, a run's flags as the user may see them
(scoped by estate, filtered, ranked by score), and the thresholds report, which follows
each flag to what became of it (inspected, confirmed by a case, cleared, dismissed).
Runs cover the whole district and are not scoped; their flags are."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, Subquery

from anju.core.access import get_or_404
from anju.core.scoping import estate_q

from ..models import (
    Finding,
    FlagKind,
    InspectionTask,
    RunStatus,
    ScreeningFlag,
    ScreeningRun,
    TaskStatus,
    ViolationCase,
)

RUNS_IN_PICKER = 30


def runs_for(user, *, limit: int = RUNS_IN_PICKER) -> list[ScreeningRun]:
    """The latest runs, each with `seen`: how many of its flags the user may see."""
    scope = estate_q(user, "flag_rows__estate")
    seen = Count("flag_rows", filter=scope) if scope else Count("flag_rows")
    return list(ScreeningRun.objects.annotate(seen=seen).order_by("-started_at", "-id")[:limit])


def latest_run() -> ScreeningRun | None:
    return ScreeningRun.objects.filter(status=RunStatus.DONE).order_by("-started_at", "-id").first()


def run_or_404(pk) -> ScreeningRun:
    return get_or_404(ScreeningRun.objects.all(), pk=pk)


def flag_for_user(user, pk) -> ScreeningFlag:
    """A flag the user may see (404 for one outside their estates, as for a missing one)."""
    return get_or_404(
        ScreeningFlag.objects.visible_to(user).select_related("unit", "household", "run"), pk=pk
    )


def flags_for(
    user,
    run: ScreeningRun,
    *,
    flag: str = "",
    estate=None,
    min_score: Decimal | None = None,
    status: str = "",
):
    """The run's flags the user may see, filtered, highest score first. Each carries
    `task_pk` and `task_number`, of the newest inspection task raised on it."""
    flags = ScreeningFlag.objects.visible_to(user).filter(run=run)
    if flag:
        flags = flags.filter(flag=flag)
    if estate is not None:
        flags = flags.filter(estate=estate)
    if min_score is not None:
        flags = flags.filter(score__gte=min_score)
    if status:
        flags = flags.filter(status=status)
    newest_task = InspectionTask.objects.filter(flag=OuterRef("pk")).order_by("-id")
    return (
        flags.select_related("unit", "estate", "household__head")
        .annotate(
            task_pk=Subquery(newest_task.values("pk")[:1]),
            task_number=Subquery(newest_task.values("number")[:1]),
        )
        .order_by("-score", "unit__code", "flag")
    )


def flag_counts(user, run: ScreeningRun) -> dict[str, int]:
    """How many of the run's flags of each kind the user may see."""
    rows = (
        ScreeningFlag.objects.visible_to(user)
        .filter(run=run)
        .values_list("flag")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = dict.fromkeys(FlagKind.values, 0)
    counts.update(dict(rows))
    return counts


# --- The thresholds report ------------------------------------------------------------


@dataclass
class Outcomes:
    """What became of the flags of one kind."""

    flag: str
    label: str
    raised: int = 0
    inspected: int = 0
    confirmed: int = 0
    cleared: int = 0
    dismissed: int = 0
    open: int = 0

    @property
    def settled(self) -> int:
        return self.confirmed + self.cleared

    @property
    def rate(self) -> Decimal | None:
        """Confirmed as a share of the flags an inspection settled, in per cent."""
        if not self.settled:
            return None
        return (Decimal(100) * self.confirmed / self.settled).quantize(Decimal("0.1"))


COUNTS = ("raised", "inspected", "confirmed", "cleared", "dismissed", "open")


def report_runs(count: int) -> list[ScreeningRun]:
    return list(
        ScreeningRun.objects.filter(status=RunStatus.DONE).order_by("-started_at", "-id")[:count]
    )


def thresholds_report(user, runs: list[ScreeningRun]) -> tuple[list[Outcomes], Outcomes]:
    """Per flag kind over `runs`, in one query: flags raised, inspected (an inspection
    task was raised on the flag), confirmed (a violation case was opened from the flag
    or from its task), cleared (its task was done with no issue found), dismissed, and
    still open; and the confirmation rate of those an inspection settled."""
    tasks = InspectionTask.objects.filter(flag=OuterRef("pk"))
    confirmed = ViolationCase.objects.filter(
        Q(flag=OuterRef("pk")) | Q(inspection__flag=OuterRef("pk"))
    )
    cleared = tasks.filter(status=TaskStatus.DONE, finding=Finding.NO_ISSUE)
    rows = (
        ScreeningFlag.objects.visible_to(user)
        .filter(run__in=[r.pk for r in runs])
        .values("flag")
        .annotate(
            raised=Count("pk"),
            inspected=Count("pk", filter=Exists(tasks)),
            confirmed=Count("pk", filter=Exists(confirmed)),
            cleared=Count("pk", filter=Exists(cleared) & ~Exists(confirmed)),
            dismissed=Count("pk", filter=Q(status="dismissed")),
            open=Count("pk", filter=Q(status="open")),
        )
        .order_by()
    )
    found = {row.pop("flag"): row for row in rows}
    kinds = [
        Outcomes(value, str(label), **found.get(value, {})) for value, label in FlagKind.choices
    ]
    total = Outcomes("", "")
    for kind in kinds:
        for name in COUNTS:
            setattr(total, name, getattr(total, name) + getattr(kind, name))
    return kinds, total
