"""The yearly recertification through its services: opening a campaign, declaring and
declaring again, verification, the bulk computation against the single one, confirming
with exceptions, the rent change from its date, the "must vacate" list, and the nightly
reminders and deadline."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.conf import settings
from django.utils import translation
from stdnum.cn import ric

from anju.admission.models import RequestStatus, VerificationBatch
from anju.admission.services.verification import answers_apply
from anju.admission.services.verification.answers import Answer
from anju.core.errors import DomainError
from anju.core.models import JobRun, JobStatus, Message, Task
from anju.households import services as hh
from anju.households.models import HouseholdStatus, LeaseRent, RentReason
from anju.tenancy.models import (
    Bill,
    BillKind,
    HousingAcquired,
    Outcome,
    RecertCase,
    RecertStatus,
    VacateListing,
    VacateReason,
)
from anju.tenancy.services import recert_confirm as confirming
from anju.tenancy.services import recertification as recert
from anju.tenancy.services.billing import bill_run
from anju.testing.admission import make_ruleset

pytestmark = pytest.mark.django_db

D = datetime.date
OPENED = D(2026, 3, 2)
DEADLINE = D(2026, 4, 1)  # the rule set's 30 days


# --- Helpers (also used by test_recert_pages.py) ----------------------------------------


def person_id(born: str, seq: int) -> str:
    """A valid resident ID number for someone born on `born` (YYYYMMDD)."""
    body = f"140402{born}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def housed(cast, number: str, unit, people: list[tuple[str, str]], category="low_income"):
    """A household of `people` ((name, born YYYYMMDD), head first) living in `unit`."""
    officer = cast.officer
    household = hh.household_create(
        actor=officer,
        number=number,
        category=category,
        community=unit.estate.community,
        status=HouseholdStatus.WAITING,
    )
    for i, (name, born) in enumerate(people):
        hh.member_add(
            household,
            actor=officer,
            name=name,
            id_number=person_id(born, 100 + i),
            relation="head" if i == 0 else "spouse" if i == 1 else "child",
        )
    hh.lease_start(
        household,
        actor=officer,
        unit=unit,
        number=f"L-{number}",
        start=D(2025, 1, 1),
        end=D(2028, 1, 1),
        monthly_rent=Decimal("455.00"),
    )
    household.refresh_from_db()
    return household


def open_campaign(cast, estates=None, **kwargs):
    make_ruleset(cast.officer)
    return recert.campaign_open(
        actor=cast.officer,
        year=2026,
        name="2026年度资格复核",
        estates=estates or [cast.e1, cast.e2],
        on=kwargs.pop("on", OPENED),
        **kwargs,
    )


def declare(case, actor, incomes, *, channel="counter", present=None, **facts):
    """Declare the household's current members with `incomes` (one per member, in the
    order they joined)."""
    members = list(case.household.members.current().order_by("id"))
    rows = [
        {
            "member": m.pk,
            "monthly_income": Decimal(str(income)),
            "present": True if present is None else present[i],
        }
        for i, (m, income) in enumerate(zip(members, incomes, strict=True))
    ]
    return recert.recert_declare(
        case, actor=actor, channel=channel, members=rows, consent=True, **facts
    )


def case_of(campaign, household) -> RecertCase:
    return RecertCase.objects.get(campaign=campaign, household=household)


# --- Opening --------------------------------------------------------------------------


def test_opening_a_campaign_makes_one_case_per_leased_household_and_texts_each(cast):
    campaign = open_campaign(cast)
    assert campaign.declare_by == DEADLINE
    cases = RecertCase.objects.filter(campaign=campaign)
    assert {(c.household, c.estate, c.status) for c in cases} == {
        (cast.alice_household, cast.e1, RecertStatus.AWAITING),
        (cast.charlie_household, cast.e2, RecertStatus.AWAITING),
    }
    sms = Message.objects.get(key=f"recert:{campaign.pk}:{cast.alice_household.pk}:opened")
    assert sms.channel == "sms" and "2026-04-01" in sms.body and "HH-A" in sms.body
    assert cast.alice_household.timeline.filter(verb="recert.opened").exists()


def test_an_estate_is_in_one_open_campaign_a_year(cast):
    open_campaign(cast, estates=[cast.e1])
    with pytest.raises(DomainError) as caught:
        open_campaign(cast, estates=[cast.e1, cast.e2])
    assert caught.value.code == "estate_busy"
    assert RecertCase.objects.count() == 1


# --- Declaring --------------------------------------------------------------------------


def test_declaring_again_replaces_the_declaration_and_keeps_the_first(cast):
    campaign = open_campaign(cast)
    case = case_of(campaign, cast.alice_household)
    first = declare(case, cast.community, [3000, 0]).declaration
    recert.recert_compute(case)
    second = declare(case, cast.alice, [5000, 0], channel="portal")
    case.refresh_from_db()
    assert case.declaration == second.declaration != first
    assert case.status == RecertStatus.DECLARED
    assert case.outcome == "" and case.reasons == []  # computed from the first: cleared
    assert cast.alice_household.declarations.count() == 2


def test_nobody_declares_on_a_confirmed_case(cast):
    campaign = open_campaign(cast)
    case = case_of(campaign, cast.alice_household)
    declare(case, cast.community, [1000, 0])
    recert.recert_compute(case)
    confirming.recert_confirm(RecertCase.objects.filter(pk=case.pk), actor=cast.officer, on=OPENED)
    with pytest.raises(DomainError) as caught:
        declare(case, cast.community, [1000, 0])
    assert caught.value.code == "bad_status"
    assert recert.open_case_of(cast.alice_household) is None


# --- Verification ----------------------------------------------------------------------


def test_declarations_go_to_the_agencies_and_answered_cases_are_verified(cast):
    campaign = open_campaign(cast)
    case = case_of(campaign, cast.alice_household)
    declare(case, cast.community, [3000, 0], vehicles=1)
    batches = recert.recert_verify_send(
        campaign, actor=cast.officer, cases=RecertCase.objects.filter(campaign=campaign)
    )
    case.refresh_from_db()
    assert case.status == RecertStatus.VERIFYING
    batch = VerificationBatch.objects.get(pk=batches[0].pk)
    assert batch.purpose == "recertification" and batch.status == "sent"
    assert {r.household_id for r in batch.requests.all()} == {cast.alice_household.pk}
    # An outcome may be computed before the agencies answer; the case says so.
    recert.recert_compute(case)
    assert recert.recert_verification_refresh(campaign) == 0
    requests = list(batch.requests.all())
    answers_apply(
        batch,
        actor=cast.users["agency"],
        answers=[Answer(r, False, "", "") for r in requests],
    )
    assert not batch.requests.filter(status=RequestStatus.PENDING).exists()
    assert recert.recert_verification_refresh(campaign) == 1
    case.refresh_from_db()
    assert case.status == RecertStatus.VERIFIED and case.outcome == Outcome.QUALIFIES


# --- Computing -------------------------------------------------------------------------


@pytest.fixture
def district(cast):
    """Six households in E1 with one declaration each, one per kind of outcome, and the
    campaign they are in."""
    units = list(cast.e1.buildings.get().units.exclude(pk=cast.unit_a.pk).order_by("code"))
    people = {
        "R-1": [("甲一", "19800101"), ("甲二", "19820202")],  # qualifies
        "R-2": [("乙一", "19800303"), ("乙二", "19850404")],  # tiered 1.5
        "R-3": [("丙一", "19750505")],  # tiered 2
        "R-4": [("丁一", "19500606"), ("丁二", "19520707")],  # tiered, all over 60: exempt
        "R-5": [("戊一", "19700808"), ("戊二", "19720909")],  # housing bought: must exit
    }
    pairs = zip(people.items(), units, strict=False)
    households = {n: housed(cast, n, unit, p) for (n, p), unit in pairs}
    campaign = open_campaign(cast)
    declared = {
        "R-1": ([3000, 1000], {}),
        "R-2": ([8000, 0], {}),
        "R-3": ([6400], {}),
        "R-4": ([4000, 4000], {}),
        "R-5": ([2000, 0], {"housing_acquired": "purchase", "housing_note": "长治市某小区"}),
    }
    for number, (incomes, facts) in declared.items():
        declare(case_of(campaign, households[number]), cast.community, incomes, **facts)
    declare(case_of(campaign, cast.alice_household), cast.community, [9600.02, 0])  # 2×
    return campaign, households


def _outcomes(campaign):
    return {
        c.household.number: (c.outcome, c.rent_multiple, c.reasons)
        for c in RecertCase.objects.filter(campaign=campaign).select_related("household")
    }


def test_the_bulk_computation_gives_what_the_single_one_gives(cast, district):
    campaign, _households = district
    assert recert.outcomes_compute(campaign, batch=2) == 6
    bulk = _outcomes(campaign)
    assert {n: (o, m) for n, (o, m, _r) in bulk.items()} == {
        "HH-A": (Outcome.TIERED, Decimal("2.00")),
        "HH-C": ("", None),  # has not declared
        "R-1": (Outcome.QUALIFIES, Decimal("1.00")),
        "R-2": (Outcome.TIERED, Decimal("1.50")),
        "R-3": (Outcome.TIERED, Decimal("2.00")),
        "R-4": (Outcome.QUALIFIES, Decimal("1.00")),
        "R-5": (Outcome.MUST_EXIT, None),
    }
    assert "exempt" in [r["code"] for r in bulk["R-4"][2]]
    RecertCase.objects.update(outcome="", rent_multiple=None, reasons=[])
    for case in RecertCase.objects.filter(campaign=campaign, declaration__isnull=False):
        recert.recert_compute(case)
    assert _outcomes(campaign) == bulk


def test_the_computation_runs_as_a_background_job(
    cast, district, django_capture_on_commit_callbacks
):
    campaign, _households = district
    with (
        time_machine.travel(D(2026, 3, 10), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        job = recert.recert_compute_start(campaign, actor=cast.officer)
    job.refresh_from_db()
    assert job.status == JobStatus.DONE, job.message
    assert (job.done, job.total, job.result["computed"]) == (6, 6, 6)
    assert job.result["next_url"].endswith(f"/recertification/{campaign.pk}/")
    assert RecertCase.objects.filter(campaign=campaign).exclude(outcome="").count() == 6
    assert JobRun.objects.filter(kind=recert.COMPUTE_KIND).count() == 1


# --- Confirming ------------------------------------------------------------------------


def test_tiered_rent_takes_effect_from_the_first_of_next_month(cast, district):
    campaign, households = district
    recert.outcomes_compute(campaign)
    with time_machine.travel(D(2026, 4, 10), tick=False):
        result = confirming.recert_confirm(
            RecertCase.objects.filter(campaign=campaign, estate=cast.e1), actor=cast.officer
        )
    assert (result.confirmed, result.rent_changes, result.listed) == (6, 3, 1)
    lease = households["R-2"].leases.get()
    row = lease.rents.get(reason=RentReason.RECERTIFICATION)
    assert (row.effective_from, row.monthly_rent, row.rent_multiplier) == (
        D(2026, 5, 1),
        Decimal("682.50"),
        Decimal("1.50"),
    )
    case = case_of(campaign, households["R-2"])
    assert case.status == RecertStatus.CONFIRMED
    assert (case.confirmed_outcome, case.confirmed_multiple) == (Outcome.TIERED, Decimal("1.50"))
    assert case.effective_from == D(2026, 5, 1)
    # April keeps the old rent; May is billed at the new one.
    bill_run(D(2026, 4, 1), actor=None)
    bill_run(D(2026, 5, 1), actor=None)
    bills = {
        b.period: b.amount
        for b in Bill.objects.filter(household=households["R-2"], kind=BillKind.RENT)
    }
    assert bills == {D(2026, 4, 1): Decimal("455.00"), D(2026, 5, 1): Decimal("682.50")}
    assert households["R-2"].timeline.filter(verb="recert.confirmed").exists()
    # The household that qualifies, and the exempt one, keep their rent.
    assert not LeaseRent.objects.filter(
        lease__household__in=[households["R-1"], households["R-4"]],
        reason=RentReason.RECERTIFICATION,
    ).exists()


def test_must_exit_puts_the_household_on_the_must_vacate_list_with_the_reasons(cast, district):
    campaign, households = district
    recert.outcomes_compute(campaign)
    confirming.recert_confirm(
        RecertCase.objects.filter(household=households["R-5"]), actor=cast.officer, on=OPENED
    )
    listing = VacateListing.objects.get(household=households["R-5"])
    assert listing.reason == VacateReason.RECERTIFICATION
    assert listing.lease == households["R-5"].leases.get()
    assert "2026年度资格复核" in listing.facts.values()
    with translation.override(settings.LANGUAGE_CODE):
        bought = str(HousingAcquired.PURCHASE.label)
    assert any(bought in v for v in listing.facts.values())


def test_an_exception_needs_its_reason_and_sets_that_outcome(cast, district):
    campaign, households = district
    recert.outcomes_compute(campaign)
    case = case_of(campaign, households["R-2"])
    only = RecertCase.objects.filter(pk=case.pk)
    with pytest.raises(DomainError) as caught:
        confirming.recert_confirm(
            only,
            actor=cast.officer,
            on=OPENED,
            exceptions={case.pk: confirming.Override(Outcome.QUALIFIES, "  ")},
        )
    assert caught.value.code == "exception_note"
    with pytest.raises(DomainError) as caught:
        confirming.recert_confirm(
            only,
            actor=cast.officer,
            on=OPENED,
            exceptions={
                case.pk: confirming.Override(Outcome.TIERED, "收入证明有误", Decimal("1.7"))
            },
        )
    assert caught.value.code == "multiple"
    case.refresh_from_db()
    assert case.status != RecertStatus.CONFIRMED
    result = confirming.recert_confirm(
        only,
        actor=cast.officer,
        on=OPENED,
        exceptions={case.pk: confirming.Override(Outcome.QUALIFIES, "配偶已于2月失业，有证明")},
    )
    assert (result.confirmed, result.rent_changes) == (1, 0)
    case.refresh_from_db()
    assert (case.outcome, case.confirmed_outcome) == (Outcome.TIERED, Outcome.QUALIFIES)
    assert case.exception_note == "配偶已于2月失业，有证明"
    entry = households["R-2"].timeline.get(verb="recert.exception")
    assert entry.data["note"] == "配偶已于2月失业，有证明"


def test_a_household_that_qualifies_again_returns_to_normal_rent(cast, district):
    campaign, households = district
    recert.outcomes_compute(campaign)
    confirming.recert_confirm(
        RecertCase.objects.filter(household=households["R-2"]), actor=cast.officer, on=OPENED
    )
    lease = households["R-2"].leases.get()
    lease.refresh_from_db()
    assert lease.rent_multiplier == Decimal("1.50")
    with time_machine.travel(D(2027, 3, 1), tick=False):
        campaign_2027 = recert.campaign_open(
            actor=cast.officer, year=2027, name="2027年度资格复核", estates=[cast.e1]
        )
    case = case_of(campaign_2027, households["R-2"])
    declare(case, cast.community, [3000, 0])
    recert.recert_compute(case)
    confirming.recert_confirm(
        RecertCase.objects.filter(pk=case.pk), actor=cast.officer, on=D(2027, 3, 5)
    )
    lease.refresh_from_db()
    assert (lease.rent_multiplier, lease.monthly_rent) == (Decimal("1.00"), Decimal("455.00"))
    assert lease.rents.order_by("-effective_from").first().effective_from == D(2027, 4, 1)


def test_a_case_whose_month_is_billed_is_left_unconfirmed_and_named(cast, district):
    campaign, households = district
    recert.outcomes_compute(campaign)
    bill_run(D(2026, 4, 1), actor=None)
    result = confirming.recert_confirm(
        RecertCase.objects.filter(household__in=[households["R-1"], households["R-2"]]),
        actor=cast.officer,
        effective_from=D(2026, 4, 15),
        on=OPENED,
    )
    assert result.confirmed == 1
    assert [number for number, _why in result.skipped] == ["R-2"]
    assert case_of(campaign, households["R-2"]).status != RecertStatus.CONFIRMED


# --- Reminders and the deadline -------------------------------------------------------


def test_reminders_then_no_declaration_and_a_visit_and_twice_is_once(cast):
    campaign = open_campaign(cast)
    alice, charlie = (
        case_of(campaign, cast.alice_household),
        case_of(campaign, cast.charlie_household),
    )
    declare(charlie, cast.officer, [1500])

    def night(day):
        for _ in range(2):  # the task run twice the same night changes nothing
            recert.recert_nightly(day)

    night(D(2026, 3, 24))  # eight days before: nothing yet
    assert not Message.objects.filter(template__startswith="recert.re").exists()
    night(D(2026, 3, 25))  # seven days before
    night(D(2026, 3, 26))
    assert list(
        Message.objects.filter(template="recert.reminder").values_list("key", flat=True)
    ) == [f"recert:{alice.pk}:reminder:1"]
    night(DEADLINE)
    last = Message.objects.get(template="recert.last_day")
    assert last.key == f"recert:{alice.pk}:reminder:2" and "2026-04-01" in last.body
    assert (
        Message.objects.filter(
            household=cast.charlie_household, template__startswith="recert.r"
        ).count()
        == 0
    )
    alice.refresh_from_db()
    assert alice.reminders == 2 and alice.outcome == ""
    night(D(2026, 4, 2))
    alice.refresh_from_db()
    assert (alice.status, alice.outcome) == (RecertStatus.AWAITING, Outcome.NO_DECLARATION)
    task = Task.objects.get()
    assert task.key == f"recert:{alice.pk}:visit"
    assert (task.household, task.organisation) == (cast.alice_household, cast.community_a)
    assert cast.alice_household.timeline.filter(verb="recert.lapsed").count() == 1
    assert RecertCase.objects.get(pk=charlie.pk).outcome == ""  # declared: not lapsed


def test_no_declaration_confirmed_stays_a_follow_up_unless_set_to_must_exit(cast):
    campaign = open_campaign(cast)
    recert.recert_nightly(D(2026, 4, 2))
    result = confirming.recert_confirm(
        RecertCase.objects.filter(household=cast.alice_household),
        actor=cast.officer,
        on=D(2026, 4, 2),
    )
    assert (result.confirmed, result.listed) == (1, 0)
    assert not VacateListing.objects.exists()
    charlie = case_of(campaign, cast.charlie_household)
    result = confirming.recert_confirm(
        RecertCase.objects.filter(pk=charlie.pk),
        actor=cast.officer,
        on=D(2026, 4, 2),
        exceptions={
            charlie.pk: confirming.Override(Outcome.MUST_EXIT, "三次入户无人，邻居称已搬走")
        },
    )
    assert result.listed == 1
    listing = VacateListing.objects.get(household=cast.charlie_household)
    assert "三次入户无人，邻居称已搬走" in listing.facts.values()
