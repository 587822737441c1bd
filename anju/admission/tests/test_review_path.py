"""An application from draft through the three review levels, with returns,
rejections, false declarations and the flags that must be decided first."""

from datetime import date

import pytest

from anju.admission.models import ApplicationStatus, Decision, FlagKind, FlagStatus, Outcome
from anju.admission.services import applications as apps
from anju.admission.services.flags import application_flags_check, flag_resolve
from anju.admission.services.review import review_decide
from anju.core.errors import DomainError
from anju.households.conduct import conduct_record
from anju.households.models import BadConductRecord, HouseholdStatus
from anju.testing.admission import APPLICANT_IDS, approve, make_application, make_ruleset
from anju.testing.cast import IDS

pytestmark = pytest.mark.django_db


def test_an_incomplete_application_names_every_missing_item(cast):
    make_ruleset(cast.officer)
    application = apps.application_create(
        actor=cast.community, community=cast.community_a, category="low_income", channel="counter"
    )
    missing = apps.application_missing(application)
    assert len(missing) == 7  # applicant, housing, address, three documents, consent
    with pytest.raises(DomainError) as error:
        apps.application_submit(application, actor=cast.community)
    assert error.value.code == "incomplete"
    assert application.status == ApplicationStatus.DRAFT


def test_submission_runs_the_precheck_and_sets_the_first_deadline(cast):
    application = make_application(cast)
    assert application.status == ApplicationStatus.COMMUNITY_REVIEW
    assert application.due_on is not None
    income = application.criteria.get(code="income")
    assert (income.outcome, income.actual, income.limit) == (Outcome.MET, "1,400", "1,600")
    assert application.precheck_met is True


def test_three_levels_approve_in_turn_and_the_members_join_the_household(cast):
    application = approve(make_application(cast), cast)
    assert application.status == ApplicationStatus.APPROVED
    assert [r.level for r in application.reviews.all()] == ["community", "street", "authority"]
    household = application.household
    assert household.head.name == "申请人"
    assert household.status == HouseholdStatus.APPLICANT
    verbs = list(household.timeline.values_list("verb", flat=True))
    assert verbs.count("review.approved") == 3


def test_a_level_cannot_act_out_of_turn(cast):
    application = make_application(cast)
    with pytest.raises(DomainError) as error:
        review_decide(application, actor=cast.street, decision=Decision.APPROVE)
    assert error.value.code == "wrong_level"


def test_a_return_names_items_and_resubmission_goes_back_to_that_level(cast):
    application = approve(make_application(cast), cast, through=ApplicationStatus.STREET_REVIEW)
    with pytest.raises(DomainError):
        review_decide(application, actor=cast.street, decision=Decision.RETURN)
    review_decide(
        application, actor=cast.street, decision=Decision.RETURN, items=["income certificate"]
    )
    assert application.status == ApplicationStatus.RETURNED
    apps.application_update(application, actor=cast.community, vehicles=0)
    apps.application_submit(application, actor=cast.community)
    assert application.status == ApplicationStatus.STREET_REVIEW


def test_a_rejection_needs_a_reason_and_closes_the_archive(cast):
    application = make_application(cast)
    with pytest.raises(DomainError):
        review_decide(application, actor=cast.community, decision=Decision.REJECT)
    review_decide(application, actor=cast.community, decision=Decision.REJECT, reason="收入超标")
    application.household.refresh_from_db()
    assert application.status == ApplicationStatus.REJECTED
    assert application.household.closed_at is not None


def test_a_false_declaration_is_rejected_and_warned_in_the_archive(cast):
    application = make_application(cast)
    review_decide(
        application, actor=cast.community, decision=Decision.APPROVE, false_declaration=True
    )
    assert application.status == ApplicationStatus.REJECTED
    record = BadConductRecord.objects.get(household=application.household)
    assert record.reason == "false_declaration"


def test_a_second_application_of_the_same_person_is_flagged_and_blocks_approval(cast):
    first = make_application(cast)
    second = make_application(
        cast, members=(("申请人", APPLICANT_IDS[0], "head", "1400"),), actor=cast.officer
    )
    flag = second.flags.get()
    assert (flag.kind, flag.other_application) == (FlagKind.OTHER_APPLICATION, first)
    approve(second, cast, through=ApplicationStatus.AUTHORITY_REVIEW)
    with pytest.raises(DomainError) as error:
        review_decide(second, actor=cast.officer, decision=Decision.APPROVE)
    assert error.value.code == "open_flags"
    flag_resolve(flag, actor=cast.officer, status=FlagStatus.UPHELD, resolution="同一人重复申请")
    assert flag.resolved_by == cast.officer


def test_a_current_tenant_a_banned_person_and_a_likely_duplicate_are_flagged(cast):
    conduct_record(
        cast.charlie_household,
        actor=cast.officer,
        member=cast.charlie_household.head,
        reason="sublet",
        occurred_on=date(2025, 1, 1),
        banned_until=date(2030, 1, 1),
    )
    # Alice's head 王小明 was born 1990-01-01; a different ID number with the same name
    # and birth date is a likely duplicate.
    other_id = "14040319900101001X"
    application = make_application(
        cast,
        members=(("张查理", IDS["charlie"], "head", "1000"), ("王 小明", other_id, "spouse", "0")),
    )
    kinds = sorted(application.flags.values_list("kind", flat=True))
    assert kinds == ["banned", "current_household", "likely_duplicate"]
    assert application_flags_check(application) == []  # running again adds nothing
