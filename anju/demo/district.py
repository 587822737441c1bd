"""Build a synthetic L District of Changzhi City in the database.

`generate(units=..., seed=...)` draws a plan (`plan.py`) and writes it stage by stage:
organisations, housing stock, households, members, credentials, leases, timeline, demo
log-ins, and one audit entry, all in one transaction of `bulk_create` batches;
nothing is saved row by row. Personal data goes through `households.protected`, so it
is stored encrypted, indexed and masked like any other member's.

Organisation codes: the authority is LHSC; street offices JD01…; communities
JD01-SQ01…; operators YY01…; property companies WY01…; partner agencies AG-MZ (civil
affairs), AG-GA (public security), AG-BDC (real-estate registry), AG-SJ (market
regulation), AG-RS (social insurance), AG-GJJ (housing provident fund), AG-SW (tax),
AG-CG (vehicle registry)."""

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from datetime import time as clock

from django.contrib.auth.hashers import make_password
from django.db import reset_queries, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from anju.core import audit, timeline
from anju.core.models import Organisation, TimelineEntry, User, UserRole
from anju.core.roles import Role
from anju.households import protected
from anju.households.models import (
    Credential,
    CredentialKind,
    Household,
    HouseholdStatus,
    Lease,
    LeaseRent,
    LeaseStatus,
    Member,
    Relation,
)
from anju.households.services import lease_rents_backfill
from anju.housing.models import Building, Estate, RentStandard, Unit

from .plan import BASE_DATE, MIN_UNITS, TZ, DistrictPlan, plan_district
from .tenancy import generate_tenancy, lease_terms, relief_tiers, rent_standards

__all__ = ["MIN_UNITS", "DistrictExists", "demo_logins", "district_exists", "generate"]

DEMO_PASSWORD = "anju-demo-2026"
DEMO_USERNAMES = [
    "officer",
    "street",
    "community",
    "operator",
    "property",
    "propmgr",
    "agency",
    "auditor",
    "sysadmin",
    "secadmin",
    "tenant",
    "applicant",
]
RENT_SOURCE = "长治市L区公租房租金标准(2024)"
OLD_RENT_SOURCE = "长治市L区公租房租金标准(2021)"
BATCH = 2000

Progress = Callable[[str], None]


class DistrictExists(Exception):
    """The database already holds estates; a second district would collide with it."""


@dataclass
class Result:
    plan: DistrictPlan
    counts: dict[str, int]
    seconds: float
    skipped_users: list[str]
    # The door and meter data's labelled cases (`anju.demo.events`), when written.
    events: object = None


def district_exists() -> bool:
    return Estate.objects.exists()


def generate(
    *,
    units: int,
    seed: int,
    progress: Progress | None = None,
    admission: bool = True,
    tenancy: bool = True,
    supervision: bool = True,
    exits: bool = True,
    services: bool = True,
    evaluation: bool = True,
    events_days: int = 0,
) -> Result:
    say = progress or (lambda message: None)
    if district_exists():
        raise DistrictExists("The database already holds estates.")
    started = time.perf_counter()
    say(f"Planning {units} units (seed {seed})…")
    plan = plan_district(units, seed)
    writer = _Writer(
        plan,
        say,
        admission=admission,
        tenancy=tenancy,
        supervision=supervision,
        exits=exits,
        services=services,
        evaluation=evaluation,
        events_days=events_days,
    )
    writer.run()
    counts = writer.counts
    audit.record(
        actor=None,
        action="district.generate",
        target=("district", seed, f"generated {units} units"),
        changes={"seed": seed, "units": units, **counts},
    )
    return Result(
        plan, counts, time.perf_counter() - started, writer.skipped_users, writer.events_result
    )


def demo_logins() -> list[tuple[str, str, str, str]]:
    """(username, password, roles, organisation) of the demo accounts that exist."""
    users = {
        u.username: u
        for u in User.objects.filter(username__in=DEMO_USERNAMES)
        .select_related("organisation", "household__unit", "household__community")
        .prefetch_related("roles")
    }
    rows = []
    for username in DEMO_USERNAMES:
        user = users.get(username)
        if user is None:
            continue
        roles = ", ".join(sorted(str(r.get_role_display()) for r in user.roles.all()))
        org = user.organisation.name if user.organisation else ""
        if user.household:
            household = user.household
            org = " · ".join(
                part
                for part in (
                    org or (household.community.name if household.community else ""),
                    household.number,
                    household.unit.code if household.unit else "",
                )
                if part
            )
        rows.append((username, DEMO_PASSWORD, roles, org))
    return rows


def _bulk(model, objs: list) -> list:
    """bulk_create in batches. Under DEBUG Django keeps the text of every query, which
    for a large district would pile up hundreds of megabytes of INSERTs; drop it."""
    model.objects.bulk_create(objs, batch_size=BATCH)
    reset_queries()
    return objs


def _chunks(items: Sequence, size: int = BATCH) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Writer:
    def __init__(
        self,
        plan: DistrictPlan,
        say: Progress,
        *,
        admission: bool = True,
        tenancy: bool = True,
        supervision: bool = True,
        exits: bool = True,
        services: bool = True,
        evaluation: bool = True,
        events_days: int = 0,
    ):
        self.plan = plan
        self.say = say
        self.with_admission = admission
        self.with_tenancy = tenancy
        self.events_days = events_days
        self.with_supervision = supervision
        self.with_exits = exits
        self.with_services = services
        self.with_evaluation = evaluation
        self.events_result = None
        self.counts: dict[str, int] = {}
        self.org_pk: dict[str, int] = {}
        self.skipped_users: list[str] = []
        self.stage_no = 0

    def run(self) -> None:
        # One transaction for the whole district: a crash part-way leaves nothing behind,
        # so the command can simply be run again.
        with transaction.atomic():
            self._run_stages()

    def _run_stages(self) -> None:
        stages = [
            self.organisations,
            self.housing,
            self.households,
            self.members,
            self.credentials,
            self.leases,
            self.timeline,
            self.users,
        ]
        if self.with_admission:
            stages.append(self.admission)
        if self.with_tenancy:
            stages.append(self.tenancy)
        if self.events_days > 0:
            stages.append(self.events)
        if self.with_tenancy and self.with_supervision:
            stages.append(self.supervision)
        if self.with_tenancy and self.with_exits:
            stages.append(self.exits)
        if self.with_services:
            stages.append(self.services)
        if self.with_tenancy and self.with_services and self.with_evaluation:
            stages.append(self.evaluation)
        for stage in stages:
            self.stage_no += 1
            name = stage.__name__
            began = time.perf_counter()
            total = len(stages)
            self.say(f"[{self.stage_no}/{total}] {name}…")
            stage()
            self.say(
                f"[{self.stage_no}/{total}] {name} done in {time.perf_counter() - began:.1f} s"
            )

    def _tick(self, label: str, done: int, total: int) -> None:
        step = max(BATCH, total // 10)
        if done == total or done // step != (done - BATCH) // step:
            self.say(f"      {label} {done:,}/{total:,}")

    # --- Stages ---------------------------------------------------------------------

    def organisations(self) -> None:
        existing = dict(Organisation.objects.values_list("code", "pk"))
        self.org_pk.update(existing)
        created = 0
        # Parents come before their children in the plan; create level by level.
        for kinds in (("authority",), ("street", "operator", "property", "agency"), ("community",)):
            new = [
                Organisation(
                    code=o.code,
                    name=o.name,
                    kind=o.kind,
                    parent_id=self.org_pk.get(o.parent) if o.parent else None,
                    phone=o.phone,
                    address=o.address,
                    agency_function=o.agency_function,
                )
                for o in self.plan.orgs
                if o.kind in kinds and o.code not in existing
            ]
            _bulk(Organisation, new)
            self.org_pk.update({o.code: o.pk for o in new})
            created += len(new)
        self.counts["organisations"] = created

    def housing(self) -> None:
        plan = self.plan
        estates = [
            Estate(
                code=e.code,
                name=e.name,
                address=e.address,
                community_id=self.org_pk[e.community],
                operator_id=self.org_pk[e.operator],
                property_company_id=self.org_pk[e.property_company],
                completed_year=e.completed_year,
            )
            for e in plan.estates
        ]
        _bulk(Estate, estates)
        for e, obj in zip(plan.estates, estates, strict=True):
            e.pk = obj.pk
        standards = []
        for e in plan.estates:
            for price, year, source in (
                (e.old_price_per_m2, 2021, OLD_RENT_SOURCE),
                (e.price_per_m2, 2024, RENT_SOURCE),
            ):
                effective = BASE_DATE.replace(year=year, month=1, day=1)
                standards.append(
                    RentStandard(
                        estate_id=e.pk,
                        price_per_m2=price,
                        effective_from=effective,
                        source=source,
                        created_at=datetime.combine(
                            effective.replace(year=year - 1, month=12, day=15), clock(10), TZ
                        ),
                    )
                )
        _bulk(RentStandard, standards)
        buildings = [
            Building(
                estate_id=plan.estates[b.estate].pk,
                number=b.number,
                floors=b.floors,
                units_per_floor=b.units_per_floor,
                has_lift=b.has_lift,
            )
            for b in plan.buildings
        ]
        _bulk(Building, buildings)
        for b, obj in zip(plan.buildings, buildings, strict=True):
            b.pk = obj.pk
        total = len(plan.units)
        done = 0
        for chunk in _chunks(plan.units):
            objs = [
                Unit(
                    code=u.code,
                    estate_id=plan.estates[u.estate].pk,
                    building_id=plan.buildings[u.building].pk,
                    floor=u.floor,
                    position=u.position,
                    area_m2=u.area_m2,
                    rooms=u.rooms,
                    orientation=u.orientation,
                    accessible=u.accessible,
                    accessibility_notes=u.accessibility_notes,
                    status=u.status,
                    status_changed_at=u.status_changed_at,
                )
                for u in chunk
            ]
            _bulk(Unit, objs)
            for u, obj in zip(chunk, objs, strict=True):
                u.pk = obj.pk
            done += len(chunk)
            self._tick("units", done, total)
        self.counts.update(
            estates=len(estates),
            rent_standards=len(standards),
            buildings=len(buildings),
            units=total,
        )

    def households(self) -> None:
        plan = self.plan
        total = len(plan.households)
        done = 0
        for chunk in _chunks(plan.households):
            objs = []
            for h in chunk:
                estate = plan.estates[plan.units[h.unit].estate]
                objs.append(
                    Household(
                        number=h.number,
                        category=h.category,
                        status=HouseholdStatus.TENANT,
                        unit_id=plan.units[h.unit].pk,
                        estate_id=estate.pk,
                        community_id=self.org_pk[estate.community],
                        created_at=h.created_at,
                    )
                )
            _bulk(Household, objs)
            for h, obj in zip(chunk, objs, strict=True):
                h.pk = obj.pk
            done += len(chunk)
            self._tick("households", done, total)
        self.counts["households"] = total

    def members(self) -> None:
        plan = self.plan
        total = sum(len(h.members) for h in plan.households)
        done = 0
        batch: list[tuple] = []

        def flush():
            objs = [obj for _, obj in batch]
            _bulk(Member, objs)
            for m, obj in batch:
                m.pk = obj.pk
            batch.clear()

        for h in plan.households:
            for m in h.members:
                obj = Member(
                    household_id=h.pk,
                    relation=m.relation,
                    hukou=m.hukou,
                    employer=m.employer,
                    monthly_income=m.monthly_income,
                    disability=m.disability,
                    special_care=m.special_care,
                    joined_at=m.joined_at,
                )
                protected.set_name(obj, m.name)
                protected.set_id_number(obj, m.id_number)
                protected.set_phone(obj, m.phone)
                batch.append((m, obj))
            if len(batch) >= BATCH:
                done += len(batch)
                flush()
                self._tick("members", done, total)
        if batch:
            done += len(batch)
            flush()
            self._tick("members", done, total)
        # Point every new household at its head in one statement.
        first, last = plan.households[0].pk, plan.households[-1].pk
        Household.objects.filter(
            pk__gte=min(first, last), pk__lte=max(first, last), head__isnull=True
        ).update(
            head=Subquery(
                Member.objects.filter(household=OuterRef("pk"), relation=Relation.HEAD).values(
                    "pk"
                )[:1]
            )
        )
        self.counts["members"] = total

    def credentials(self) -> None:
        plan = self.plan
        objs = []
        total = 0
        for h in plan.households:
            enrolled = datetime.combine(h.lease_start, clock(10), TZ)
            for m in h.members:
                when = max(enrolled, datetime.combine(m.joined_at, clock(10), TZ))
                if m.face_ref:
                    objs.append(
                        Credential(
                            member_id=m.pk,
                            kind=CredentialKind.FACE,
                            ref=m.face_ref,
                            enrolled_at=when,
                        )
                    )
                if m.card_ref:
                    objs.append(
                        Credential(
                            member_id=m.pk,
                            kind=CredentialKind.CARD,
                            ref=m.card_ref,
                            enrolled_at=when,
                        )
                    )
            if len(objs) >= BATCH:
                _bulk(Credential, objs)
                total += len(objs)
                objs.clear()
        _bulk(Credential, objs)
        total += len(objs)
        self.say(f"      credentials {total:,}")
        self.counts["credentials"] = total

    def leases(self) -> None:
        """Leases with their rent terms (see `tenancy.lease_terms`) and the rent history
        that goes with them, dated from each lease's start."""
        plan = self.plan
        tiers, standards = relief_tiers(), rent_standards()
        total = rents = 0
        for chunk in _chunks(plan.households):
            objs, histories = [], []
            for h in chunk:
                unit = plan.units[h.unit]
                terms = lease_terms(
                    start=h.lease_start,
                    end=h.lease_end,
                    area_m2=unit.area_m2,
                    relief_tier=tiers[h.category],
                    standards=standards[plan.estates[unit.estate].pk],
                )
                h.monthly_rent = terms.fields["monthly_rent"]
                objs.append(
                    Lease(
                        number=h.lease_number,
                        household_id=h.pk,
                        unit_id=unit.pk,
                        start=h.lease_start,
                        end=h.lease_end,
                        status=LeaseStatus.ACTIVE,
                        **terms.fields,
                    )
                )
                histories.append(terms.history)
            _bulk(Lease, objs)
            history = [
                LeaseRent(lease_id=lease.pk, **row)
                for lease, rows in zip(objs, histories, strict=True)
                for row in rows
            ]
            _bulk(LeaseRent, history)
            total, rents = total + len(objs), rents + len(history)
            self._tick("leases", total, len(plan.households))
        # Every lease got its history above; the backfill only keeps the rule that none
        # is left without one.
        rents += lease_rents_backfill()
        self.counts.update(leases=total, lease_rents=rents)

    def timeline(self) -> None:
        plan = self.plan
        entries: list[TimelineEntry] = []
        total = 0

        def add(verb, *, household_pk=None, unit_pk=None, at, **data):
            nonlocal total
            # build() takes instances; only the keys are at hand, so set those.
            entry = timeline.build(verb, at=at, **data)
            entry.household_id, entry.unit_id = household_pk, unit_pk
            entries.append(entry)
            if len(entries) >= BATCH:
                _bulk(TimelineEntry, entries)
                total += len(entries)
                entries.clear()

        for u in plan.units:
            year = plan.estates[u.estate].completed_year
            opened = datetime.combine(BASE_DATE.replace(year=year, month=12, day=1), clock(9), TZ)
            add("unit.created", unit_pk=u.pk, at=opened, unit=u.code)
        for h in plan.households:
            unit = plan.units[h.unit]
            add(
                "household.created",
                household_pk=h.pk,
                at=h.created_at,
                number=h.number,
                category=h.category,
            )
            add(
                "lease.started",
                household_pk=h.pk,
                unit_pk=unit.pk,
                at=datetime.combine(h.lease_start, clock(10), TZ),
                number=h.lease_number,
                unit=unit.code,
                start=h.lease_start.isoformat(),
            )
        _bulk(TimelineEntry, entries)
        total += len(entries)
        self.say(f"      timeline entries {total:,}")
        self.counts["timeline_entries"] = total

    def users(self) -> None:
        plan = self.plan
        taken = set(
            User.objects.filter(username__in=[u.username for u in plan.users]).values_list(
                "username", flat=True
            )
        )
        password = make_password(DEMO_PASSWORD)
        joined = datetime.combine(BASE_DATE, clock(9), TZ)
        new = []
        for u in plan.users:
            if u.username in taken:
                self.skipped_users.append(u.username)
                continue
            household = plan.households[u.household] if u.household is not None else None
            user = User(
                username=u.username,
                full_name=u.full_name,
                organisation_id=self.org_pk[u.organisation],
                household_id=household.pk if household else None,
                password=password,
                date_joined=joined,
            )
            user._demo_role = u.role
            new.append(user)
        _bulk(User, new)
        _bulk(UserRole, [UserRole(user_id=user.pk, role=Role(user._demo_role)) for user in new])
        self.counts["users"] = len(new)

    def admission(self) -> None:
        """Applications at every step, notices and one allocation round, through the
        admission services (see `anju.demo.admission`)."""
        from .admission import generate_admission

        counts = generate_admission(seed=self.plan.seed, say=self.say)
        self.counts.update({f"admission_{key}": value for key, value in counts.items()})

    def tenancy(self) -> None:
        """Two years of rent bills and payments, households behind with the rent, and
        the tenancy services' work on them (see `anju.demo.tenancy`)."""
        counts = generate_tenancy(seed=self.plan.seed, say=self.say)
        self.counts.update({f"tenancy_{key}": value for key, value in counts.items()})

    def events(self) -> None:
        """Door events and meter readings of every occupied unit, with labelled cases
        for the screening, sent through the ingest service (see `anju.demo.events`).
        The demo log-ins' own households live ordinary lives."""
        from .events import generate_events

        result = generate_events(
            days=self.events_days,
            seed=self.plan.seed,
            say=self.say,
            exclude_households=set(
                User.objects.filter(household__isnull=False).values_list("household_id", flat=True)
            ),
        )
        self.events_result = result
        self.counts.update(
            {f"events_{key}": value for key, value in result.counts.items() if value}
        )

    def supervision(self) -> None:
        """A screening of the door and meter data (when written), then violation cases
        at each stage with points and credit, and the field work: routine plans, tips,
        tasks on the strongest flags and visits, all through the supervision services
        (see `anju.demo.supervision_cases` and `anju.demo.supervision_field`)."""
        from anju.supervision.models import RunTrigger
        from anju.supervision.services.screening import WINDOW_MIN, screening_run

        from .supervision_cases import generate as generate_cases
        from .supervision_field import generate as generate_field

        if self.events_days >= WINDOW_MIN:
            until = timezone.localdate() - timedelta(days=1)
            run = screening_run(
                until=until, window_days=min(90, self.events_days), trigger=RunTrigger.COMMAND
            )
            self.counts["screening_flags"] = run.flags
        for generate_part in (generate_cases, generate_field):
            counts = generate_part(seed=self.plan.seed, say=self.say)
            self.counts.update({f"supervision_{key}": value for key, value in counts.items()})

    def services(self) -> None:
        """A year of repairs and feedback, then notices, community activities and the
        yearly survey (see `anju.demo.helpdesk` and `anju.demo.outreach`)."""
        from .helpdesk import generate as generate_helpdesk
        from .outreach import generate as generate_outreach

        for generate_part in (generate_helpdesk, generate_outreach):
            self.counts.update(generate_part(seed=self.plan.seed, say=self.say))

    def evaluation(self) -> None:
        """Evaluation periods over the district's records: 2025 and two quarters of
        2026 published with their objections and consequences, the third quarter in
        progress (see `anju.demo.evaluation`)."""
        from .evaluation import generate as generate_evaluation

        self.counts.update(generate_evaluation(seed=self.plan.seed, say=self.say))

    def exits(self) -> None:
        """Exit cases at every stage (some overdue, some in court, some closed with their
        deposit settled) and exchanges, through the exits services (see
        `anju.demo.exits`)."""
        from .exits import generate as generate_exits

        counts = generate_exits(seed=self.plan.seed, say=self.say)
        self.counts.update(counts)
