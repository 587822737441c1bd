"""Lease amendments: each kind is applied on approval through the services that own the
data; a rejection changes nothing; a rent-tier change moves the rent from its date; a
pending request is not asked for twice; and an approval that breaks a rule writes
nothing."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from stdnum.cn import ric

from anju.core.errors import DomainError
from anju.core.models import AuditEntry, Message, TimelineEntry
from anju.households import services as hh
from anju.households.models import ArchiveDocument, LeaseRent, Member, Relation, RentReason
from anju.tenancy.models import AmendmentKind, AmendmentStatus, Bill, LeaseAmendment
from anju.tenancy.services.amendments import (
    amendment_decide,
    amendment_request,
    lease_terms_update,
)
from anju.tenancy.services.billing import bill_run

pytestmark = pytest.mark.django_db

D = datetime.date
JUNE = D(2025, 6, 1)


def an_id(seq: int, born: str = "20100505") -> str:
    body = f"140402{born}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def alice_lease(cast):
    return cast.alice_household.leases.get()


def ask(cast, kind, values, *, on=JUNE, lease=None, **kwargs):
    return amendment_request(
        lease or alice_lease(cast),
        actor=cast.users["operator"],
        kind=kind,
        reason=kwargs.pop("reason", "户籍证明已核"),
        effective_from=on,
        values=values,
        **kwargs,
    )


def approve(cast, amendment, note=""):
    return amendment_decide(amendment, actor=cast.users["officer"], approve=True, note=note)


def test_a_member_joins_from_the_date_once_approved(cast):
    household = cast.alice_household
    amendment = ask(
        cast,
        AmendmentKind.MEMBER_JOINS,
        {
            "name": "王小红",
            "id_number": an_id(11),
            "relation": Relation.CHILD,
            "phone": "",
            "monthly_income": Decimal("0"),
        },
        document_file=SimpleUploadedFile("hukou.pdf", b"%PDF-1.4 hukou", "application/pdf"),
    )
    assert amendment.status == AmendmentStatus.PENDING
    # Nothing changes until the authority approves; the ID number waits encrypted.
    assert not Member.objects.filter(household=household, name="王小红").exists()
    assert an_id(11) not in str(amendment.details)
    assert amendment.details["id_number_masked"].startswith("140402")
    assert amendment.document.household_id == household.pk
    assert ArchiveDocument.objects.filter(household=household, doc_type="hukou").exists()

    approve(cast, amendment, note="同意")
    member = Member.objects.get(household=household, name="王小红")
    assert member.relation == Relation.CHILD
    assert member.joined_at == D(2025, 6, 1)
    assert member.reveal_id_number() == an_id(11)
    amendment.refresh_from_db()
    assert (amendment.status, amendment.decided_by) == ("approved", cast.users["officer"])
    assert AuditEntry.objects.filter(action="amendment.approve").count() == 1
    assert AuditEntry.objects.filter(action="member.add", target_label="王小红").exists()
    assert TimelineEntry.objects.filter(household=household, verb="amendment.approved").exists()
    assert Message.objects.get(household=household, template="amendment.approved")


def test_a_member_leaves_on_the_date_given(cast):
    child = cast.alice_household.members.get(relation=Relation.CHILD)
    amendment = ask(cast, AmendmentKind.MEMBER_LEAVES, {"member": child.pk}, on=D(2025, 7, 15))
    approve(cast, amendment)
    child.refresh_from_db()
    assert child.left_at == D(2025, 7, 15)


def test_the_head_changes_after_a_death_and_the_old_head_leaves(cast):
    household = cast.alice_household
    old_head = household.head
    child = household.members.get(relation=Relation.CHILD)
    amendment = ask(
        cast,
        AmendmentKind.HEAD_CHANGES,
        {"member": child.pk, "cause": "death"},
        on=D(2025, 8, 3),
        reason="承租人去世，死亡证明已核",
    )
    assert amendment.details["old_head_name"] == "王小明"
    approve(cast, amendment)
    household.refresh_from_db()
    old_head.refresh_from_db()
    assert household.head_id == child.pk
    assert Member.objects.get(pk=child.pk).relation == Relation.HEAD
    assert old_head.left_at == D(2025, 8, 3)
    assert old_head.relation == Relation.OTHER


def _lease_with_terms(cast):
    """A household housed with full rent terms: 45.50 m² × ¥10 × 1.00 = ¥455."""
    officer = cast.users["officer"]
    household = hh.household_create(
        actor=officer, number="HH-T", category="low_income", community=cast.community_a
    )
    hh.member_add(
        household, actor=officer, name="赵大", id_number=an_id(21, "19800101"), relation="head"
    )
    return hh.lease_start(
        household,
        actor=officer,
        unit=cast.vacant_e1,
        number="L-HH-T",
        start=D(2025, 1, 1),
        end=D(2028, 1, 1),
        monthly_rent=Decimal("455.00"),
        terms={
            "area_m2": Decimal("45.50"),
            "price_per_m2": Decimal("10.00"),
            "relief_tier": Decimal("1.00"),
        },
    )


def test_a_rent_tier_change_moves_the_rent_from_its_date(cast):
    lease = _lease_with_terms(cast)
    bill_run(D(2025, 5, 1), actor=None)
    amendment = ask(
        cast,
        AmendmentKind.RENT_TIER,
        {"rent_multiplier": Decimal("1.50")},
        lease=lease,
        on=D(2025, 6, 1),
        reason="超标家庭：收入为限额的2.4倍",
    )
    assert amendment.details["old"] == {"rent_multiplier": "1.00"}
    lease.refresh_from_db()
    assert lease.monthly_rent == Decimal("455.00")  # not before approval

    approve(cast, amendment)
    lease.refresh_from_db()
    assert lease.rent_multiplier == Decimal("1.50")
    assert lease.monthly_rent == Decimal("682.50")
    rows = list(lease.rents.order_by("effective_from"))
    assert [(r.effective_from, r.effective_until, r.monthly_rent) for r in rows] == [
        (D(2025, 1, 1), D(2025, 5, 31), Decimal("455.00")),
        (D(2025, 6, 1), None, Decimal("682.50")),
    ]
    assert rows[1].reason == RentReason.TIER
    assert rows[1].note == "超标家庭：收入为限额的2.4倍"
    bill_run(D(2025, 6, 1), actor=None)
    amounts = dict(Bill.objects.filter(lease=lease).values_list("period", "amount"))
    assert amounts == {D(2025, 5, 1): Decimal("455.00"), D(2025, 6, 1): Decimal("682.50")}


def test_a_relief_tier_change_recomputes_the_rent(cast):
    lease = _lease_with_terms(cast)
    amendment = ask(cast, AmendmentKind.RENT_TIER, {"relief_tier": Decimal("0.60")}, lease=lease)
    approve(cast, amendment)
    lease.refresh_from_db()
    assert lease.monthly_rent == Decimal("273.00")


def test_a_multiplier_scales_the_rent_of_a_lease_imported_without_terms(cast):
    lease = alice_lease(cast)  # ¥455, no area or standard on record
    approve(cast, ask(cast, AmendmentKind.RENT_TIER, {"rent_multiplier": Decimal("1.50")}))
    lease.refresh_from_db()
    assert (lease.rent_multiplier, lease.monthly_rent) == (Decimal("1.50"), Decimal("682.50"))
    approve(
        cast,
        ask(cast, AmendmentKind.RENT_TIER, {"rent_multiplier": Decimal("1.00")}, on=D(2025, 9, 1)),
    )
    lease.refresh_from_db()
    assert lease.monthly_rent == Decimal("455.00")


def test_a_rejected_amendment_changes_nothing(cast):
    household = cast.alice_household
    members_before = list(household.members.values_list("pk", "left_at", "relation"))
    amendment = ask(
        cast,
        AmendmentKind.MEMBER_JOINS,
        {"name": "李四", "id_number": an_id(31), "relation": Relation.OTHER},
    )
    with pytest.raises(DomainError) as caught:
        amendment_decide(amendment, actor=cast.users["officer"], approve=False, note="")
    assert caught.value.code == "note_required"
    amendment_decide(
        amendment, actor=cast.users["officer"], approve=False, note="非直系亲属，不符合共同居住条件"
    )
    amendment.refresh_from_db()
    assert amendment.status == AmendmentStatus.REJECTED
    assert list(household.members.values_list("pk", "left_at", "relation")) == members_before
    assert Message.objects.get(household=household, template="amendment.rejected")
    with pytest.raises(DomainError) as caught:
        approve(cast, amendment)
    assert caught.value.code == "already_decided"


def test_a_pending_request_for_the_same_member_is_refused(cast):
    child = cast.alice_household.members.get(relation=Relation.CHILD)
    first = ask(cast, AmendmentKind.MEMBER_LEAVES, {"member": child.pk})
    with pytest.raises(DomainError) as caught:
        ask(cast, AmendmentKind.MEMBER_LEAVES, {"member": child.pk}, on=D(2025, 9, 1))
    assert caught.value.code == "duplicate_pending"
    # The same person joining twice is the same request too.
    values = {"name": "王小红", "id_number": an_id(41), "relation": Relation.CHILD}
    ask(cast, AmendmentKind.MEMBER_JOINS, values)
    with pytest.raises(DomainError) as caught:
        ask(cast, AmendmentKind.MEMBER_JOINS, values)
    assert caught.value.code == "duplicate_pending"
    # Once decided, it may be asked again.
    amendment_decide(first, actor=cast.users["officer"], approve=False, note="材料不全")
    ask(cast, AmendmentKind.MEMBER_LEAVES, {"member": child.pk})
    assert LeaseAmendment.objects.filter(kind=AmendmentKind.MEMBER_LEAVES).count() == 2


def test_bad_requests_are_refused_with_their_reason(cast):
    head = cast.alice_household.head
    cases = [
        (AmendmentKind.MEMBER_LEAVES, {"member": head.pk}, "head_cannot_leave"),
        (AmendmentKind.MEMBER_LEAVES, {"member": cast.charlie_household.head_id}, None),
        (
            AmendmentKind.MEMBER_JOINS,
            {"name": "张三", "id_number": "140402201001010000", "relation": "child"},
            "id_number_checksum",
        ),
        # Charlie is a current member of another household.
        (
            AmendmentKind.MEMBER_JOINS,
            {"name": "张查理", "id_number": "140404198507070011", "relation": "other"},
            "person_in_other_household",
        ),
        (AmendmentKind.HEAD_CHANGES, {"member": head.pk, "cause": "death"}, "already_head"),
        (AmendmentKind.RENT_TIER, {"rent_multiplier": Decimal("1.00")}, "nothing_changes"),
        (AmendmentKind.RENT_TIER, {"relief_tier": Decimal("0.50")}, "no_terms"),
    ]
    for kind, values, code in cases:
        with pytest.raises(DomainError) as caught:
            ask(cast, kind, values)
        assert code is None or caught.value.code == code, (kind, values, caught.value.code)
    with pytest.raises(DomainError) as caught:
        ask(cast, AmendmentKind.RENT_TIER, {"rent_multiplier": "2"}, on=D(2030, 1, 1))
    assert caught.value.code == "outside_lease"
    assert not LeaseAmendment.objects.exists()


def test_an_approval_that_breaks_a_rule_writes_nothing(cast):
    lease = _lease_with_terms(cast)
    amendment = ask(
        cast, AmendmentKind.RENT_TIER, {"rent_multiplier": Decimal("2.00")}, lease=lease
    )
    bill_run(D(2025, 6, 1), actor=None)  # June is billed before the decision
    with pytest.raises(DomainError) as caught:
        approve(cast, amendment)
    assert caught.value.code == "month_billed"
    amendment.refresh_from_db()
    lease.refresh_from_db()
    assert amendment.status == AmendmentStatus.PENDING
    assert lease.monthly_rent == Decimal("455.00")
    assert LeaseRent.objects.filter(lease=lease).count() == 1
    assert not AuditEntry.objects.filter(action="amendment.approve").exists()


def test_the_billing_day_and_deposit_are_edited_with_an_audit_entry(cast):
    lease = alice_lease(cast)
    lease_terms_update(lease, actor=cast.users["operator"], billing_day=10, deposit="910.00")
    lease.refresh_from_db()
    assert (lease.billing_day, lease.deposit) == (10, Decimal("910.00"))
    entry = AuditEntry.objects.get(action="lease.terms")
    assert entry.changes == {"billing_day": [1, 10], "deposit": ["0.00", "910.00"]}
    for day in (0, 29):
        with pytest.raises(DomainError):
            lease_terms_update(lease, actor=cast.users["operator"], billing_day=day, deposit=0)
