"""Builders for the screening pages' tests and matrix rows: door events and meter
readings written as a gateway would send them and stored through the real ingest
service, and screening runs with their flags."""

import datetime
from decimal import Decimal

from django.utils import timezone
from stdnum.cn import ric

from anju.households import services as hh
from anju.supervision.models import (
    FlagKind,
    RunStatus,
    RunTrigger,
    ScreeningFlag,
    ScreeningRun,
)
from anju.supervision.services.ingest import ingest
from anju.testing.tenancy import housed_household

ACCESS_HEADER = "event_id,device_id,unit_code,occurred_at,credential,person_ref,result\n"
METER_HEADER = "reading_id,meter_id,unit_code,kind,read_at,value\n"


def person_id(seq: int, born: str = "19700101") -> str:
    """A valid resident ID number of Changzhi, one per `seq`."""
    body = f"140402{born}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def housed(estate, number: str, actor, seq: int):
    """A household of one (its head), in a unit of a new building of `estate`."""
    return housed_household(
        estate, number, actor, head={"name": f"住户{seq}", "id_number": person_id(seq)}
    )


def _at(day: datetime.date, hour: int, minute: int = 0) -> str:
    return f"{day.isoformat()}T{hour:02d}:{minute:02d}:00+08:00"


def enrol(member, ref: str, *, actor, kind: str = "card"):
    return hh.credential_add(member, actor=actor, kind=kind, ref=ref)


def feed(
    unit,
    *,
    until: datetime.date,
    days: int,
    member_refs=(),
    member_days=None,
    visitor_refs=(),
    visitor_days=None,
    kwh=Decimal("4.0"),
    water=Decimal("0.20"),
    meter_every: int = 1,
    replace_on: datetime.date | None = None,
) -> None:
    """`days` days of a unit's life up to `until`, stored through the ingest service.
    Each member card in `member_refs` opens the door on the days `member_days` picks (a
    function of the day's index; every day by default), each unregistered card in
    `visitor_refs` on the days `visitor_days` picks. The meters are read every
    `meter_every` days and use `kwh` and `water` a day; on `replace_on` the electricity
    meter is swapped for a new one that starts again from zero."""
    tag = unit.code
    member_days = member_days or (lambda i: True)
    visitor_days = visitor_days or (lambda i: False)
    access, meters = [ACCESS_HEADER], [METER_HEADER]
    first = until - datetime.timedelta(days=days)  # a reading the day before the window
    register = {"electricity": Decimal("1000"), "water": Decimal("100")}
    for i in range(days + 1):
        day = first + datetime.timedelta(days=i)
        if i:
            for n, ref in enumerate(member_refs):
                if member_days(i):
                    access.append(
                        f"{tag}-m{n}-{i},{tag}-lock,{tag},{_at(day, 8, n)},card,{ref},granted\n"
                    )
            for n, ref in enumerate(visitor_refs):
                if visitor_days(i):
                    access.append(
                        f"{tag}-v{n}-{i},{tag}-lock,{tag},{_at(day, 19, n)},card,{ref},granted\n"
                    )
            register["electricity"] += kwh
            register["water"] += water
        if replace_on is not None and day == replace_on:
            register["electricity"] = Decimal("0.5")
        if i % meter_every == 0 or i == days:
            for kind, value in register.items():
                meters.append(
                    f"{tag}-{kind}-{i},{tag}-{kind},{tag},{kind},{_at(day, 23)},{value}\n"
                )
    if len(access) > 1:
        ingest(kind="access", data="".join(access).encode(), principal=None, channel="cli")
    ingest(kind="meters", data="".join(meters).encode(), principal=None, channel="cli")


def run_with_flags(*, until: datetime.date, window_days: int = 90, flags=(), actor=None):
    """A finished screening run and its flags: (unit, kind, score, evidence) tuples."""
    run = ScreeningRun.objects.create(
        until=until,
        window_days=window_days,
        trigger=RunTrigger.MANUAL,
        status=RunStatus.DONE,
        created_by=actor,
        finished_at=timezone.now(),
        units=len({f[0].pk for f in flags}),
        flags=len(flags),
    )
    for unit, kind, score, evidence in flags:
        household = getattr(unit, "household", None)
        ScreeningFlag.objects.create(
            run=run,
            unit=unit,
            estate=unit.estate,
            household=household,
            flag=kind,
            score=Decimal(score),
            evidence=evidence,
            features={"member_days": 3, "unregistered_days": 71},
        )
    return run


__all__ = ["FlagKind", "enrol", "feed", "housed", "person_id", "run_with_flags"]
