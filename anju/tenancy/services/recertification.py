"""The yearly recertification (年审). The authority opens a campaign over some estates;
every household with an active lease there gets a case and an SMS. Each household
declares (portal or counter); the declarations go to the partner agencies; an outcome
is computed for each from the campaign's rule set (services/outcomes.py); staff confirm
the outcomes in bulk, with exceptions, and a confirmed outcome changes the rent from a
date or puts the household on the "must vacate" list. A nightly task reminds the
households that have not declared and, after the deadline, asks their community to
visit. docs/recertification.md describes the whole."""

from __future__ import annotations

import datetime
import json
import logging
from collections.abc import Callable
from contextlib import nullcontext
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from anju.admission.models import (
    CategoryRule,
    CurrentHousing,
    Purpose,
    RentTier,
    RequestStatus,
    VerificationRequest,
)
from anju.admission.services.rules import ruleset_in_force
from anju.core import audit, notify, timeline
from anju.core.errors import DomainError
from anju.core.followups import task_raise
from anju.core.models import JobRun, JobStatus, MessageChannel, TimelineEntry
from anju.households.models import Household, Lease, LeaseStatus

from ..models import (
    Campaign,
    CampaignStatus,
    DeclaredMember,
    HousingAcquired,
    RecertCase,
    RecertStatus,
)
from .declarations import declaration_submit
from .outcomes import Facts as OutcomeFacts
from .outcomes import facts_of, no_declaration, outcome_for

logger = logging.getLogger(__name__)

CENT = Decimal("0.01")
COMPUTE_KIND = "recert.compute"
# Days before the deadline the first reminder goes out. The rule set has no field for
# it yet (see the report of issue 4); a deployment may set ANJU_RECERT_REMINDER_DAYS.
REMINDER_DAYS = getattr(settings, "ANJU_RECERT_REMINDER_DAYS", 7)
# The case's workflow: from each status, the statuses it may move to.
TRANSITIONS = {
    RecertStatus.AWAITING: {RecertStatus.DECLARED, RecertStatus.CONFIRMED},
    RecertStatus.DECLARED: {RecertStatus.DECLARED, RecertStatus.VERIFYING, RecertStatus.CONFIRMED},
    RecertStatus.VERIFYING: {RecertStatus.DECLARED, RecertStatus.VERIFIED, RecertStatus.CONFIRMED},
    RecertStatus.VERIFIED: {RecertStatus.DECLARED, RecertStatus.CONFIRMED},
    RecertStatus.CONFIRMED: set(),
}
OUTCOME_FIELDS = ["outcome", "rent_multiple", "reasons", "computed_at"]

notify.register(
    "recert.opened",
    MessageChannel.SMS,
    gettext_lazy(
        "[Public rental housing] Household {household}: the {campaign} has begun. Please "
        "declare your members, incomes, assets and any other housing by {declare_by}, on "
        "the tenant portal or at the estate office."
    ),
)
notify.register(
    "recert.reminder",
    MessageChannel.SMS,
    gettext_lazy(
        "[Public rental housing] Household {household}: {days} days are left to declare "
        "for the {campaign}. The deadline is {declare_by}."
    ),
)
notify.register(
    "recert.last_day",
    MessageChannel.SMS,
    gettext_lazy(
        "[Public rental housing] Household {household}: today, {declare_by}, is the last "
        "day to declare for the {campaign}. A household that does not declare is visited "
        "by its community."
    ),
)
timeline.register(
    "recert.opened",
    gettext_lazy("Recertification %(campaign)s opened: declare by %(day)s"),
)
timeline.register(
    "recert.lapsed",
    gettext_lazy("No recertification declaration by %(day)s: the community is asked to visit"),
)
timeline.register(
    "recert.confirmed",
    gettext_lazy("Recertification %(campaign)s: outcome confirmed, %(outcome)s%(multiple)s"),
)
timeline.register(
    "recert.exception",
    gettext_lazy(
        "Recertification %(campaign)s: outcome confirmed as %(outcome)s%(multiple)s instead "
        "of %(computed)s, because: %(note)s"
    ),
)


def _entry(verb: str, household_id: int, *, actor, **data) -> TimelineEntry:
    entry = timeline.build(verb, actor=actor, **data)
    entry.household_id = household_id
    return entry


def _chunks(items: list, size: int = 5000):
    # SQLite takes at most 32,766 parameters in a statement; `pk__in` lists stay below.
    for start in range(0, len(items), size):
        yield items[start : start + size]


def first_of_next_month(day: datetime.date) -> datetime.date:
    return (day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def _check_move(case: RecertCase, to: str) -> None:
    if to not in TRANSITIONS[RecertStatus(case.status)]:
        raise DomainError(
            _("Household %(h)s's recertification is %(s)s: that cannot be done now.")
            % {"h": case.household.number, "s": case.get_status_display()},
            code="bad_status",
        )


def _check_open(campaign: Campaign) -> None:
    if campaign.status != CampaignStatus.OPEN:
        raise DomainError(
            _("The campaign %(c)s is closed.") % {"c": campaign.name}, code="campaign_closed"
        )


# --- Opening a campaign ---------------------------------------------------------------


def campaign_open(
    *,
    actor,
    year: int,
    name: str,
    estates,
    declare_by: datetime.date | None = None,
    on: datetime.date | None = None,
) -> Campaign:
    """Open a campaign under the rule set in force: one case for every household with
    an active lease in `estates`, each told by SMS. The deadline defaults to the rule
    set's declaration days after today."""
    on = on or timezone.localdate()
    estates = list(estates)
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the campaign a name."), code="name")
    if not estates:
        raise DomainError(_("Choose at least one estate."), code="no_estates")
    ruleset = ruleset_in_force(on)
    declare_by = declare_by or on + datetime.timedelta(days=ruleset.declaration_days)
    if declare_by < on:
        raise DomainError(
            _("The deadline cannot come before the campaign opens."), code="declare_by"
        )
    busy = sorted(
        {
            e.name
            for e in estates
            if e.campaigns.filter(year=year, status=CampaignStatus.OPEN).exists()
        }
    )
    if busy:
        raise DomainError(
            _("These estates are already in an open campaign for %(year)s: %(estates)s")
            % {"year": year, "estates": "、".join(busy)},
            code="estate_busy",
        )
    with transaction.atomic():
        campaign = Campaign.objects.create(
            year=year,
            name=name[:100],
            ruleset=ruleset,
            opened_on=on,
            declare_by=declare_by,
            created_by=actor,
        )
        campaign.estates.set(estates)
        leases = Lease.objects.filter(status=LeaseStatus.ACTIVE, unit__estate__in=estates)
        RecertCase.objects.bulk_create(
            (
                RecertCase(campaign=campaign, household_id=h, lease_id=pk, estate_id=e)
                for pk, h, e in leases.values_list("pk", "household_id", "unit__estate_id")
            ),
            batch_size=2000,
        )
        households = list(
            Household.objects.filter(recert_cases__campaign=campaign).select_related("head")
        )
        context = {"campaign": campaign.name, "declare_by": declare_by.isoformat()}
        for chunk in _chunks(households):
            notify.queue_many(
                [
                    (
                        "recert.opened",
                        f"recert:{campaign.pk}:{h.pk}:opened",
                        h,
                        {**context, "household": h.number},
                    )
                    for h in chunk
                ]
            )
        timeline.add_many(
            _entry("recert.opened", h.pk, actor=actor, campaign=campaign.name, day=str(declare_by))
            for h in households
        )
        audit.record(
            actor=actor,
            action="recert.campaign_open",
            target=campaign,
            changes={
                "year": year,
                "name": campaign.name,
                "estates": [e.name for e in estates],
                "ruleset": ruleset.year,
                "declare_by": declare_by,
                "cases": len(households),
            },
        )
    return campaign


# --- Declaring ------------------------------------------------------------------------


def open_case_of(household) -> RecertCase | None:
    """The household's case in an open campaign that is not confirmed yet, if any."""
    return (
        RecertCase.objects.filter(household=household, campaign__status=CampaignStatus.OPEN)
        .exclude(status=RecertStatus.CONFIRMED)
        .select_related("campaign", "household")
        .order_by("-campaign__opened_on", "-pk")
        .first()
    )


def recert_declare(case: RecertCase, *, actor, channel: str, **declared) -> RecertCase:
    """Record the household's declaration (see declaration_submit for `declared`) and
    point the case at it. A new declaration before confirmation replaces the earlier
    one, which stays on record; an outcome computed from the earlier one is cleared,
    and a household already sent to the agencies must be sent again."""
    with transaction.atomic():
        case = (
            RecertCase.objects.select_for_update(of=("self",))
            .select_related("campaign", "household")
            .get(pk=case.pk)
        )
        _check_open(case.campaign)
        _check_move(case, RecertStatus.DECLARED)
        previous = case.declaration_id
        declaration = declaration_submit(case.household, actor=actor, channel=channel, **declared)
        case.declaration, case.status = declaration, RecertStatus.DECLARED
        case.outcome, case.rent_multiple, case.reasons, case.computed_at = "", None, [], None
        case.save(update_fields=["declaration", "status", *OUTCOME_FIELDS])
        audit.record(
            actor=actor,
            action="recert.declare",
            target=case,
            changes={
                "campaign": case.campaign.name,
                "declaration": declaration.pk,
                "replaces": previous,
                "channel": channel,
            },
        )
    return case


# --- Verification with the partner agencies --------------------------------------------


def requests_of_campaign(campaign: Campaign):
    """The campaign's verification requests about the case's household (for Exists)."""
    return VerificationRequest.objects.filter(
        household_id=OuterRef("household_id"),
        batch__purpose=Purpose.RECERTIFICATION,
        batch__created_at__gte=campaign.created_at,
    )


def answered_q(campaign: Campaign) -> Q:
    """Cases whose household the agencies were asked about in this campaign and who
    answered every request: verified."""
    requests = requests_of_campaign(campaign)
    return Q(Exists(requests)) & ~Q(Exists(requests.filter(status=RequestStatus.PENDING)))


def declared_facts(declaration) -> dict:
    """A declaration in the terms of the verification requests (FACT_KEYS)."""
    acquired = declaration.housing_acquired != HousingAcquired.NONE
    return {
        "current_housing": CurrentHousing.OWN if acquired else CurrentHousing.NONE,
        "vehicles": declaration.vehicles,
        "owns_business": declaration.owns_business,
    }


def recert_verify_send(campaign: Campaign, *, actor, cases, due_on=None) -> list:
    """Send the declared households among `cases` to the partner agencies, one batch per
    agency, and mark their cases as with the agencies."""
    from anju.admission.services.verification import verification_batches_for_households

    _check_open(campaign)
    chosen = list(
        cases.filter(campaign=campaign, status=RecertStatus.DECLARED).select_related(
            "household", "declaration"
        )
    )
    if not chosen:
        raise DomainError(
            _("No declared household is waiting to be sent to the agencies."),
            code="nothing_to_send",
        )
    with transaction.atomic():
        batches = verification_batches_for_households(
            actor=actor,
            households=[c.household for c in chosen],
            declarations={c.household_id: declared_facts(c.declaration) for c in chosen},
            due_on=due_on,
            send=True,
        )
        for pks in _chunks([c.pk for c in chosen]):
            RecertCase.objects.filter(pk__in=pks, status=RecertStatus.DECLARED).update(
                status=RecertStatus.VERIFYING
            )
        audit.record(
            actor=actor,
            action="recert.verify_send",
            target=campaign,
            changes={"households": len(chosen), "batches": [b.number for b in batches]},
        )
    return batches


def recert_verification_refresh(campaign: Campaign) -> int:
    """Cases with the agencies whose every request is answered become verified (one
    UPDATE). Returns how many."""
    count = (
        RecertCase.objects.filter(campaign=campaign, status=RecertStatus.VERIFYING)
        .filter(answered_q(campaign))
        .update(status=RecertStatus.VERIFIED)
    )
    if count:
        audit.record(
            actor=None,
            action="recert.verified",
            target=campaign,
            changes={"cases": count},
        )
    return count


# --- Computing the outcomes ----------------------------------------------------------


def _lines(campaign: Campaign) -> tuple[dict, list]:
    rules = {r.category: r for r in CategoryRule.objects.filter(ruleset=campaign.ruleset_id)}
    tiers = list(RentTier.objects.filter(ruleset=campaign.ruleset_id).order_by("above"))
    return rules, tiers


def recert_compute(case: RecertCase) -> RecertCase:
    """The outcome of one declared case, computed and stored (the single path)."""
    case = RecertCase.objects.select_related("campaign__ruleset", "household", "declaration").get(
        pk=case.pk
    )
    if case.status == RecertStatus.CONFIRMED:
        raise DomainError(_("The outcome is already confirmed."), code="confirmed")
    if case.declaration is None:
        raise DomainError(_("The household has not declared yet."), code="not_declared")
    rules, tiers = _lines(case.campaign)
    facts = facts_of(case.declaration, case.campaign.opened_on)
    outcome, multiple, reasons = outcome_for(
        facts, rules.get(case.household.category), tiers, case.campaign.ruleset
    )
    case.outcome, case.rent_multiple, case.reasons = outcome, multiple, reasons
    case.computed_at = timezone.now()
    case.save(update_fields=OUTCOME_FIELDS)
    return case


def _computable(campaign: Campaign, estate_ids=None):
    cases = RecertCase.objects.filter(campaign=campaign, declaration__isnull=False).exclude(
        status=RecertStatus.CONFIRMED
    )
    if estate_ids is not None:
        cases = cases.filter(estate_id__in=estate_ids)
    return cases


def outcomes_compute(
    campaign: Campaign,
    *,
    estate_ids=None,
    batch: int = 5000,
    progress: Callable[[int], None] | None = None,
) -> int:
    """The outcome of every declared, unconfirmed case of the campaign (of `estate_ids`
    only, if given), set by set: per batch one query reads the inputs (the case, its
    declaration, the household's category and the youngest member living in the unit),
    the pure `outcome_for` decides in Python, and one statement writes the batch back.
    Gives exactly what `recert_compute` gives case by case. Returns how many."""
    ruleset = campaign.ruleset
    rules, tiers = _lines(campaign)
    youngest = (
        DeclaredMember.objects.filter(declaration_id=OuterRef("declaration_id"), present=True)
        .order_by(F("birth_date").desc(nulls_first=True))
        .values("birth_date")[:1]
    )
    base = (
        _computable(campaign, estate_ids)
        .annotate(youngest=Subquery(youngest))
        .order_by("pk")
        .values_list(
            "pk",
            "household__category",
            "declaration__member_count",
            "declaration__total_income",
            "declaration__deposits",
            "declaration__housing_acquired",
            "declaration__other_subsidised",
            "youngest",
        )
    )
    on = campaign.opened_on
    done, last = 0, 0
    while True:
        rows = list(base.filter(pk__gt=last)[:batch])
        if not rows:
            return done
        last = rows[-1][0]
        now = timezone.now()
        results = []
        for pk, category, count, income, deposits, housing, subsidised, birth in rows:
            facts = OutcomeFacts(
                member_count=count,
                total_income=Decimal(income),
                deposits=Decimal(deposits),
                housing_acquired=housing,
                other_subsidised=subsidised,
                youngest_birth=_date(birth),
                on=on,
            )
            outcome, multiple, reasons = outcome_for(facts, rules.get(category), tiers, ruleset)
            results.append((pk, outcome, multiple, reasons))
        with transaction.atomic():
            _store(results, now)
        done += len(rows)
        if progress:
            progress(done)


def _date(value) -> datetime.date | None:
    # A subquery's date comes back as text on SQLite.
    if value is None or isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


def _store(results: list[tuple], now) -> None:
    """Write (pk, outcome, multiple, reasons) rows: one UPDATE … FROM unnest on
    PostgreSQL; an executemany UPDATE by primary key on SQLite. Written out because
    bulk_update builds a CASE WHEN per row and field, which costs more than the
    computation itself (see bench/recert.py)."""
    table = connection.ops.quote_name(RecertCase._meta.db_table)
    stamp = RecertCase._meta.get_field("computed_at").get_db_prep_save(now, connection)
    multiples = [None if m is None else str(m) for _pk, _o, m, _r in results]
    reasons = [json.dumps(r, ensure_ascii=False) for _pk, _o, _m, r in results]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} AS c SET outcome = v.outcome, rent_multiple = v.multiple,"  # noqa: S608
                " reasons = v.reasons, computed_at = %s"
                " FROM unnest(%s::bigint[], %s::varchar[], %s::numeric[], %s::jsonb[])"
                " AS v(id, outcome, multiple, reasons) WHERE c.id = v.id",
                [
                    stamp,
                    [pk for pk, *_rest in results],
                    [str(o) for _pk, o, _m, _r in results],
                    multiples,
                    reasons,
                ],
            )
        else:
            cursor.executemany(
                f"UPDATE {table} SET outcome = %s, rent_multiple = %s, reasons = %s,"  # noqa: S608
                " computed_at = %s WHERE id = %s",
                [
                    (str(o), m, r, stamp, pk)
                    for (pk, o, _m, _r), m, r in zip(results, multiples, reasons, strict=True)
                ],
            )


def recert_compute_start(campaign: Campaign, *, actor, estate_ids=None) -> JobRun:
    """Queue the bulk computation as a background job; its page shows the progress."""
    from anju.tenancy.tasks.recertification import recert_compute_task

    _check_open(campaign)
    job = JobRun.objects.create(
        kind=COMPUTE_KIND,
        created_by=actor,
        message=_("Waiting to compute the outcomes…"),
        total=_computable(campaign, estate_ids).count(),
        params={
            "campaign": campaign.pk,
            "estates": list(estate_ids) if estate_ids is not None else None,
            "language": translation.get_language(),
        },
    )
    transaction.on_commit(lambda: recert_compute_task(job.pk))
    return job


def _progress(job: JobRun, done: int) -> None:
    JobRun.objects.filter(pk=job.pk).update(done=done)


def recert_compute_job_run(job_id: int) -> JobRun:
    """The background job's body: pick up the agencies' answers, mark the households
    that missed the deadline, compute every outcome and record the count. A finished
    job is left alone, so a retried task does nothing."""
    job = JobRun.objects.select_related("created_by").get(pk=job_id)
    if job.is_finished:
        return job
    language = (job.params or {}).get("language")
    with translation.override(language) if language else nullcontext():
        JobRun.objects.filter(pk=job.pk).update(
            status=JobStatus.RUNNING, message=_("Computing the outcomes…")
        )
        try:
            campaign = Campaign.objects.select_related("ruleset").get(pk=job.params["campaign"])
            recert_verification_refresh(campaign)
            recert_lapse(campaign)
            done = outcomes_compute(
                campaign,
                estate_ids=job.params.get("estates"),
                progress=lambda n: _progress(job, n),
            )
            audit.record(
                actor=job.created_by,
                action="recert.compute",
                target=campaign,
                changes={"cases": done, "estates": job.params.get("estates")},
            )
        except Exception as exc:
            logger.exception("recertification job %s failed", job.pk)
            job.status = JobStatus.FAILED
            job.message = (_("The outcomes could not be computed: %(error)s") % {"error": exc})[
                :300
            ]
            job.result = {"error": str(exc)[:2000]}
        else:
            job.status = JobStatus.DONE
            job.message = (
                ngettext("%(n)s outcome computed.", "%(n)s outcomes computed.", done) % {"n": done}
            )[:300]
            job.done = job.total = done
            job.result = {
                "computed": done,
                "next_url": reverse("recert_campaign_detail", args=[campaign.pk]),
            }
    job.finished_at = timezone.now()
    job.save(update_fields=["status", "message", "result", "done", "total", "finished_at"])
    return job


# --- Reminders and the deadline -----------------------------------------------------


def recert_remind(campaign: Campaign, *, today: datetime.date | None = None) -> int:
    """SMS reminders to the households that have not declared: the first from
    REMINDER_DAYS before the deadline, the last on the day itself. Each is queued once
    (keyed by case and number). Returns how many were queued."""
    today = today or timezone.localdate()
    if today > campaign.declare_by or today < campaign.declare_by - datetime.timedelta(
        days=REMINDER_DAYS
    ):
        return 0
    number = 2 if today == campaign.declare_by else 1
    cases = list(
        RecertCase.objects.filter(
            campaign=campaign, status=RecertStatus.AWAITING, reminders__lt=number
        ).select_related("household__head")
    )
    if not cases:
        return 0
    code = "recert.last_day" if number == 2 else "recert.reminder"
    context = {
        "campaign": campaign.name,
        "declare_by": campaign.declare_by.isoformat(),
        "days": (campaign.declare_by - today).days,
    }
    with transaction.atomic():
        queued = 0
        for chunk in _chunks(cases):
            queued += notify.queue_many(
                [
                    (
                        code,
                        f"recert:{case.pk}:reminder:{number}",
                        case.household,
                        {**context, "household": case.household.number},
                    )
                    for case in chunk
                ]
            )
        for pks in _chunks([c.pk for c in cases]):
            RecertCase.objects.filter(pk__in=pks).update(reminders=number)
    return queued


def recert_lapse(campaign: Campaign, *, today: datetime.date | None = None) -> int:
    """After the deadline: every case still awaiting a declaration gets the outcome "no
    declaration" and a follow-up task for its community to visit. Returns how many."""
    today = today or timezone.localdate()
    if today <= campaign.declare_by:
        return 0
    cases = list(
        RecertCase.objects.filter(
            campaign=campaign, status=RecertStatus.AWAITING, outcome=""
        ).select_related("household__community", "estate__community")
    )
    if not cases:
        return 0
    outcome, _multiple, reasons = no_declaration(campaign.declare_by)
    with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
        for pks in _chunks([c.pk for c in cases]):
            RecertCase.objects.filter(pk__in=pks, outcome="").update(
                outcome=outcome, rent_multiple=None, reasons=reasons, computed_at=timezone.now()
            )
        for case in cases:
            task_raise(
                key=f"recert:{case.pk}:visit",
                kind="recert.visit",
                title=_("Visit household %(h)s: no recertification declaration by %(day)s")
                % {"h": case.household.number, "day": campaign.declare_by.isoformat()},
                household=case.household,
                organisation=case.household.community or case.estate.community,
            )
        timeline.add_many(
            _entry("recert.lapsed", c.household_id, actor=None, day=str(campaign.declare_by))
            for c in cases
        )
        audit.record(
            actor=None,
            action="recert.lapse",
            target=campaign,
            changes={"cases": len(cases), "declare_by": campaign.declare_by},
        )
    return len(cases)


def recert_nightly(today: datetime.date | None = None) -> dict:
    """Reminders and deadlines of every open campaign; run every night. Running it twice
    on one day changes nothing the second time."""
    today = today or timezone.localdate()
    out = {"reminded": 0, "lapsed": 0, "verified": 0}
    for campaign in Campaign.objects.filter(status=CampaignStatus.OPEN).select_related("ruleset"):
        out["verified"] += recert_verification_refresh(campaign)
        out["reminded"] += recert_remind(campaign, today=today)
        out["lapsed"] += recert_lapse(campaign, today=today)
    return out
