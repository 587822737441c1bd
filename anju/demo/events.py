"""Door events and meter readings for the synthetic district, with labelled cases.

`generate_events(days=…, seed=…)` writes, for every occupied unit (a unit a household
lives in), `days` days of door openings and daily meter readings ending yesterday (or
`until`), and sends them in through the public ingest path
(`anju.supervision.services.ingest.ingest`, channel "demo"), as a gateway's CSV
batches would come. Everything is drawn from the seed: one generator per unit, so the
same seed and dates give the same rows.

Ordinary life first. Members come home with their enrolled face or card (now and then
with an anonymous password); workers on workdays in the evening, pensioners in the
morning and afternoon, pupils after school; some members work away and are never seen.
Households take trips of a few days, get visitors (temporary passwords, seen on a day or
two), some a relative who comes every week or a nanny on workdays; a finger is denied
now and then. Electricity and water follow the household's size and its own habits,
higher at weekends, at standby while everyone is away. Meters skip a reading now and
then, and a few are replaced (a new meter from zero) or reset (the register goes
backwards) in the middle of the data.

Then the labelled cases, planted in a share of the occupied units (`LABEL_FLAGS` gives
the flags each label should raise; a confounder should raise none):

- `idle`: nobody comes for the last two months or more; meters at standby.
- `sublet`: the members are seen on a few days at most (the lessee collecting the rent);
  one to a few other people live there with their own cards.
- `group_rental`: the household lets beds: four or more extra people come home every
  day, and the water shows it.
- `workshop`: a change of use by power: the unit draws several times a home's power.
- `shop`: a change of use by visitors: a stream of customers with temporary codes.
- `away` (confounder): the family is away for three weeks.
- `elderly_alone` (confounder): one old person who uses little and goes out on fewer
  than half the days, sometimes staying in for days.
- `caregiver` (confounder): an unregistered card every day (the caregiver) while the
  members are seen too.
- `silent_lock` (confounder): the lock stops reporting for weeks while the meters show
  normal use.

The labels (unit code → label; unlabelled units are ordinary) come back in the result
for the screening benchmark, and `write_labels` keeps them in a JSON file."""

from __future__ import annotations

import datetime
import json
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import reset_queries
from django.utils import timezone

from anju.households.models import Credential, Household, Member

Progress = Callable[[str], None]

LABEL_FLAGS: dict[str, frozenset[str]] = {
    "idle": frozenset({"idle"}),
    "sublet": frozenset({"sublet"}),
    "group_rental": frozenset({"overcrowding"}),
    "workshop": frozenset({"change_of_use"}),
    "shop": frozenset({"change_of_use"}),
    "away": frozenset(),
    "elderly_alone": frozenset(),
    "caregiver": frozenset(),
    "silent_lock": frozenset(),
}
CONFOUNDERS = ("away", "elderly_alone", "caregiver", "silent_lock")
# The share of occupied units planted with each label (at least one of each).
SHARES = {
    "idle": 0.02,
    "sublet": 0.02,
    "group_rental": 0.01,
    "workshop": 0.01,
    "shop": 0.01,
    "away": 0.02,
    "elderly_alone": 0.02,
    "caregiver": 0.015,
    "silent_lock": 0.015,
}
ACCESS_HEADER = "event_id,device_id,unit_code,occurred_at,credential,person_ref,result\n"
METER_HEADER = "reading_id,meter_id,unit_code,kind,read_at,value\n"
BATCH_ROWS = 50_000
# Electricity of a household by size (kWh/day) and water per person (m³/day).
BASE_KWH = {1: 3.0, 2: 4.6, 3: 5.8, 4: 6.8, 5: 7.6}
WATER_PER_PERSON = 0.085
OFFSET = "+08:00"


@dataclass
class MemberInfo:
    pk: int
    age: int
    employed: bool
    creds: list[tuple[str, str]]


@dataclass
class HouseholdInfo:
    pk: int
    unit_code: str
    members: list[MemberInfo]

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def oldest(self) -> int:
        return max((m.age for m in self.members), default=0)


@dataclass
class EventsResult:
    until: datetime.date
    days: int
    labels: dict[str, str]
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def write_labels(result: EventsResult, path: str | Path) -> None:
    """Keep the labels of a generated world, for a later benchmark."""
    Path(path).write_text(
        json.dumps(
            {
                "until": result.until.isoformat(),
                "days": result.days,
                "label_flags": {k: sorted(v) for k, v in LABEL_FLAGS.items()},
                "labels": dict(sorted(result.labels.items())),
            },
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )


def generate_events(
    *,
    days: int,
    seed: int,
    until: datetime.date | None = None,
    say: Progress | None = None,
    plant: dict[str, int] | None = None,
    exclude_households: set[int] | None = None,
    batch_rows: int = BATCH_ROWS,
) -> EventsResult:
    """Write `days` days of events for every occupied unit, ending `until` (default:
    yesterday), through the ingest service. `plant` overrides how many units get each
    label (default: `SHARES` of the occupied units, at least one each);
    `exclude_households` are never planted (the demo log-ins' own)."""
    from anju.supervision.services.ingest import ingest

    say = say or (lambda message: None)
    began = time.perf_counter()
    until = until or timezone.localdate() - datetime.timedelta(days=1)
    households = _households(until)
    labels_by_pk = _assign(households, seed, plant, exclude_households or set())
    first = until - datetime.timedelta(days=days - 1)
    dates = [first + datetime.timedelta(days=i) for i in range(days)]
    access: list[str] = []
    meters: list[str] = []
    counts = {"events": 0, "readings": 0, "batches": 0, "rejected": 0}

    def flush(kind: str, rows: list[str], header: str) -> None:
        if not rows:
            return
        batch = ingest(
            kind=kind,
            data=(header + "".join(rows)).encode(),
            principal=None,
            channel="demo",
            source=f"demo {kind} {counts['batches'] + 1}",
            fmt="csv",
        )
        counts["events" if kind == "access" else "readings"] += batch.accepted
        counts["rejected"] += batch.rejected
        counts["batches"] += 1
        rows.clear()
        reset_queries()  # under DEBUG, Django would keep every statement's text

    total = len(households)
    for n, h in enumerate(households, 1):
        rng = random.Random(f"{seed}:{h.unit_code}")
        sim = _Unit(h, labels_by_pk.get(h.pk), rng, dates)
        sim.run()
        access.extend(sim.access)
        meters.extend(sim.meters)
        if len(access) >= batch_rows:
            flush("access", access, ACCESS_HEADER)
        if len(meters) >= batch_rows:
            flush("meters", meters, METER_HEADER)
        if n % max(1, total // 10) == 0 or n == total:
            say(f"      units {n:,}/{total:,}")
    flush("access", access, ACCESS_HEADER)
    flush("meters", meters, METER_HEADER)
    labels = {h.unit_code: labels_by_pk[h.pk] for h in households if h.pk in labels_by_pk}
    for label in LABEL_FLAGS:
        counts[f"planted_{label}"] = sum(1 for v in labels.values() if v == label)
    return EventsResult(until, days, labels, counts, time.perf_counter() - began)


# --- Who lives where ---------------------------------------------------------------------


def _households(until: datetime.date) -> list[HouseholdInfo]:
    creds: dict[int, list[tuple[str, str]]] = {}
    for member, kind, ref in (
        Credential.objects.filter(
            revoked_at__isnull=True,
            member__left_at__isnull=True,
            member__household__unit__isnull=False,
        )
        .order_by("member_id", "kind", "ref")
        .values_list("member_id", "kind", "ref")
    ):
        creds.setdefault(member, []).append((kind, ref))
    members: dict[int, list[MemberInfo]] = {}
    for pk, household, birth, employer in (
        Member.objects.filter(left_at__isnull=True, household__unit__isnull=False)
        .order_by("household_id", "pk")
        .values_list("pk", "household_id", "birth_date", "employer")
    ):
        age = until.year - birth.year - ((until.month, until.day) < (birth.month, birth.day))
        employed = bool(employer) and employer not in ("退休", "无业")
        members.setdefault(household, []).append(MemberInfo(pk, age, employed, creds.get(pk, [])))
    return [
        HouseholdInfo(pk, code, members.get(pk, []))
        for pk, code in Household.objects.filter(unit__isnull=False)
        .order_by("unit__code")
        .values_list("pk", "unit__code")
    ]


def _assign(
    households: list[HouseholdInfo], seed: int, plant: dict[str, int] | None, exclude: set[int]
) -> dict[int, str]:
    """household pk → label. Each label takes the households that fit it best (an
    elderly person living alone for `elderly_alone`, an old household for `caregiver`),
    drawn at random; every planted household has at least one enrolled credential, so
    that its ordinary life would be seen at the door."""
    rng = random.Random(f"labels:{seed}")
    n = len(households)
    wanted = plant if plant is not None else {k: max(1, round(s * n)) for k, s in SHARES.items()}
    pool = [h for h in households if h.pk not in exclude and any(m.creds for m in h.members)]
    rng.shuffle(pool)
    taken: dict[int, str] = {}

    def fits(label: str, h: HouseholdInfo) -> int:
        """0: the best fit, 1: will do, 2: not at all."""
        if label == "elderly_alone":
            return 0 if h.size == 1 and h.oldest >= 65 else 1 if h.size == 1 else 2
        if label == "caregiver":
            return 0 if h.size <= 2 and h.oldest >= 70 else 1 if h.size <= 2 else 2
        return 0

    # The labels that need a particular household choose first.
    for label in sorted(wanted, key=lambda k: (k not in ("elderly_alone", "caregiver"), k)):
        free = [h for h in pool if h.pk not in taken and fits(label, h) < 2]
        free.sort(key=lambda h: fits(label, h))  # stable: random within each rank
        for h in free[: wanted[label]]:
            taken[h.pk] = label
    return taken


# --- One unit's days -------------------------------------------------------------------


def _clip(x: float, lo: float, hi: float) -> float:
    return lo if x < lo else hi if x > hi else x


def _ref(rng: random.Random, prefix: str) -> str:
    return f"{prefix}{rng.randrange(16**8):08X}"


class _Unit:
    """Draws one unit's door events and meter readings as CSV lines."""

    def __init__(self, h: HouseholdInfo, label: str | None, rng: random.Random, dates):
        self.h, self.label, self.rng, self.dates = h, label, rng, dates
        self.n = len(dates)
        self.code = h.unit_code
        self.lock = f"LK-{h.unit_code}"
        self.access: list[str] = []
        self.access_days: list[int] = []
        self.meters: list[str] = []
        self.seq = 0

    # Each day: who came in, at what time, with which credential (kind, ref, granted).
    def _open(self, i: int, hour: float, cred: str, ref: str, granted: bool = True) -> None:
        day = self.dates[i]
        seconds = int(_clip(hour, 0, 23.99) * 3600)
        self.seq += 1
        self.access_days.append(i)
        self.access.append(
            f"DA-{self.code}-{day:%Y%m%d}-{self.seq:04d},{self.lock},{self.code},"
            f"{day.isoformat()}T{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
            f"{OFFSET},{cred},{ref},{'granted' if granted else 'denied'}\n"
        )

    def _member_cred(self, m: MemberInfo) -> tuple[str, str]:
        rng = self.rng
        if rng.random() < 0.03:
            return "password", ""  # an anonymous code: unregistered
        faces = [c for c in m.creds if c[0] == "face"]
        cards = [c for c in m.creds if c[0] == "card"]
        if faces and (not cards or rng.random() < 0.75):
            return faces[0]
        return cards[0] if cards else m.creds[0]

    def run(self) -> None:
        rng, n, label = self.rng, self.n, self.label
        weekend = [d.weekday() >= 5 for d in self.dates]
        window = min(n, 90)  # the screening's default window: planted spans fall in it
        home = [True] * n  # someone lives there and uses the unit that day
        members_away = [False] * n  # the household is away (a trip)
        # Trips of a few days, for ordinary households and the planted cases that can
        # take one (a shop stays open; the away, idle and sublet cases have their own).
        if label in (None, "silent_lock", "caregiver", "group_rental", "workshop"):
            for _ in range(rng.choice((0, 0, 1, 1, 2))):
                length = rng.randint(2, 9)
                start = rng.randrange(0, max(1, n - length))
                for i in range(start, min(n, start + length)):
                    members_away[i] = True
        if label == "away":
            length = rng.randint(19, 23)
            start = n - window + rng.randrange(0, max(1, window - length))
            for i in range(max(0, start), min(n, start + length)):
                members_away[i] = True
        idle_from = n
        if label == "idle":
            span = n if n < 70 else rng.randint(min(n, 70), min(n, 150))
            idle_from = n - span
            for i in range(idle_from, n):
                home[i] = False
                members_away[i] = True
        for i in range(n):
            # Bed renters stay while the household travels.
            if members_away[i] and label != "group_rental":
                home[i] = False
        # Members' comings and goings.
        self._members(weekend, members_away, idle_from)
        self._others(weekend, members_away)
        self._meters(weekend, home)
        if label == "silent_lock":
            self._silence()

    def _members(self, weekend, away, idle_from) -> None:
        rng, label = self.rng, self.label
        members = [m for m in self.h.members if m.creds]
        if label == "sublet":
            # The lessee comes on a few days (to collect the rent); nobody else.
            if members:
                m = members[0]
                for i in rng.sample(range(self.n), min(self.n, rng.randint(0, 3))):
                    self._open(i, rng.uniform(9, 20), *self._member_cred(m))
            return
        lives_away = set()
        if label is None:
            for m in members:
                # Works in another city; someone else with a key still lives there.
                if 18 <= m.age < 60 and rng.random() < 0.08:
                    lives_away.add(m.pk)
            if len(lives_away) == len(members):
                lives_away.clear()
        for m in members:
            if m.pk in lives_away:
                continue
            if label == "elderly_alone":
                p_out = rng.uniform(0.3, 0.55)
            elif label == "caregiver":
                p_out = rng.uniform(0.4, 0.8)
            elif m.age >= 60:
                p_out = rng.uniform(0.6, 0.9)
            else:
                p_out = rng.uniform(0.8, 0.97)
            stayed_in = 0
            for i in range(self.n):
                if away[i] or i >= idle_from:
                    continue
                if label == "elderly_alone":
                    # Days indoors come in streaks (weather, a cold, a good series).
                    p = p_out * (0.4 if stayed_in else 1.3)
                    out = rng.random() < p
                    stayed_in = 0 if out else stayed_in + 1
                    if not out:
                        continue
                    self._open(i, rng.uniform(8.5, 11.5), *self._member_cred(m))
                    if rng.random() < 0.3:
                        self._open(i, rng.uniform(15, 18), *self._member_cred(m))
                    continue
                if m.age < 18:
                    if weekend[i]:
                        if rng.random() < 0.5:
                            self._open(i, rng.uniform(10, 20), *self._member_cred(m))
                    elif rng.random() < 0.95:
                        self._open(i, rng.uniform(16.5, 18.5), *self._member_cred(m))
                    continue
                if m.age >= 60 or not m.employed:
                    if rng.random() < p_out:
                        self._open(i, rng.uniform(8.5, 11.5), *self._member_cred(m))
                        if rng.random() < 0.4:
                            self._open(i, rng.uniform(15, 19), *self._member_cred(m))
                    continue
                if weekend[i]:
                    if rng.random() < 0.6:
                        for _ in range(rng.randint(1, 2)):
                            self._open(i, rng.uniform(10, 21), *self._member_cred(m))
                elif rng.random() < p_out:
                    self._open(i, rng.uniform(17.5, 21), *self._member_cred(m))
                    if rng.random() < 0.08:
                        self._open(i, rng.uniform(11.5, 13), *self._member_cred(m))

    def _others(self, weekend, away) -> None:
        """Everyone else who comes in: visitors, relatives, nannies, denied fingers, and
        the planted cases' subtenants, bed renters, customers and caregivers."""
        rng, label, n = self.rng, self.label, self.n
        if label == "idle":
            return
        # Visitors with a temporary code, on a day or two each.
        visitors = rng.choice((0, 0, 1, 2, 2, 3, 4, 5, 6))
        if label == "shop":
            # Customers all the time: 25 to 45 in any 90 days.
            visitors = round(rng.randint(25, 45) * n / 90)
        for _ in range(visitors):
            ref = _ref(rng, "XV")
            start = rng.randrange(n)
            for i in range(start, min(n, start + rng.randint(1, 2))):
                if not away[i] or label == "shop":
                    self._open(i, rng.uniform(9, 20), "password", ref)
        # A relative who comes every week, or a nanny on workdays.
        if label in (None, "elderly_alone") and rng.random() < 0.12:
            ref, weekday = _ref(rng, "XR"), rng.randrange(7)
            for i in range(n):
                if self.dates[i].weekday() == weekday and not away[i] and rng.random() < 0.85:
                    self._open(i, rng.uniform(9, 18), "card", ref)
        elif label is None and rng.random() < 0.03:
            ref = _ref(rng, "XN")
            for i in range(n):
                if not weekend[i] and not away[i] and rng.random() < 0.95:
                    self._open(i, rng.uniform(7.5, 9), "card", ref)
        # A finger that did not read, now and then.
        for i in range(n):
            if rng.random() < 0.015:
                self._open(i, rng.uniform(7, 22), "fingerprint", _ref(rng, "XU"), False)
        if label == "sublet":
            size = max(1, self.h.size)
            tenants = rng.randint(max(1, size - 1), size + 1)
            self.tenants = tenants
            for _ in range(tenants):
                self._lodger(rng.choice(("card", "fingerprint")), "XS", rng.uniform(0.8, 0.95))
        elif label == "group_rental":
            uncounted = sum(1 for m in self.h.members if not m.creds)
            renters = 4 + uncounted + rng.randint(0, 3)
            self.renters = renters
            for _ in range(renters):
                self._lodger("card", "XB", rng.uniform(0.8, 0.95))
        elif label == "caregiver":
            ref = _ref(rng, "XC")
            share = rng.uniform(0.85, 1.0)
            for i in range(n):
                if not away[i] and rng.random() < share:
                    self._open(i, rng.uniform(7.5, 9), "card", ref)
        elif label == "workshop":
            for _ in range(rng.randint(0, 6)):
                ref = _ref(rng, "XW")
                self._open(rng.randrange(n), rng.uniform(9, 18), "password", ref)

    def _lodger(self, cred: str, prefix: str, p_out: float) -> None:
        rng = self.rng
        ref = _ref(rng, prefix)
        for i in range(self.n):
            if rng.random() < p_out:
                self._open(i, rng.uniform(17, 23), cred, ref)

    def _meters(self, weekend, home) -> None:
        rng, label, h = self.rng, self.label, self.h
        size = max(1, h.size)
        if label == "sublet":
            size = getattr(self, "tenants", size)
        people = size + getattr(self, "renters", 0)
        kwh = BASE_KWH[min(size, 5)] + 0.6 * max(0, size - 5)
        f_e = _clip(rng.lognormvariate(0, 0.22), 0.65, 1.7)
        f_w = _clip(rng.lognormvariate(0, 0.25), 0.6, 1.7)
        water = WATER_PER_PERSON * size * f_w
        if label == "sublet":
            f_e = max(f_e, 0.85)
        elif label == "group_rental":
            # Bed renters sleep and wash there; they hardly cook or run appliances.
            kwh = min(kwh + 0.45 * getattr(self, "renters", 0), 2.2 * kwh)
            f_e = min(f_e, 1.0)
            water = WATER_PER_PERSON * people * max(f_w, 0.9)
        elif label == "workshop":
            f_e = rng.uniform(3.6, 7.0)
        elif label == "shop":
            f_e, water = rng.uniform(1.2, 1.8), water * rng.uniform(1.2, 1.6)
        elif label == "elderly_alone":
            f_e, water = rng.uniform(0.45, 0.65), rng.uniform(0.05, 0.08)
        # An empty home either keeps its refrigerator on or has the power off.
        fridge = label != "idle" or rng.random() < 0.7
        elec_use, water_use = [], []
        for i in range(self.n):
            if home[i]:
                bump = 1.1 if weekend[i] else 1.0
                elec_use.append(kwh * f_e * bump * rng.uniform(0.8, 1.2))
                water_use.append(water * bump * rng.uniform(0.75, 1.25))
            else:
                elec_use.append(rng.uniform(0.3, 0.9) if fridge else 0.0)
                water_use.append(rng.uniform(0.0, 0.008))
        # The day before the first: its reading is where the first day's use starts.
        self._register("electricity", "EM", elec_use, rng.uniform(500, 20000), 2)
        self._register("water", "WM", water_use, rng.uniform(50, 900), 3)

    def _register(self, kind: str, prefix: str, uses: list[float], start: float, places: int):
        rng = self.rng
        meter = f"{prefix}-{self.code}"
        value = start
        swap_at = rng.randrange(1, self.n) if rng.random() < 0.012 else None
        swap_new_meter = rng.random() < 0.5
        previous_day = self.dates[0] - datetime.timedelta(days=1)
        days = [previous_day, *self.dates]
        for i, day in enumerate(days):
            if i > 0:
                value += uses[i - 1]
            if swap_at is not None and i == swap_at:
                value = rng.uniform(0, 3)  # a new register (or a reset one) starts again
                if swap_new_meter:
                    meter = f"{prefix}-{self.code}-R"
            elif 0 < i < len(days) - 1 and rng.random() < 0.015:
                continue  # the reading did not arrive
            minute = rng.randint(50, 59)
            self.meters.append(
                f"DM-{meter}-{day:%Y%m%d},{meter},{self.code},{kind},"
                f"{day.isoformat()}T23:{minute:02d}:00{OFFSET},{value:.{places}f}\n"
            )

    def _silence(self) -> None:
        """The lock stops reporting: its events of a span of weeks never arrive."""
        rng, n = self.rng, self.n
        length = min(n, rng.randint(20, 60))
        window = min(n, 90)
        start = n - window + rng.randrange(0, max(1, window - length + 1))
        start = max(0, start)
        kept = [
            (row, i)
            for row, i in zip(self.access, self.access_days, strict=True)
            if not start <= i < start + length
        ]
        self.access = [row for row, _ in kept]
        self.access_days = [i for _, i in kept]


def recommended_days() -> int:
    """The days of events `make demo` writes: the screening's default window and a
    month before it, so the first day of the window has its history."""
    return 120


def precision_recall(labels: dict[str, str], flagged: dict[str, set[str]]) -> dict[str, dict]:
    """Per flag: true and false positives, misses, precision and recall of the flags
    raised (unit code → flags) against the planted labels; and the flags raised on each
    confounder."""
    out: dict[str, dict] = {}
    flags = sorted({f for fs in LABEL_FLAGS.values() for f in fs})
    for flag in flags:
        planted = {u for u, label in labels.items() if flag in LABEL_FLAGS[label]}
        raised = {u for u, fs in flagged.items() if flag in fs}
        tp, fp, fn = len(planted & raised), len(raised - planted), len(planted - raised)
        out[flag] = {
            "planted": len(planted),
            "raised": len(raised),
            "tp": tp,
            "fp": fp,
            "fn": fn,
            "precision": tp / (tp + fp) if tp + fp else math.nan,
            "recall": tp / (tp + fn) if tp + fn else math.nan,
            "false_units": sorted(raised - planted),
            "missed_units": sorted(planted - raised),
        }
    for label in CONFOUNDERS:
        units = {u for u, lab in labels.items() if lab == label}
        out[label] = {
            "planted": len(units),
            "flagged": sorted(u for u in units if flagged.get(u)),
        }
    return out
