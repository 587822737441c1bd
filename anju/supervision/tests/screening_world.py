"""Worlds for the screening tests: the smallest demo district, with or without its
labelled door and meter data, built once per module inside a transaction that is
rolled back at the module's end (each test runs in a savepoint inside it).

`Rows` writes door events and meter readings for one unit as a gateway's CSV and sends
them through the public ingest service, so that a test states exactly what a unit's
lock and meters said."""

import datetime

from anju.demo import district
from anju.supervision.services.ingest import ingest

# A fixed past day, so that the ingest service (which refuses future times) takes the
# rows whatever day the tests run.
UNTIL = datetime.date(2026, 10, 31)


def small_district(seed: int = 11):
    """The smallest district, with no admission or tenancy data."""
    return district.generate(
        units=district.MIN_UNITS, seed=seed, admission=False, tenancy=False, services=False
    )


def day(n: int, until: datetime.date = UNTIL) -> datetime.date:
    """Day n of a window ending `until`, counting from 1 for its first day of 30."""
    return until - datetime.timedelta(days=30 - n)


class Rows:
    """One unit's rows, written as CSV and ingested in two batches (access, meters)."""

    def __init__(self, unit_code: str):
        self.code = unit_code
        self.access: list[str] = []
        self.meters: list[str] = []

    def open(
        self, on: datetime.date, ref: str, *, cred: str = "face", hour: int = 18, granted=True
    ) -> "Rows":
        n = len(self.access)
        self.access.append(
            f"T-{self.code}-{n},LK-{self.code},{self.code},{on.isoformat()}T{hour:02d}:00:00+08:00,"
            f"{cred},{ref},{'granted' if granted else 'denied'}"
        )
        return self

    def read(
        self, on: datetime.date, value: float, *, kind: str = "electricity", meter: str = ""
    ) -> "Rows":
        meter = meter or f"{'EM' if kind == 'electricity' else 'WM'}-{self.code}"
        self.meters.append(
            f"T-{meter}-{on:%Y%m%d}-{len(self.meters)},{meter},{self.code},{kind},"
            f"{on.isoformat()}T23:55:00+08:00,{value}"
        )
        return self

    def daily(
        self,
        first: datetime.date,
        last: datetime.date,
        per_day: float,
        *,
        kind: str = "electricity",
        start: float = 100.0,
    ) -> "Rows":
        """A reading on the day before `first` and on every day to `last`, rising by
        `per_day` a day."""
        value, on = start, first - datetime.timedelta(days=1)
        while on <= last:
            self.read(on, round(value, 3), kind=kind)
            value += per_day
            on += datetime.timedelta(days=1)
        return self

    def send(self) -> None:
        if self.access:
            batch = ingest(
                kind="access",
                data=(
                    "event_id,device_id,unit_code,occurred_at,credential,person_ref,result\n"
                    + "\n".join(self.access)
                ).encode(),
                principal=None,
                channel="demo",
            )
            assert batch.rejected == 0, batch.errors
        if self.meters:
            batch = ingest(
                kind="meters",
                data=(
                    "reading_id,meter_id,unit_code,kind,read_at,value\n" + "\n".join(self.meters)
                ).encode(),
                principal=None,
                channel="demo",
            )
            assert batch.rejected == 0, batch.errors
        self.access, self.meters = [], []
