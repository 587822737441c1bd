"""The household archive (一户一档) through its pages: members, units occupied,
documents, the paper file and its loans, each step on the timeline; and the unit status
moves and rent standards that the archive's story depends on."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.messages import ERROR, SUCCESS, get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from anju.core import services as core_services
from anju.core.models import AuditEntry, TimelineEntry
from anju.core.roles import Role
from anju.households.models import ArchiveDocument, PaperFile, PaperFileLoan
from anju.housing.models import RentStandard, UnitStatus
from anju.housing.services import rent_standard_in_force

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def levels(response) -> set[int]:
    return {m.level for m in get_messages(response.wsgi_request)}


def succeeded(response) -> bool:
    return (
        response.status_code == 302
        and SUCCESS in levels(response)
        and (ERROR not in levels(response))
    )


def refused(response) -> bool:
    return response.status_code == 302 and ERROR in levels(response)


def archive_url(household):
    return reverse("household_detail", args=[household.pk])


def upload(client, household, name="income.pdf", content=PDF, **fields):
    data = {
        "doc_type": "income",
        "title": "收入证明 2025",
        "file": SimpleUploadedFile(name, content, "application/pdf"),
        **fields,
    }
    return client.post(reverse("document_add", args=[household.pk]), data)


def body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


@pytest.fixture
def e2_worker(cast):
    """A community worker of community B: Charlie's side, out of scope for Alice."""
    user = core_services.user_create(
        actor=cast.users["secadmin"],
        username="community-b",
        full_name="太行社区工作者",
        organisation=cast.community_b,
        roles=[Role.COMMUNITY_WORKER],
        password="Taihang-side-2026!",
    )
    client = Client()
    client.force_login(user)
    return client


# --- The page ---------------------------------------------------------------------


def test_the_archive_shows_members_units_occupied_and_the_timeline(cast, client_for):
    response = client_for("officer").get(archive_url(cast.alice_household))
    assert response.status_code == 200
    text = response.content.decode()
    for expected in (
        "HH-A",
        "王小明",
        "王乐乐",
        "140402********1243",
        "140402********0024",
        "138****0000",
        "L-HH-A",
        "E1-01-0101",
        "康居苑",
        "¥455.00",
    ):
        assert expected in text, expected
    verbs = [e.verb for e in response.context["timeline"]]
    assert {"household.created", "member.added", "lease.started"} <= set(verbs)
    assert "张查理" not in text and "HH-C" not in text


def test_the_archive_lists_a_member_who_left_after_the_current_ones(cast, client_for):
    from anju.households import services as hh

    child = cast.alice_household.members.get(name="王乐乐")
    hh.member_leave(child, actor=cast.users["officer"], on=date(2025, 6, 30))
    response = client_for("officer").get(archive_url(cast.alice_household))
    members = response.context["members"]
    assert [m.name for m in members] == ["王小明", "王乐乐"]
    assert "2025-06-30" in response.content.decode()


# --- Documents ----------------------------------------------------------------------


def test_an_uploaded_pdf_is_archived_audited_and_on_the_timeline(cast, client_for):
    officer = client_for("officer")
    response = upload(officer, cast.alice_household)
    assert succeeded(response)
    assert response["Location"] == archive_url(cast.alice_household)
    document = ArchiveDocument.objects.get(household=cast.alice_household)
    assert document.title == "收入证明 2025"
    assert document.doc_type == "income"
    assert document.uploaded_by == cast.users["officer"]
    assert AuditEntry.objects.filter(action="document.add", target_id=str(document.pk)).exists()
    assert TimelineEntry.objects.filter(
        household=cast.alice_household, verb="document.added", data__title=document.title
    ).exists()
    page = officer.get(archive_url(cast.alice_household)).content.decode()
    assert "收入证明 2025" in page
    assert reverse("document_download", args=[cast.alice_household.pk, document.pk]) in page


def test_a_document_downloads_in_scope_and_is_not_found_outside(cast, client_for, e2_worker):
    upload(client_for("officer"), cast.alice_household)
    document = ArchiveDocument.objects.get(household=cast.alice_household)
    url = reverse("document_download", args=[cast.alice_household.pk, document.pk])
    for role in ("officer", "community", "street", "auditor"):
        response = client_for(role).get(url)
        assert response.status_code == 200, role
        assert body(response) == PDF
    assert client_for("repairer").get(url).status_code == 403  # in scope, no permission
    assert e2_worker.get(url).status_code == 404
    for outsider in ("charlie", "alice", "agency"):
        assert client_for(outsider).get(url).status_code == 404, outsider
    # The E2-side worker does see Charlie's archive: the 404 above is scoping.
    assert e2_worker.get(archive_url(cast.charlie_household)).status_code == 200


def test_a_document_cannot_be_fetched_through_another_households_url(cast, client_for):
    upload(client_for("officer"), cast.alice_household)
    document = ArchiveDocument.objects.get(household=cast.alice_household)
    url = reverse("document_download", args=[cast.charlie_household.pk, document.pk])
    assert client_for("officer").get(url).status_code == 404


def test_a_file_that_is_not_a_document_is_refused_and_nothing_is_written(cast, client_for):
    response = upload(client_for("officer"), cast.alice_household, name="tool.exe")
    assert refused(response)
    assert not ArchiveDocument.objects.exists()
    assert not AuditEntry.objects.filter(action="document.add").exists()


def test_a_document_without_a_title_is_refused(cast, client_for):
    response = upload(client_for("community"), cast.alice_household, title="   ")
    assert refused(response)
    assert not ArchiveDocument.objects.exists()


# --- The paper file -----------------------------------------------------------------


def place(client, household, room="档案室 101", cabinet="A", box="3"):
    return client.post(
        reverse("paper_file_place", args=[household.pk]),
        {"room": room, "cabinet": cabinet, "box": box},
    )


def lend(client, household, borrower="李审核"):
    return client.post(
        reverse("paper_file_lend", args=[household.pk]),
        {"borrower": borrower, "purpose": "年审", "due_on": "2026-02-01"},
    )


def give_back(client, household, loan):
    return client.post(reverse("paper_file_return", args=[household.pk, loan.pk]))


def timeline_verbs(household) -> list[str]:
    return list(
        TimelineEntry.objects.filter(household=household, verb__startswith="paper.")
        .order_by("id")
        .values_list("verb", flat=True)
    )


def test_the_paper_file_is_placed_lent_and_returned_with_each_step_recorded(cast, client_for):
    client = client_for("community")
    household = cast.alice_household

    assert succeeded(place(client, household))
    paper = PaperFile.objects.get(household=household)
    assert (paper.room, paper.cabinet, paper.box) == ("档案室 101", "A", "3")
    page = client.get(archive_url(household))
    assert 'data-testid="paper-location"' in page.content.decode()

    assert succeeded(lend(client, household))
    loan = PaperFileLoan.objects.get(paper_file=paper)
    assert loan.borrower == "李审核" and loan.returned_at is None
    assert loan.lent_by == cast.users["community"]
    assert client.get(archive_url(household)).context["open_loan"] == loan

    assert succeeded(give_back(client, household, loan))
    loan.refresh_from_db()
    assert loan.returned_at is not None
    assert client.get(archive_url(household)).context["open_loan"] is None

    assert timeline_verbs(household) == ["paper.moved", "paper.borrowed", "paper.returned"]
    actions = AuditEntry.objects.filter(action__startswith="paper.").order_by("id")
    assert list(actions.values_list("action", flat=True)) == [
        "paper.place",
        "paper.lend",
        "paper.return",
    ]


def test_a_paper_file_already_lent_cannot_be_lent_again(cast, client_for):
    client = client_for("officer")
    place(client, cast.alice_household)
    lend(client, cast.alice_household)
    assert refused(lend(client, cast.alice_household, borrower="王科长"))
    assert PaperFileLoan.objects.count() == 1
    assert timeline_verbs(cast.alice_household) == ["paper.moved", "paper.borrowed"]


def test_a_returned_loan_cannot_be_returned_twice(cast, client_for):
    client = client_for("officer")
    place(client, cast.alice_household)
    lend(client, cast.alice_household)
    loan = PaperFileLoan.objects.get()
    give_back(client, cast.alice_household, loan)
    returned_at = PaperFileLoan.objects.get().returned_at
    assert refused(give_back(client, cast.alice_household, loan))
    assert PaperFileLoan.objects.get().returned_at == returned_at
    assert timeline_verbs(cast.alice_household).count("paper.returned") == 1


def test_lending_before_the_file_is_placed_is_refused(cast, client_for):
    response = lend(client_for("officer"), cast.alice_household)
    assert refused(response)
    assert not PaperFile.objects.exists()
    assert not PaperFileLoan.objects.exists()


def test_moving_the_paper_file_records_the_old_and_new_place(cast, client_for):
    client = client_for("officer")
    place(client, cast.alice_household)
    assert succeeded(place(client, cast.alice_household, room="档案室 202", box="9"))
    assert PaperFile.objects.count() == 1
    entry = AuditEntry.objects.filter(action="paper.place").latest("id")
    assert entry.changes == {"room": ["档案室 101", "档案室 202"], "box": ["3", "9"]}
    assert timeline_verbs(cast.alice_household) == ["paper.moved", "paper.moved"]


def test_a_place_without_a_box_is_refused(cast, client_for):
    response = place(client_for("officer"), cast.alice_household, box="")
    assert refused(response)
    assert not PaperFile.objects.exists()


def test_a_loan_of_another_household_is_not_found(cast, client_for):
    client = client_for("officer")
    place(client, cast.alice_household)
    lend(client, cast.alice_household)
    loan = PaperFileLoan.objects.get()
    response = give_back(client, cast.charlie_household, loan)
    assert response.status_code == 404
    assert PaperFileLoan.objects.get().returned_at is None


# --- Unit status ----------------------------------------------------------------------


def set_status(client, unit, status, reason="检修"):
    return client.post(
        reverse("unit_set_status", args=[unit.pk]), {"status": status, "reason": reason}
    )


def test_an_allowed_status_move_is_saved_audited_and_on_the_timeline(cast, client_for):
    unit = cast.vacant_e1
    response = set_status(client_for("operator"), unit, UnitStatus.UNDER_REPAIR, "漏水维修")
    assert succeeded(response)
    assert response["Location"] == reverse("unit_detail", args=[unit.pk])
    unit.refresh_from_db()
    assert unit.status == UnitStatus.UNDER_REPAIR
    entry = AuditEntry.objects.filter(action="unit.status", target_id=str(unit.pk)).get()
    assert entry.changes == {"status": ["vacant", "under_repair"], "reason": "漏水维修"}
    assert entry.actor == cast.users["operator"]
    step = TimelineEntry.objects.get(unit=unit, verb="unit.status")
    assert (step.data["old"], step.data["new"], step.data["reason"]) == (
        "vacant",
        "under_repair",
        "漏水维修",
    )
    page = client_for("operator").get(reverse("unit_detail", args=[unit.pk]))
    assert "漏水维修" in page.content.decode()


def test_occupied_and_vacating_are_not_set_by_hand(cast, client_for):
    unit = cast.unit_a
    response = set_status(client_for("officer"), unit, UnitStatus.VACATING, "退租")
    assert refused(response)
    unit.refresh_from_db()
    assert unit.status == UnitStatus.OCCUPIED
    vacant = cast.vacant_e1
    assert refused(set_status(client_for("officer"), vacant, UnitStatus.OCCUPIED, "入住"))


def test_ending_a_lease_moves_the_unit_on_the_households_archive(cast):
    from anju.households import services as hh

    lease = cast.alice_household.leases.get()
    hh.lease_end(lease, actor=cast.users["officer"], on=date(2026, 12, 31))
    assert TimelineEntry.objects.filter(
        household=cast.alice_household,
        unit=cast.unit_a,
        verb="unit.status",
        data__new="vacating",
    ).exists()


def test_starting_a_lease_moves_the_unit_on_the_households_archive(cast):
    assert TimelineEntry.objects.filter(
        household=cast.alice_household,
        unit=cast.unit_a,
        verb="unit.status",
        data__new="occupied",
    ).exists()


def test_a_forbidden_move_gives_an_error_and_changes_nothing(cast, client_for):
    unit = cast.unit_a
    audits, steps = AuditEntry.objects.count(), TimelineEntry.objects.count()
    response = set_status(client_for("officer"), unit, UnitStatus.VACANT, "直接腾空")
    assert refused(response)
    unit.refresh_from_db()
    assert unit.status == UnitStatus.OCCUPIED
    assert AuditEntry.objects.count() == audits
    assert TimelineEntry.objects.count() == steps


def test_a_move_without_a_reason_is_refused(cast, client_for):
    unit = cast.vacant_e1
    response = set_status(client_for("officer"), unit, UnitStatus.RESERVED, reason="")
    assert refused(response)
    unit.refresh_from_db()
    assert unit.status == UnitStatus.VACANT


def test_an_unknown_status_is_refused(cast, client_for):
    unit = cast.vacant_e1
    response = set_status(client_for("officer"), unit, "demolished")
    assert refused(response)
    unit.refresh_from_db()
    assert unit.status == UnitStatus.VACANT


# --- Rent standards -------------------------------------------------------------------


def add_rent(client, estate, price="12.00", effective_from="2026-01-01", source="〔2025〕9号"):
    return client.post(
        reverse("rent_standard_add", args=[estate.pk]),
        {"price_per_m2": price, "effective_from": effective_from, "source": source},
    )


def test_a_new_rent_standard_keeps_the_old_one_as_history(cast, client_for):
    estate = cast.e1
    response = add_rent(client_for("officer"), estate)
    assert succeeded(response)
    standards = list(
        RentStandard.objects.filter(estate=estate).values_list("price_per_m2", "effective_from")
    )
    assert standards == [
        (Decimal("12.00"), date(2026, 1, 1)),
        (Decimal("10.00"), date(2024, 1, 1)),
    ]
    assert rent_standard_in_force(estate, date(2025, 12, 31)).price_per_m2 == Decimal("10.00")
    assert rent_standard_in_force(estate, date(2026, 1, 1)).price_per_m2 == Decimal("12.00")
    assert rent_standard_in_force(estate, date(2023, 12, 31)) is None
    entry = AuditEntry.objects.filter(action="rent_standard.add").latest("id")
    assert entry.changes["price_per_m2"] == "12.00"
    assert entry.changes["source"] == "〔2025〕9号"
    page = client_for("officer").get(reverse("estate_detail", args=[estate.pk]))
    assert list(page.context["rent_standards"].values_list("price_per_m2", flat=True)) == [
        Decimal("12.00"),
        Decimal("10.00"),
    ]


def test_a_second_standard_from_the_same_date_is_refused(cast, client_for):
    response = add_rent(client_for("officer"), cast.e1, effective_from="2024-01-01")
    assert refused(response)
    assert RentStandard.objects.filter(estate=cast.e1).count() == 1


@pytest.mark.parametrize(
    ("price", "source"), [("0", "〔2025〕9号"), ("-3.00", "〔2025〕9号"), ("12.00", "")]
)
def test_a_rent_standard_without_a_price_or_a_source_is_refused(cast, client_for, price, source):
    response = add_rent(client_for("operator"), cast.e1, price=price, source=source)
    assert refused(response)
    assert RentStandard.objects.filter(estate=cast.e1).count() == 1


def test_a_rent_standard_changes_only_its_own_estate(cast, client_for):
    add_rent(client_for("officer"), cast.e1)
    assert RentStandard.objects.filter(estate=cast.e2).count() == 1
    assert rent_standard_in_force(cast.e2, date(2026, 6, 1)).price_per_m2 == Decimal("10.00")
