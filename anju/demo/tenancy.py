"""The demo's tenancy: leases with real rent terms and their rent history, two years
of monthly rent bills from the real bill run, the payments that settle them, and the
tenancy services' work on the district.

Most households pay each month within days of the due date; a few are behind by one
or two months, some by three to five, a few by six or more (art. 29); a few pay
ahead and hold credit. Payments and their allocations are written in bulk, exactly
as `payments._allocate` would have settled them (oldest bill first, from the oldest
payment first), so `credit_of` and `balance_of` read the same story; there are too
many to record one by one. What follows goes through the services, as staff would:
the arrears steps replayed on the days they fell due, two repayment agreements, and
this year's recertification campaign, half declared, its outcomes computed and a few
confirmed.

Everything is dated from BASE_DATE and drawn from the seed, except what follows the
real today: an agreement's instalments (the service takes no due date in the past),
and the first rent of the households the admission demo moved in today. The rent of
BASE_DATE's month is paid as the month begins, so that the pages, which count from
the real today, show only the households behind."""

import datetime
import functools
import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import time as clock
from decimal import Decimal

from django.db import connection, reset_queries
from django.db.models import Count, F, Max, Min
from django.utils import timezone

from anju.admission.models import RuleSet
from anju.admission.services import rules
from anju.admission.services.rules import DEFAULT_CATEGORIES
from anju.core import audit
from anju.core.models import TimelineEntry, User
from anju.core.numbering import next_numbers
from anju.households.models import Household, Lease, LeaseStatus, Member, RentReason
from anju.housing.models import Estate, RentStandard
from anju.tenancy.models import (
    Allocation,
    ArrearsNotice,
    Bill,
    BillKind,
    BillRun,
    BillStatus,
    EntryChannel,
    HousingAcquired,
    Outcome,
    Payment,
    RecertCase,
    RecertStatus,
    VacateListing,
    VacateReason,
)
from anju.tenancy.services import agreements, arrears, billing, recert_confirm, recertification
from anju.tenancy.services.outcomes import age_on
from anju.tenancy.services.payments import balance_of, payment_record
from anju.tenancy.services.rent import rent_of

from .base import BASE_DATE, TZ

DEPOSIT_MONTHS = 2
LAST_BILLING_DAY = 28
DAY = datetime.timedelta(days=1)
MONTH = datetime.timedelta(days=28)


# --- Lease terms --------------------------------------------------------------------


def relief_tiers() -> dict[str, Decimal]:
    """The share of the standard each category pays: the rule set in force on
    BASE_DATE, or else the numbers a new district starts from."""
    tiers = {str(c): values["relief_tier"] for c, values in DEFAULT_CATEGORIES.items()}
    ruleset = RuleSet.objects.in_force(BASE_DATE)
    if ruleset is not None:
        tiers.update(ruleset.categories.values_list("category", "relief_tier"))
    return tiers


def rent_standards() -> dict[int, list[tuple[datetime.date, Decimal, str]]]:
    """Each estate's standards in force by BASE_DATE, oldest first."""
    out: dict[int, list[tuple[datetime.date, Decimal, str]]] = defaultdict(list)
    for estate_id, effective, price, source in (
        RentStandard.objects.filter(effective_from__lte=BASE_DATE)
        .order_by("estate_id", "effective_from")
        .values_list("estate_id", "effective_from", "price_per_m2", "source")
    ):
        out[estate_id].append((effective, price, source))
    return out


@dataclass
class LeaseTerms:
    """The terms of a demo lease (its current rent) and its rent history: one row from
    the day it was signed, and one more for each new rent standard since."""

    fields: dict
    history: list[dict] = field(default_factory=list)


def lease_terms(
    *,
    start: datetime.date,
    end: datetime.date,
    area_m2: Decimal,
    relief_tier: Decimal,
    standards: list[tuple[datetime.date, Decimal, str]],
) -> LeaseTerms:
    """Rent = area × the standard in force × the relief tier (multiplier 1, no
    surcharge). The deposit is two months of the rent signed for; the rent falls due
    on the day of the month the lease began (the 28th at the latest)."""
    # The standard in force when the lease began, and every later one within its term.
    pieces = [s for s in standards if s[0] <= start][-1:] or standards[:1]
    pieces += [s for s in standards if start < s[0] <= end]
    history = []
    for n, (effective, price, source) in enumerate(pieces):
        until = pieces[n + 1][0] - DAY if n + 1 < len(pieces) else None
        since = start if n == 0 else effective
        history.append(
            {
                "effective_from": since,
                "effective_until": until,
                "monthly_rent": rent_of(area_m2, price, relief_tier),
                "price_per_m2": price,
                "relief_tier": relief_tier,
                "rent_multiplier": Decimal("1"),
                "surcharge": Decimal("0"),
                "reason": RentReason.START if n == 0 else RentReason.STANDARD,
                "note": "" if n == 0 else source[:300],
                "created_at": datetime.datetime.combine(since, clock(10), TZ),
            }
        )
    current = history[-1]
    return LeaseTerms(
        fields={
            "monthly_rent": current["monthly_rent"],
            "area_m2": area_m2,
            "price_per_m2": current["price_per_m2"],
            "relief_tier": relief_tier,
            "rent_multiplier": Decimal("1"),
            "surcharge": Decimal("0"),
            "deposit": history[0]["monthly_rent"] * DEPOSIT_MONTHS,
            "billing_day": min(start.day, LAST_BILLING_DAY),
        },
        history=history,
    )


# --- Bills and payments ---------------------------------------------------------------

MONTHS_BACK = 24
ZERO = Decimal("0.00")
# Shares of households, in per cent: behind with the rent now, and paying ahead.
ARREARS_SHARE = 6
ADVANCE_SHARE = 2
# How the households behind are spread over months owed: (low, high, share of them,
# at least this many). Two at three to five months, as one signs an agreement.
BEHIND = {"1-2": (1, 2, 55, 1), "3-5": (3, 5, 30, 2), "6+": (6, 9, 15, 1)}
# Arrears steps: the estate office writes the letters for this many households; this
# many households sign repayment agreements.
OFFICE_HOUSEHOLDS = 6
OFFICE_STEPS = ("letter_1", "letter_2", "visit", "final_notice")
AGREEMENTS = 2
# Recertification: per cent of the campaign's households that have declared, and per
# cent of those declaring an income over the limit.
DECLARED_SHARE = 50
OVER_INCOME_SHARE = 8
# The channel a household usually pays by, with weights.
CHANNELS = {"wechat": 40, "alipay": 25, "bank": 20, "cash": 15}
# Days from the due date to the payment: mostly on the day or early, some a few days
# late, a few later still.
DELAYS = [(-5, -1, 30), (0, 0, 48), (1, 3, 14), (4, 15, 8)]


def add_months(month: datetime.date, n: int) -> datetime.date:
    index = month.year * 12 + month.month - 1 + n
    return datetime.date(index // 12, index % 12 + 1, 1)


def demo_months() -> list[datetime.date]:
    """The months billed: the 24 before BASE_DATE's month, and that month."""
    this = BASE_DATE.replace(day=1)
    return [add_months(this, n) for n in range(-MONTHS_BACK, 1)]


@dataclass(slots=True)
class _Bill:
    pk: int
    due: datetime.date
    starts: datetime.date
    amount: Decimal
    created_at: datetime.datetime
    settled: Decimal = ZERO


@dataclass(slots=True)
class _Pay:
    household: int
    estate: int
    at: datetime.datetime
    amount: Decimal
    channel: str
    number: str = ""
    pk: int = 0


PAYMENT_FIELDS = [
    "number",
    "household",
    "estate",
    "channel",
    "txn_id",
    "paid_at",
    "amount",
    "payer",
    "reference",
    "statement",
    "recorded_by",
    "created_at",
    "note",
]


@functools.lru_cache(maxsize=100_000)
def _db_datetime(value: datetime.datetime):
    # A payment's moment is written three or four times (paid, recorded, allocated, on
    # the timeline); converting an aware datetime is the dearest part of a row.
    return connection.ops.adapt_datetimefield_value(value)


def _insert(model, names: list[str], rows: list[tuple], batch: int = 5000) -> int:
    """Write plain rows with one prepared INSERT run over each batch, each value
    prepared for the database as its field would (cf. `timeline.add_many`):
    `bulk_create` spends most of its time building SQL for 100,000 small rows."""
    ops = connection.ops
    fields = [model._meta.get_field(name) for name in names]
    prepare = []
    for f in fields:
        kind = f.get_internal_type()
        if kind == "DateTimeField":
            prepare.append(_db_datetime)
        elif kind == "DateField":
            prepare.append(ops.adapt_datefield_value)
        elif kind == "JSONField":
            prepare.append(lambda value, f=f: f.get_db_prep_save(value, connection))
        else:
            prepare.append(None)
    table = ops.quote_name(model._meta.db_table)
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
    with connection.cursor() as cursor:
        for chunk in _chunks(rows, batch):
            cursor.executemany(
                sql,
                [
                    [
                        value if p is None else p(value)
                        for p, value in zip(prepare, row, strict=True)
                    ]
                    for row in chunk
                ],
            )
    return len(rows)


def _chunks(items: list, size: int = 2000):
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Tenancy:
    def __init__(self, seed: int, say):
        self.seed = seed
        self.rng = random.Random(seed * 11 + 5)
        self.say = say
        self.counts: dict[str, int] = {}
        # Households behind with the rent (pk → months owed) and paying ahead.
        self.behind: dict[int, int] = {}
        self.ahead: set[int] = set()
        self.users = {
            u.username: u
            for u in User.objects.filter(username__in=["officer", "operator", "tenant"])
        }

    def run(self) -> dict[str, int]:
        self.bill_runs()
        self.payments()
        self.arrears_steps()
        self.agreements()
        self.recertification()
        return self.counts

    # --- Bills --------------------------------------------------------------------

    def bill_runs(self) -> None:
        """The real bill run, month by month, dated as if each ran on the 1st."""
        created = 0
        for month in demo_months():
            run = billing.bill_run(month, actor=None)
            at = datetime.datetime.combine(month, clock(6), TZ)
            Bill.objects.filter(run=run).update(created_at=at)
            BillRun.objects.filter(pk=run.pk).update(
                started_at=at, finished_at=at + datetime.timedelta(seconds=3)
            )
            created += run.created
        self.say(f"      rent bills {created:,} over {len(demo_months())} months")
        self.counts.update(bill_runs=len(demo_months()), bills=created)

    # --- Payments -----------------------------------------------------------------

    def payments(self) -> None:
        bills: dict[int, list[_Bill]] = defaultdict(list)
        rows = (
            Bill.objects.filter(kind=BillKind.RENT, status=BillStatus.OPEN)
            .order_by("household_id", "due_on", "id")
            .values_list("pk", "household_id", "due_on", "period_start", "amount", "created_at")
        )
        for pk, household, due, starts, amount, created in rows.iterator(chunk_size=5000):
            bills[household].append(_Bill(pk, due, starts, amount, created))
        estate = dict(Household.objects.filter(pk__in=list(bills)).values_list("pk", "estate_id"))
        rent = dict(
            Lease.objects.filter(status=LeaseStatus.ACTIVE, household_id__in=list(bills))
            .order_by("start")
            .values_list("household_id", "monthly_rent")
        )
        self._profiles(bills)
        usual = list(CHANNELS)
        pays: list[_Pay] = []
        for household in sorted(bills):
            channel = self.rng.choices(usual, weights=list(CHANNELS.values()))[0]
            pays += self._pays_of(
                household, estate[household], bills[household], rent[household], channel
            )
        pays.sort(key=lambda p: (p.at, p.household))
        self._write_payments(pays)
        allocations = self._allocate(pays, bills)
        self._settle(bills)
        self._timeline(pays)
        total = sum((p.amount for p in pays), ZERO)
        audit.record(
            actor=None,
            action="demo.payments",
            target=("district", self.seed, "demo payments"),
            changes={
                "payments": len(pays),
                "allocations": allocations,
                "amount": total,
                "households_behind": len(self.behind),
                "households_ahead": len(self.ahead),
            },
        )
        self.say(
            f"      payments {len(pays):,} (¥{total:,}); {len(self.behind)} households "
            f"behind, {len(self.ahead)} ahead"
        )
        self.counts.update(
            payments=len(pays),
            allocations=allocations,
            households_behind=len(self.behind),
            households_ahead=len(self.ahead),
        )

    def _profiles(self, bills: dict[int, list[_Bill]]) -> None:
        """Pick who is behind (and by how many months) and who pays ahead. The demo
        tenant keeps a clean record, so the portal shows an ordinary household."""
        rng = self.rng
        tenant = self.users.get("tenant")
        order = sorted(h for h in bills if not tenant or h != tenant.household_id)
        due = {h: sum(1 for b in bills[h] if b.due < BASE_DATE) for h in order}
        wanted = round(len(order) * ARREARS_SHARE / 100)
        # The longest arrears first: they need the oldest leases, which are fewest.
        for low, high, share, least in reversed(BEHIND.values()):
            # A household behind has paid its first (perhaps partial) month at least.
            candidates = [h for h in order if h not in self.behind and due[h] > low]
            count = max(least, round(wanted * share / 100))
            for h in rng.sample(candidates, min(count, len(candidates))):
                self.behind[h] = rng.randint(low, min(high, due[h] - 1))
        candidates = [h for h in order if h not in self.behind and due[h] >= 1]
        wanted = max(1, round(len(order) * ADVANCE_SHARE / 100))
        self.ahead = set(rng.sample(candidates, min(wanted, len(candidates))))

    def _delay(self) -> int:
        low, high, _ = self.rng.choices(DELAYS, weights=[w for *_, w in DELAYS])[0]
        return self.rng.randint(low, high)

    def _pays_of(
        self, household: int, estate: int, bills: list[_Bill], rent: Decimal, channel: str
    ) -> list[_Pay]:
        rng = self.rng
        out: list[_Pay] = []

        def pay(day: datetime.date, amount: Decimal) -> None:
            how = channel if rng.random() < 0.85 else rng.choice(list(CHANNELS))
            # The counter is open in office hours; phones pay at any time of day.
            hour = rng.randint(9, 16) if how == "cash" else rng.randint(7, 22)
            at = datetime.datetime.combine(day, clock(hour, rng.randint(0, 59)), TZ)
            out.append(_Pay(household, estate, at, amount, how))

        if household in self.ahead:
            # A quarter at a time, a few days before its first month falls due, and
            # lately a few months more than that, held as credit.
            for start in range(0, len(bills), 3):
                group = bills[start : start + 3]
                day = group[0].due - datetime.timedelta(days=rng.randint(0, 7))
                if day <= BASE_DATE:
                    pay(day, sum((b.amount for b in group), ZERO))
            out[-1].amount += rent * rng.choice((2, 3))
            return out
        # A household behind stopped paying `owed` months ago: its last `owed` bills
        # overdue on BASE_DATE (and any falling due since) are unpaid.
        owed = self.behind.get(household, 0)
        overdue = [b for b in bills if b.due < BASE_DATE]
        paid = overdue[: len(overdue) - owed] if owed else bills
        i = 0
        while i < len(paid):
            # Now and then a month is paid together with the next one.
            two = i + 1 < len(paid) and paid[i + 1].due <= BASE_DATE and rng.random() < 0.04
            group = paid[i : i + (2 if two else 1)]
            i += len(group)
            last = group[-1]
            day = last.due + datetime.timedelta(days=self._delay())
            if last.due <= BASE_DATE:
                day = min(day, BASE_DATE)
            elif last.starts > BASE_DATE:
                day = last.due  # moved in since: the first rent is paid at the handover
            else:
                # This month's rent is paid by BASE_DATE, as the month begins, so that
                # whoever looks later in the month sees only the households behind.
                day = min(day, BASE_DATE - datetime.timedelta(days=rng.randint(0, 4)))
            pay(day, sum((b.amount for b in group), ZERO))
        if owed >= 3 and rng.random() < 0.5:
            # Some of those long behind have paid a part of the oldest month since.
            first = overdue[len(overdue) - owed]
            part = (first.amount * rng.randint(30, 80) / 100).quantize(Decimal("1"))
            if part > 0:
                pay(min(BASE_DATE, first.due + datetime.timedelta(days=rng.randint(10, 40))), part)
        return out

    def _write_payments(self, pays: list[_Pay]) -> None:
        """Receipt numbers count up through each year in the order money came in; a
        channel payment carries a transaction id of the channel's own shape."""
        rng = self.rng
        clerk = self.users.get("operator")
        numbers = dict(Household.objects.values_list("pk", "number"))
        next_seq: dict[int, int] = {}
        rows = []
        for n, p in enumerate(pays, 1):
            year = p.at.year
            if year not in next_seq:
                first = next_numbers(Payment, f"SK{year}", width=7)[0]
                next_seq[year] = int(first[-7:])
            seq, next_seq[year] = next_seq[year], next_seq[year] + 1
            txn = _txn_id(p.channel, p.at, n, rng)
            p.number = f"SK{year}{seq:07d}"
            counter = p.channel == "cash" and p.estate in self.clerk_estates
            rows.append(
                (
                    p.number,
                    p.household,
                    p.estate,
                    p.channel,
                    txn,
                    p.at,
                    p.amount,
                    "",
                    numbers[p.household] if p.channel == "bank" else "",
                    None,
                    clerk.pk if counter else None,
                    p.at,
                    "",
                )
            )
        before = Payment.objects.aggregate(last=Max("pk"))["last"] or 0
        _insert(Payment, PAYMENT_FIELDS, rows)
        ids = dict(Payment.objects.filter(pk__gt=before).values_list("number", "pk"))
        for p in pays:
            p.pk = ids[p.number]

    def _allocate(self, pays: list[_Pay], bills: dict[int, list[_Bill]]) -> int:
        """What `payments._allocate` does, for everyone at once: each household's
        money settles its bills oldest first, from its oldest payment first."""
        rows = []
        position: dict[int, int] = defaultdict(int)
        for p in pays:
            queue, free = bills[p.household], p.amount
            i = position[p.household]
            while free > 0 and i < len(queue):
                bill = queue[i]
                take = min(bill.amount - bill.settled, free)
                if take > 0:
                    rows.append((p.pk, bill.pk, take, max(p.at, bill.created_at)))
                    bill.settled += take
                    free -= take
                if bill.settled == bill.amount:
                    i += 1
            position[p.household] = i
        _insert(Allocation, ["payment", "bill", "amount", "created_at"], rows)
        return len(rows)

    def _settle(self, bills: dict[int, list[_Bill]]) -> None:
        paid, part = [], []
        for queue in bills.values():
            for bill in queue:
                if bill.settled == bill.amount and bill.settled > 0:
                    paid.append(bill.pk)
                elif bill.settled > 0:
                    part.append(Bill(pk=bill.pk, settled=bill.settled))
        for chunk in _chunks(paid, 900):
            Bill.objects.filter(pk__in=chunk).update(settled=F("amount"), status=BillStatus.PAID)
        Bill.objects.bulk_update(part, ["settled"], batch_size=500)
        reset_queries()  # under DEBUG, Django would keep the text of every statement

    def _timeline(self, pays: list[_Pay]) -> None:
        # The entries `payment_record` would have written, one per payment.
        _insert(
            TimelineEntry,
            ["at", "household", "verb", "data"],
            [
                (
                    p.at,
                    p.household,
                    "payment.received",
                    {"number": p.number, "amount": str(p.amount), "channel": p.channel},
                )
                for p in pays
            ],
        )

    # --- Arrears, agreements and the yearly recertification, through the services ----

    @functools.cached_property
    def clerk_estates(self) -> set[int]:
        """The estates of the demo clerk's operator, where the clerk acts."""
        clerk = self.users.get("operator")
        if clerk is None:
            return set()
        return set(
            Estate.objects.filter(operator=clerk.organisation_id).values_list("pk", flat=True)
        )

    def _clerk(self, estate_id: int | None = None):
        """The estate office's clerk: the demo clerk in their own estates, elsewhere an
        officer of the authority stands in."""
        clerk = self.users.get("operator")
        if clerk is not None and (estate_id is None or estate_id in self.clerk_estates):
            return clerk
        return self.users["officer"]

    def arrears_steps(self) -> None:
        """The arrears steps as they would have been taken: the nightly run's (an SMS,
        and the “must vacate” list at art. 29's threshold) on the 1st and the 16th of
        every month since the oldest arrears began, and the letters and the visit for
        a few households, by the estate office, on the days the rule table named."""
        since = dict(
            Bill.objects.filter(
                household_id__in=list(self.behind),
                kind=BillKind.RENT,
                status=BillStatus.OPEN,
                due_on__lt=BASE_DATE,
            )
            .values("household_id")
            .annotate(oldest=Min("due_on"))
            .values_list("household_id", "oldest")
        )
        if not since:
            return
        oldest = min(since.values())
        days = []
        month = oldest.replace(day=1)
        while month <= BASE_DATE:
            days += [d for d in (month, month.replace(day=16)) if oldest < d <= BASE_DATE]
            month = add_months(month, 1)
        if days[-1] != BASE_DATE:
            days.append(BASE_DATE)
        by_office = self._by_office()
        for day in days:
            arrears.automatic_steps_take(today=day)
            for household in by_office:
                # The first letter needs two months owed: no use asking before.
                if day <= since[household.pk] + MONTH:
                    continue
                standing = arrears.standing_of(household, day)
                if standing is not None and standing.action in OFFICE_STEPS:
                    arrears.step_take(household, actor=self._clerk(household.estate_id), today=day)
        taken = dict(
            ArrearsNotice.objects.values("action")
            .annotate(n=Count("pk"))
            .values_list("action", "n")
        )
        listed = VacateListing.objects.filter(reason=VacateReason.ARREARS).count()
        self.say(f"      arrears steps {sum(taken.values())}: {taken}; must vacate {listed}")
        self.counts.update(arrears_steps=sum(taken.values()), must_vacate=listed)

    def _by_office(self) -> list[Household]:
        """A few households two months or more behind whose letters the estate office
        sends, in the demo clerk's estates where there are such."""
        mine = self.clerk_estates
        estates = dict(
            Household.objects.filter(pk__in=list(self.behind)).values_list("pk", "estate_id")
        )
        candidates = sorted(
            (estates[h] not in mine, h)
            for h, months in self.behind.items()
            if 2 <= months < BEHIND["6+"][0]
        )
        chosen = [h for _, h in candidates[:OFFICE_HOUSEHOLDS]]
        return list(Household.objects.filter(pk__in=chosen).order_by("pk"))

    def agreements(self) -> None:
        """Households behind by three to five months sign repayment agreements on
        BASE_DATE, after that day's steps; one has paid its first instalment since.
        The instalments fall due from next month on (the service takes no due date
        in the past)."""
        rng = self.rng
        low, high, _share, _least = BEHIND["3-5"]
        listed = set(VacateListing.objects.values_list("household_id", flat=True))
        bucket = sorted(h for h, n in self.behind.items() if low <= n <= high and h not in listed)
        estates = dict(Household.objects.filter(pk__in=bucket).values_list("pk", "estate_id"))
        # In the demo clerk's estates where there are such; and one household of the
        # bucket at least is left without, to be chased.
        pool = [h for h in bucket if estates[h] in self.clerk_estates] or bucket
        chosen = rng.sample(pool, max(0, min(AGREEMENTS, len(pool), len(bucket) - 1)))
        signed_on = min(BASE_DATE, timezone.localdate())
        first_due = add_months(max(BASE_DATE, timezone.localdate()).replace(day=1), 1)
        made = 0
        for household in Household.objects.filter(pk__in=chosen).order_by("pk"):
            owed = balance_of(household)
            count = rng.randint(3, 6)
            each = (owed / count).quantize(Decimal("1"))
            amounts = [each] * (count - 1) + [owed - each * (count - 1)]
            if min(amounts) <= 0:
                continue
            clerk = self._clerk(household.estate_id)
            agreement = agreements.agreement_create(
                household,
                actor=clerk,
                instalments=[
                    (add_months(first_due, k).replace(day=15), amount)
                    for k, amount in enumerate(amounts)
                ],
                signed_on=signed_on,
                note="分期偿还所欠租金",
            )
            made += 1
            if made == 1:
                payment_record(
                    household,
                    actor=clerk,
                    amount=amounts[0],
                    channel="cash",
                    paid_at=datetime.datetime.combine(signed_on, clock(15, 20), TZ),
                    note=f"还款协议{agreement.number}第1期",
                )
        self.say(f"      repayment agreements {made}")
        self.counts["agreements"] = made

    def _ruleset(self) -> RuleSet:
        """This year's rules: the admission demo's, or published here when that stage
        did not run."""
        ruleset = RuleSet.objects.in_force(BASE_DATE)
        if ruleset is None:
            officer = self.users["officer"]
            ruleset = rules.ruleset_publish(
                rules.ruleset_create(
                    actor=officer,
                    year=BASE_DATE.year,
                    effective_from=BASE_DATE.replace(month=1, day=1),
                    source=f"长治市L区公共租赁住房准入条件({BASE_DATE.year}年度)",
                ),
                actor=officer,
            )
        return ruleset

    def recertification(self) -> None:
        """This year's campaign over two estates, opened on BASE_DATE: about half the
        households have declared at the counter, some over the income limit and one
        having bought a home; one estate's declarations are with the partner agencies;
        the outcomes are computed and a few confirmed. The demo tenant has not declared
        yet, so the portal shows the declaration to make."""
        rng = self.rng
        ruleset = self._ruleset()
        officer = self.users["officer"]
        estates = self._campaign_estates()
        campaign = recertification.campaign_open(
            actor=officer,
            year=BASE_DATE.year,
            name=f"{BASE_DATE.year}年度公共租赁住房保障资格年审",
            estates=estates,
            on=BASE_DATE,
        )
        tenant = self.users.get("tenant")
        cases = [
            c
            for c in campaign.cases.select_related("household").order_by("pk")
            if not tenant or c.household_id != tenant.household_id
        ]
        declaring = sorted(
            rng.sample(cases, round(len(cases) * DECLARED_SHARE / 100)), key=lambda c: c.pk
        )
        members: dict[int, list[tuple]] = defaultdict(list)
        for row in (
            Member.objects.current()
            .filter(household_id__in=[c.household_id for c in declaring])
            .order_by("pk")
            .values_list("household_id", "pk", "monthly_income", "birth_date")
        ):
            members[row[0]].append(row[1:])
        limits = dict(ruleset.categories.values_list("category", "income_limit"))
        tiers = list(ruleset.rent_tiers.order_by("above"))
        over = self._over_income(declaring, members, tiers, ruleset.tier_exempt_age)
        bought = next((c for c in declaring if c.pk not in over), None)
        for case in declaring:
            people = members[case.household_id]
            incomes = [income for _pk, income, _birth in people]
            ratio = over.get(case.pk)
            limit = limits.get(case.household.category)
            if ratio is not None and limit:
                incomes = _scaled(incomes, limit * ratio * len(people))
            else:
                # A year on, most incomes have moved a little.
                incomes = [
                    (i * Decimal(rng.randint(97, 108)) / 100).quantize(Decimal("1"))
                    for i in incomes
                ]
            recertification.recert_declare(
                case,
                actor=self._clerk(case.estate_id),
                channel=EntryChannel.COUNTER,
                members=[
                    {"member": pk, "monthly_income": income, "present": True}
                    for (pk, _i, _b), income in zip(people, incomes, strict=True)
                ],
                deposits=Decimal(rng.randint(0, 30)) * 1000,
                vehicles=0,
                housing_acquired=(
                    HousingAcquired.PURCHASE if case is bought else HousingAcquired.NONE
                ),
                housing_note="购买商品房一套" if case is bought else "",
                consent=True,
            )
        # The second estate's declarations are with the partner agencies already.
        sent = campaign.cases.filter(estate__in=estates[1:], status=RecertStatus.DECLARED)
        with_agencies = sent.count()
        if with_agencies:
            recertification.recert_verify_send(campaign, actor=officer, cases=sent)
        computed = recertification.outcomes_compute(campaign)
        outcomes = dict(
            campaign.cases.exclude(outcome="")
            .values("outcome")
            .annotate(n=Count("pk"))
            .values_list("outcome", "n")
        )
        # A few outcomes are confirmed already: households that still qualify, and one
        # over the limit whose tiered rent starts next month.
        chosen = [
            pk
            for outcome, n in ((Outcome.QUALIFIES, 3), (Outcome.TIERED, 1))
            for pk in campaign.cases.filter(outcome=outcome)
            .order_by("pk")
            .values_list("pk", flat=True)[:n]
        ]
        confirmed = recert_confirm.recert_confirm(
            RecertCase.objects.filter(pk__in=chosen), actor=officer, on=BASE_DATE
        ).confirmed
        total = campaign.cases.count()
        self.say(
            f"      recertification: {total} cases, {len(declaring)} declared "
            f"({with_agencies} with the agencies), outcomes {outcomes}, {confirmed} confirmed"
        )
        self.counts.update(
            recert_cases=total,
            recert_declared=len(declaring),
            recert_with_agencies=with_agencies,
            recert_computed=computed,
            recert_confirmed=confirmed,
        )

    def _campaign_estates(self) -> list[Estate]:
        """The demo tenant's estate (HS01), and the smallest other estate of the same
        operator, so that the demo clerk serves both."""
        estates = list(Estate.objects.annotate(n=Count("units")).order_by("code"))
        first = estates[0]
        others = sorted(estates[1:], key=lambda e: (e.operator_id != first.operator_id, e.n))
        return [first, *others[:1]]

    def _over_income(self, cases, members, tiers, exempt_age) -> dict[int, Decimal]:
        """Case pk → per-capita income as a multiple of the limit, for the households
        declaring more than the rules allow: most in the lower tier, some in the
        higher, one above the highest (must exit). Households whose members are all
        of pensionable age are left out: they would be exempt."""
        rng = self.rng
        if not tiers:
            return {}
        young = [
            c
            for c in cases
            if members[c.household_id]
            and (
                exempt_age is None
                or any(
                    b and age_on(b, BASE_DATE) < exempt_age for _p, _i, b in members[c.household_id]
                )
            )
        ]
        count = min(len(young), max(3, round(len(cases) * OVER_INCOME_SHARE / 100)))
        chosen = rng.sample(young, count)
        out = {}
        for n, case in enumerate(chosen):
            if n == 0:
                low, high = tiers[-1].up_to, tiers[-1].up_to + 1
            else:
                tier = tiers[-1] if n % 3 == 1 else tiers[0]
                low, high = tier.above, tier.up_to
            step = Decimal(rng.randint(10, 90)) / 100
            out[case.pk] = low + (high - low) * step
        return out


def _txn_id(channel: str, at: datetime.datetime, n: int, rng: random.Random) -> str:
    """A transaction id in the channel's own shape, unique by the running number `n`;
    cash at the counter has none."""
    stamp = f"{at:%Y%m%d}"
    if channel == "wechat":
        return f"4200{stamp}{n:08d}{rng.randint(0, 99999999):08d}"
    if channel == "alipay":
        return f"{stamp}2200{n:08d}{rng.randint(0, 9999999):07d}"
    if channel == "bank":
        return f"BK{stamp}{n:010d}"
    return ""


def _scaled(incomes: list[Decimal], total: Decimal) -> list[Decimal]:
    """Incomes raised to add up to `total` (to the yuan), in proportion to what each
    member earned, or all on the first member when nobody earned before."""
    total = total.quantize(Decimal("1"))
    earned = sum(incomes, ZERO)
    if earned <= 0:
        return [total] + [ZERO] * (len(incomes) - 1)
    out = [(total * i / earned).quantize(Decimal("1")) for i in incomes]
    out[0] += total - sum(out, ZERO)
    return out


def generate_tenancy(*, seed: int, say) -> dict[str, int]:
    if Bill.objects.exists():
        say("      bills already exist; the tenancy demo is skipped")
        return {}
    _db_datetime.cache_clear()
    try:
        return _Tenancy(seed, say).run()
    finally:
        _db_datetime.cache_clear()
