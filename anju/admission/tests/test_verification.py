"""Verification with partner agencies (协查): batches per agency, answers on screen and
by file (CSV, XLSX, GB18030), per-row errors, idempotent re-uploads, mismatches in
words, the household path recertification will use, and who sees what."""

import csv
import io
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import translation

from anju.admission.models import (
    ApplicationStatus,
    BatchStatus,
    Purpose,
    Question,
    RequestStatus,
    VerificationBatch,
)
from anju.admission.services import verification as service
from anju.admission.verification_files import COLUMNS, read_answers
from anju.core.errors import DomainError
from anju.core.models import (
    AgencyFunction,
    AuditEntry,
    AuditKind,
    Organisation,
    OrgKind,
    TimelineEntry,
    User,
    UserRole,
)
from anju.core.roles import Role
from anju.core.timeline import render as timeline_text
from anju.testing.admission import APPLICANT_IDS, approve, make_application

pytestmark = pytest.mark.django_db

DOCS = Path(__file__).resolve().parents[3] / "docs"
EXAMPLES = DOCS / "examples" / "verification"


# --- Helpers ----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def english(settings):
    """Sentences are compared in English, on pages and in the services alike."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def add_agency(cast, code: str, function: str, name: str | None = None) -> Organisation:
    return Organisation.objects.create(
        code=code,
        name=name or f"{function} agency",
        kind=OrgKind.AGENCY,
        parent=cast.authority,
        agency_function=function,
    )


def agency_user(org: Organisation, username: str) -> User:
    user = User.objects.create(username=username, organisation=org)
    UserRole.objects.create(user=user, role=Role.PARTNER_AGENCY)
    return user


@pytest.fixture
def registry(cast):
    """The real-estate registry, with a user of its own."""
    org = add_agency(cast, "RE", AgencyFunction.REAL_ESTATE, "不动产登记中心")
    return org


def family(cast, *, ids=(0, 1), incomes=("1400", "900"), **declared):
    """A submitted application: an applicant and a spouse, unless told otherwise."""
    relations = ["head", "spouse", "child", "parent"]
    names = ["王建国", "李秀英", "王小虎", "张桂兰"]
    members = [
        (names[i], APPLICANT_IDS[n], relations[i], incomes[i] if i < len(incomes) else "0")
        for i, n in enumerate(ids)
    ]
    return make_application(cast, members=members, **declared)


def batch_of(batches, question) -> VerificationBatch:
    return next(b for b in batches if b.question == question)


def answer(batch, actor, *rows):
    """Answer requests of `batch` in order: each row is (found, value)."""
    requests = list(batch.requests.order_by("id"))
    for request, (found, value) in zip(requests, rows, strict=False):
        request.refresh_from_db()
        service.request_answer(request, actor=actor, found=found, value=value)
    return [r for r in batch.requests.order_by("id")]


def csv_bytes(rows, header=("ref", "found", "value", "detail"), encoding="utf-8-sig"):
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode(encoding)


def upload(client, batch, data: bytes, name="answers.csv"):
    """Upload a file and let its background job run (huey runs tasks at once in the
    tests; the job is queued when the upload's transaction commits)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(
            reverse("verification_batch_upload", args=[batch.pk]),
            {"file": SimpleUploadedFile(name, data)},
        )


def result_of(response) -> dict:
    assert response.status_code == 302, response
    match = re.search(r"/verification/uploads/(\d+)/", response["Location"])
    assert match, response["Location"]
    from anju.core.models import JobRun

    return JobRun.objects.get(pk=match.group(1)).result


# --- Batches --------------------------------------------------------------------------


def test_one_batch_per_agency_and_one_request_per_member(cast, registry):
    police = add_agency(cast, "PS", AgencyFunction.PUBLIC_SECURITY)
    Organisation.objects.filter(
        pk=add_agency(cast, "OLD", AgencyFunction.VEHICLE_REGISTRY).pk
    ).update(is_active=False)
    add_agency(cast, "NOFN", "")
    first = family(cast, vehicles=1)
    second = family(cast, ids=(2,), incomes=("1200",))
    batches = service.verification_batches_create(actor=cast.officer, applications=[first, second])
    assert {b.agency for b in batches} == {cast.agency, registry, police}
    refs = set()
    for batch in batches:
        assert batch.status == BatchStatus.DRAFT
        assert batch.question == service.AGENCY_QUESTIONS[batch.agency.agency_function]
        requests = list(batch.requests.all())
        assert len(requests) == 3
        refs |= {r.ref for r in requests}
        assert all(r.ref.startswith(batch.number + "-") for r in requests)
    assert len(refs) == 9
    head = batch_of(batches, Question.HUKOU).requests.get(name="王建国", application=first)
    spouse = batch_of(batches, Question.HUKOU).requests.get(name="李秀英")
    assert head.declared == {"residence_years": 5}
    assert spouse.declared == {}  # the years of residence are the applicant's
    prop = batch_of(batches, Question.PROPERTY).requests.filter(application=first).first()
    assert prop.declared == {"current_housing": "private_rent", "housing_area_m2": "0.00"}
    assert head.id_number_masked == "140402********0019"
    assert head.reveal_id_number() == APPLICANT_IDS[0]
    assert AuditEntry.objects.filter(action="verification.batch_create").count() == 3


def test_an_agency_is_not_asked_twice_about_an_application(cast, registry):
    application = family(cast)
    service.verification_batches_create(actor=cast.officer, applications=[application])
    with pytest.raises(DomainError) as error:
        service.verification_batches_create(actor=cast.officer, applications=[application])
    assert error.value.code == "nothing_to_send"
    # A new agency is asked about it; the others are not asked again.
    police = add_agency(cast, "PS", AgencyFunction.PUBLIC_SECURITY)
    again = service.verification_batches_create(actor=cast.officer, applications=[application])
    assert [b.agency for b in again] == [police]


def test_only_submitted_applications_with_consent_are_verified(cast, registry):
    draft = make_application(
        cast, submit=False, members=[("钱多", APPLICANT_IDS[5], "head", "800")]
    )
    with pytest.raises(DomainError) as error:
        service.verification_batches_create(actor=cast.officer, applications=[draft])
    assert error.value.code == "not_verifiable"
    approved = approve(family(cast), cast)
    with pytest.raises(DomainError):
        service.verification_batches_create(actor=cast.officer, applications=[approved])
    assert not VerificationBatch.objects.exists()


def test_without_an_agency_function_nothing_is_sent(cast):
    Organisation.objects.filter(pk=cast.agency.pk).update(agency_function="")
    with pytest.raises(DomainError) as error:
        service.verification_batches_create(actor=cast.officer, applications=[family(cast)])
    assert error.value.code == "no_agency"


def test_sending_a_batch_tells_the_familys_timeline(cast, registry):
    application = family(cast)
    batches = service.verification_batches_create(
        actor=cast.officer, applications=[application], send=True
    )
    assert {b.status for b in batches} == {BatchStatus.SENT}
    entries = application.household.timeline.filter(verb="verify.sent")
    assert entries.count() == 2  # one per agency, not one per member
    assert "不动产登记中心" in " ".join(timeline_text(e) for e in entries)
    with pytest.raises(DomainError) as error:
        service.batch_send(batches[0], actor=cast.officer)
    assert error.value.code == "already_sent"


# --- Mismatches ---------------------------------------------------------------------------


def sent_batch(cast, question, function, **declared):
    if function != AgencyFunction.CIVIL_AFFAIRS:
        Organisation.objects.filter(pk=cast.agency.pk).update(is_active=False)
        add_agency(cast, "X", function)
    application = family(cast, **declared)
    (batch,) = service.verification_batches_create(
        actor=cast.officer, applications=[application], send=True
    )
    assert batch.question == question
    return batch


@pytest.mark.parametrize(
    ("function", "question", "declared", "answers", "flags"),
    [
        # Housing found for a family that declared none of its own.
        (
            AgencyFunction.REAL_ESTATE,
            "property",
            {},
            [("yes", "48.6"), ("no", "")],
            ["property_undeclared", None],
        ),
        # Owned housing declared, but the members' registered area adds up to more.
        (
            AgencyFunction.REAL_ESTATE,
            "property",
            {"current_housing": "own", "housing_area_m2": Decimal("40")},
            [("yes", "30"), ("yes", "20")],
            ["property_area", "property_area"],
        ),
        (
            AgencyFunction.REAL_ESTATE,
            "property",
            {"current_housing": "own", "housing_area_m2": Decimal("50")},
            [("yes", "30"), ("yes", "20")],
            [None, None],
        ),
        # The provident fund's contribution base is the monthly income.
        (
            AgencyFunction.PROVIDENT_FUND,
            "provident_fund",
            {},
            [("yes", "3200"), ("yes", "900")],
            ["income", None],
        ),
        (
            AgencyFunction.MARKET_REGULATION,
            "business",
            {},
            [("yes", "建国小卖部"), ("no", "")],
            ["business", None],
        ),
        (
            AgencyFunction.MARKET_REGULATION,
            "business",
            {"owns_business": True},
            [("yes", "建国小卖部"), ("no", "")],
            [None, None],
        ),
        # One vehicle declared; the two members have one each.
        (
            AgencyFunction.VEHICLE_REGISTRY,
            "vehicle",
            {"vehicles": 1},
            [("yes", "1"), ("yes", "1")],
            ["vehicles", "vehicles"],
        ),
        (
            AgencyFunction.VEHICLE_REGISTRY,
            "vehicle",
            {"vehicles": 1},
            [("yes", "1"), ("no", "")],
            [None, None],
        ),
        # Five years of residence declared by the applicant.
        (
            AgencyFunction.PUBLIC_SECURITY,
            "hukou",
            {},
            [("yes", "3"), ("yes", "1")],
            ["hukou", None],
        ),
        (AgencyFunction.PUBLIC_SECURITY, "hukou", {}, [("no", ""), ("no", "")], ["hukou", None]),
        (
            AgencyFunction.SOCIAL_INSURANCE,
            "insurance",
            {},
            [("yes", "12"), ("no", "")],
            ["insurance", None],
        ),
        (
            AgencyFunction.SOCIAL_INSURANCE,
            "insurance",
            {},
            [("yes", "36"), ("no", "")],
            [None, None],
        ),
        # A low-income family unknown to civil affairs; a new employee on subsistence.
        (
            AgencyFunction.CIVIL_AFFAIRS,
            "subsistence",
            {},
            [("no", ""), ("yes", "低保")],
            ["subsistence_missing", None],
        ),
        (
            AgencyFunction.CIVIL_AFFAIRS,
            "subsistence",
            {"category": "new_employee"},
            [("yes", "低保"), ("no", "")],
            ["subsistence_unexpected", None],
        ),
    ],
)
def test_an_answer_that_contradicts_the_declaration_is_flagged(
    cast, function, question, declared, answers, flags
):
    batch = sent_batch(cast, question, function, **declared)
    requests = answer(batch, cast.users["agency"], *answers)
    got = [r.mismatch for r in requests]
    assert got == [flag is not None for flag in flags]
    for request, flag in zip(requests, flags, strict=True):
        assert bool(request.mismatch_reason) == (flag is not None)
    verbs = list(
        TimelineEntry.objects.filter(verb__startswith="verify.answer").values_list(
            "verb", flat=True
        )
    )
    for flag in filter(None, flags):
        assert f"verify.answer.x.{flag}" in verbs


def test_a_mismatch_reads_as_a_sentence_on_the_timeline(cast, registry):
    Organisation.objects.filter(pk=cast.agency.pk).update(is_active=False)
    application = family(cast)
    (batch,) = service.verification_batches_create(
        actor=cast.officer, applications=[application], send=True
    )
    head, spouse = answer(batch, cast.officer, ("yes", "48.6"), ("no", ""))
    assert head.mismatch_reason == (
        "owns 48.60 m² of registered housing, but the family declared “Renting privately”"
    )
    texts = [timeline_text(e) for e in application.household.timeline.all()]
    assert (
        "Verification answer from 不动产登记中心 about 王建国 differs from the declaration: "
        "owns 48.60 m² of registered housing, but the family declared “Renting privately”"
    ) in texts
    assert "Verification answer from 不动产登记中心 about 李秀英: no registered housing" in texts
    assert batch.requests.filter(status=RequestStatus.PENDING).count() == 0
    batch.refresh_from_db()
    assert batch.status == BatchStatus.ANSWERED


def test_a_corrected_answer_clears_the_flag_and_is_audited_as_a_change(cast, registry):
    Organisation.objects.filter(pk=cast.agency.pk).update(is_active=False)
    (batch,) = service.verification_batches_create(
        actor=cast.officer, applications=[family(cast)], send=True
    )
    head, _spouse = answer(batch, cast.officer, ("yes", "48.6"), ("no", ""))
    assert head.mismatch
    applied = service.request_answer(head, actor=cast.officer, found="no")
    assert (applied.answered, applied.changed) == (0, 1)
    head.refresh_from_db()
    assert (head.found, head.mismatch, head.mismatch_reason) == (False, False, "")
    change = AuditEntry.objects.get(action="verification.answer_change")
    assert change.changes["before"] == {"found": True, "value": "48.60", "detail": ""}
    assert TimelineEntry.objects.filter(verb="verify.change.property.n").count() == 1


def test_a_bad_answer_on_screen_is_refused_in_words(cast, registry):
    Organisation.objects.filter(pk=cast.agency.pk).update(is_active=False)
    (batch,) = service.verification_batches_create(
        actor=cast.officer, applications=[family(cast)], send=True
    )
    request = batch.requests.first()
    for found, value, code in [
        ("", "", "found_missing"),
        ("maybe", "", "found_bad"),
        ("yes", "", "value_missing"),
        ("yes", "sixty", "value_bad"),
        ("yes", "-5", "value_bad"),
        ("no", "50", "value_not_empty"),
    ]:
        with pytest.raises(DomainError) as error:
            service.request_answer(request, actor=cast.officer, found=found, value=value)
        assert error.value.code == code
    request.refresh_from_db()
    assert request.status == RequestStatus.PENDING


def test_a_draft_batch_cannot_be_answered(cast, registry):
    (draft, _other) = service.verification_batches_create(
        actor=cast.officer, applications=[family(cast)]
    )
    with pytest.raises(DomainError) as error:
        service.request_answer(draft.requests.first(), actor=cast.officer, found="no")
    assert error.value.code == "not_sent"


# --- The household path (recertification) -------------------------------------------------


def test_households_are_verified_through_the_same_batches(cast, registry):
    households = [cast.alice_household, cast.charlie_household]
    batches = service.verification_batches_for_households(
        actor=cast.officer,
        households=households,
        declarations={cast.charlie_household.pk: {"vehicles": 0}},
        send=True,
    )
    property_batch = batch_of(batches, Question.PROPERTY)
    assert property_batch.purpose == Purpose.RECERTIFICATION
    requests = list(property_batch.requests.order_by("id"))
    assert [r.name for r in requests] == ["王小明", "王乐乐", "张查理"]
    assert all(r.application is None for r in requests)
    assert requests[0].household == cast.alice_household
    # A tenant has declared no housing of its own: a flat found is a difference.
    answered = answer(property_batch, cast.officer, ("no", ""), ("no", ""), ("yes", "90"))
    assert [r.mismatch for r in answered] == [False, False, True]
    assert cast.charlie_household.timeline.filter(verb="verify.answer.x.property_undeclared")
    # Civil affairs has not answered yet: it is not asked again; the registry has.
    (again,) = service.verification_batches_for_households(
        actor=cast.officer, households=households
    )
    assert again.agency == registry


def test_a_declaration_with_an_unknown_field_is_refused(cast, registry):
    with pytest.raises(DomainError) as error:
        service.verification_batches_for_households(
            actor=cast.officer,
            households=[cast.alice_household],
            declarations={cast.alice_household.pk: {"yachts": 1}},
        )
    assert error.value.code == "bad_declaration"


# --- Files -------------------------------------------------------------------------------


@pytest.fixture
def sent(cast, registry, client_for):
    """A sent real-estate batch about one family of two, and the registry's clerk."""
    Organisation.objects.filter(pk=cast.agency.pk).update(is_active=False)
    (batch,) = service.verification_batches_create(
        actor=cast.officer, applications=[family(cast)], send=True
    )
    clerk = agency_user(registry, "registry-clerk")
    from django.test import Client

    client = Client()
    client.force_login(clerk)
    return batch, clerk, client


def test_the_csv_round_trip_answers_the_batch(sent):
    batch, clerk, client = sent
    response = client.get(reverse("verification_batch_download", args=[batch.pk, "csv"]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="{batch.number}.csv"'
    data = response.content
    assert data.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert [r["id_number"] for r in rows] == [APPLICANT_IDS[0], APPLICANT_IDS[1]]
    assert rows[0]["question"] == "Registered real estate"
    assert rows[0]["declared"] == "Renting privately"
    rows[0].update(found="yes", value="62.5", detail="英雄南路8号")
    rows[1].update(found="no")
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    result = result_of(upload(client, batch, buffer.getvalue().encode("utf-8")))
    assert (result["rows"], result["answered"], result["rejected"]) == (2, 2, 0)
    head = batch.requests.get(name="王建国")
    assert (head.found, head.value, head.detail, head.answered_by) == (
        True,
        "62.50",
        "英雄南路8号",
        clerk,
    )
    assert head.mismatch
    # The download is an access to personal data, recorded as one.
    access = AuditEntry.objects.get(action="reveal.verification_batch")
    assert (access.kind, access.actor, access.changes["requests"]) == (AuditKind.ACCESS, clerk, 2)


def test_the_xlsx_round_trip_keeps_id_numbers_as_text(sent):
    batch, _clerk, client = sent
    response = client.get(reverse("verification_batch_download", args=[batch.pk, "xlsx"]))
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook.active
    header = [c.value for c in sheet[1]]
    assert header == list(COLUMNS)
    assert sheet["C2"].value == APPLICANT_IDS[0]
    found, value = header.index("found") + 1, header.index("value") + 1
    sheet.cell(row=2, column=found, value="否")
    sheet.cell(row=3, column=found, value="是")
    sheet.cell(row=3, column=value, value=55)
    buffer = io.BytesIO()
    workbook.save(buffer)
    result = result_of(upload(client, batch, buffer.getvalue(), "answers.xlsx"))
    assert (result["answered"], result["rejected"]) == (2, 0)
    assert batch.requests.get(name="李秀英").value == "55.00"


def test_a_gb18030_csv_from_chinese_excel_is_read(sent):
    batch, _clerk, client = sent
    refs = list(batch.requests.order_by("id").values_list("ref", flat=True))
    data = csv_bytes(
        [[refs[0], "无", "", "经查无登记"], [refs[1], "有", "48", "城区平房"]],
        header=("编号", "是否查到", "查到的值", "说明"),
        encoding="gb18030",
    )
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    result = result_of(upload(client, batch, data))
    assert (result["answered"], result["rejected"]) == (2, 0)
    assert batch.requests.get(ref=refs[0]).detail == "经查无登记"


def test_bad_rows_are_named_by_line_and_the_good_ones_are_kept(sent, cast):
    batch, _clerk, client = sent
    refs = list(batch.requests.order_by("id").values_list("ref", flat=True))
    other_application = family(cast, ids=(4,), incomes=("1000",))
    (other,) = service.verification_batches_create(
        actor=cast.officer, applications=[other_application]
    )
    data = csv_bytes(
        [
            [refs[0], "no", "", ""],  # line 2: good
            ["", "no", "", ""],  # 3
            ["XC1999000001-00001", "no", "", ""],  # 4
            [other.requests.first().ref, "no", "", ""],  # 5
            [refs[1], "perhaps", "", ""],  # 6
            [refs[1], "yes", "", ""],  # 7 (and a duplicate of 6)
        ]
    )
    result = result_of(upload(client, batch, data))
    assert (result["rows"], result["answered"], result["rejected"]) == (6, 1, 5)
    got = [(e["line"], e["code"]) for e in result["errors"]]
    assert got == [
        (3, "ref_missing"),
        (4, "ref_unknown"),
        (5, "ref_other_batch"),
        (6, "ref_duplicate"),
        (7, "ref_duplicate"),
    ]
    assert "lines 6, 7" in result["errors"][3]["reason"]
    assert batch.requests.get(ref=refs[0]).status == RequestStatus.ANSWERED
    assert batch.requests.get(ref=refs[1]).status == RequestStatus.PENDING


def test_uploading_the_same_file_again_changes_nothing(sent):
    batch, _clerk, client = sent
    refs = list(batch.requests.order_by("id").values_list("ref", flat=True))
    data = csv_bytes([[refs[0], "yes", "62.5", ""], [refs[1], "no", "", ""]])
    first = result_of(upload(client, batch, data))
    audits, entries = AuditEntry.objects.count(), TimelineEntry.objects.count()
    second = result_of(upload(client, batch, data))
    assert (first["answered"], second["answered"], second["unchanged"]) == (2, 0, 2)
    assert (AuditEntry.objects.count(), TimelineEntry.objects.count()) == (audits, entries)
    # A corrected file changes just the corrected answer.
    corrected = csv_bytes([[refs[0], "yes", "62.50", ""], [refs[1], "yes", "20", "车库"]])
    third = result_of(upload(client, batch, corrected))
    assert (third["changed"], third["unchanged"]) == (1, 1)
    assert AuditEntry.objects.filter(action="verification.answer_change").count() == 1


def test_a_file_that_cannot_be_read_is_refused_as_a_whole(sent):
    batch, _clerk, client = sent
    # The file is read by a background job; its result page says why it was refused.
    response = upload(client, batch, b"name,value\nx,1\n")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="upload-failed"' in page
    assert "lacks these columns: ref, found" in page
    response = upload(client, batch, b"\xff\xfe\x00garbage\x81", "answers.csv")
    page = client.get(response["Location"]).content.decode()
    assert "neither UTF-8 nor GB18030" in page
    assert not batch.requests.filter(status="answered").exists()


# --- The documented examples ----------------------------------------------------------------


def example_batches(cast):
    """The example's batch XC2026000001: two families, seven people, asked of the
    real-estate registry; and a second batch, XC2026000002, for the wrong-batch row."""
    Organisation.objects.filter(pk=cast.agency.pk).update(is_active=False)
    add_agency(cast, "RE", AgencyFunction.REAL_ESTATE, "不动产登记中心")
    wang = make_application(
        cast,
        members=[
            ("王建国", APPLICANT_IDS[0], "head", "1400"),
            ("李秀英", APPLICANT_IDS[1], "spouse", "900"),
            ("王小虎", APPLICANT_IDS[6], "child", "0"),
            ("张桂兰", APPLICANT_IDS[7], "parent", "600"),
        ],
    )
    sun = make_application(
        cast,
        members=[
            ("孙强", APPLICANT_IDS[2], "head", "2100"),
            ("赵敏", APPLICANT_IDS[3], "spouse", "1500"),
            ("孙丽", APPLICANT_IDS[5], "sibling", "0"),
        ],
        current_housing="own",
        housing_area_m2=Decimal("56"),
    )
    (example,) = service.verification_batches_create(
        actor=cast.officer, applications=[wang, sun], send=True
    )
    other_family = make_application(cast, members=[("钱多", APPLICANT_IDS[4], "head", "800")])
    (other,) = service.verification_batches_create(
        actor=cast.officer, applications=[other_family], send=True
    )
    return example, other


def example_file(name, example, other) -> bytes:
    text = (EXAMPLES / name).read_text(encoding="utf-8-sig")
    numbers = {"XC2026000001": example.number, "XC2026000002": other.number}
    return re.sub("|".join(numbers), lambda m: numbers[m.group()], text).encode("utf-8")


def test_the_example_answer_file_imports_cleanly(cast):
    example, other = example_batches(cast)
    report = service.batch_answers_import(
        example,
        actor=cast.officer,
        source=example_file("answers-example.csv", example, other),
        name="answers-example.csv",
    )
    assert (report.rows, report.answered, report.errors) == (7, 7, [])
    example.refresh_from_db()
    assert example.status == BatchStatus.ANSWERED
    flagged = list(example.requests.filter(mismatch=True).values_list("name", flat=True))
    assert flagged == ["张桂兰"]


def documented_errors() -> list[tuple[int, str]]:
    """(line, code) of each row of the table of bad rows in docs/verification.md."""
    text = (DOCS / "verification.md").read_text(encoding="utf-8")
    table = text.split("<!-- bad-example-errors -->")[1].split("<!-- /bad-example-errors -->")[0]
    return [
        (int(line), code)
        for line, code in re.findall(r"^\|\s*(\d+)\s*\|.*\|\s*`(\w+)`\s*\|\s*$", table, re.M)
    ]


def test_the_bad_example_gives_the_documented_errors(cast):
    example, other = example_batches(cast)
    report = service.batch_answers_import(
        example,
        actor=cast.officer,
        source=example_file("answers-bad-example.csv", example, other),
        name="answers-bad-example.csv",
    )
    documented = documented_errors()
    assert len(documented) >= 8
    assert [(e["line"], e["code"]) for e in report.errors] == documented
    assert report.answered == 1  # the one good row


def test_the_example_files_read_in_every_format_the_docs_name(cast):
    rows = read_answers(EXAMPLES / "answers-example.csv")
    assert [r.line for r in rows] == list(range(2, 9))
    assert rows[3].values["found"] == "是"


# --- Pages --------------------------------------------------------------------------------


def test_an_agency_sees_only_its_own_sent_batches(cast, registry, client_for):
    application = family(cast)
    batches = service.verification_batches_create(actor=cast.officer, applications=[application])
    mine, theirs = batch_of(batches, Question.SUBSISTENCE), batch_of(batches, Question.PROPERTY)
    client = client_for("agency")
    # A draft is not yet the agency's business.
    assert client.get(reverse("verification_answer_batch", args=[mine.pk])).status_code == 404
    service.batch_send(mine, actor=cast.officer)
    service.batch_send(theirs, actor=cast.officer)
    assert client.get(reverse("verification_answer_batch", args=[mine.pk])).status_code == 200
    for name, args in [
        ("verification_answer_batch", [theirs.pk]),
        ("verification_batch_download", [theirs.pk, "csv"]),
        ("verification_request_answer", [theirs.requests.first().pk]),
        ("verification_request_reveal", [theirs.requests.first().pk]),
    ]:
        method = client.post if "request" in name else client.get
        assert method(reverse(name, args=args)).status_code == 404, name
    inbox = client.get(reverse("verification_inbox")).content.decode()
    assert mine.number in inbox and theirs.number not in inbox
    # The agency may not run the authority's pages, even about its own batch.
    assert client.get(reverse("verification_batch_detail", args=[mine.pk])).status_code == 403
    assert client.get(reverse("verification_batch_list")).status_code == 403


def test_the_agency_answers_on_screen_and_reveals_an_id_number_on_the_record(cast, client_for):
    (batch,) = service.verification_batches_create(
        actor=cast.officer, applications=[family(cast, category="new_employee")], send=True
    )
    client = client_for("agency")
    request = batch.requests.order_by("id").first()
    response = client.post(
        reverse("verification_request_reveal", args=[request.pk]), HTTP_HX_REQUEST="true"
    )
    assert APPLICANT_IDS[0] in response.content.decode()
    access = AuditEntry.objects.get(action="reveal.id_number")
    assert (access.kind, access.actor, access.target_id) == (
        AuditKind.ACCESS,
        cast.users["agency"],
        str(request.pk),
    )
    response = client.post(
        reverse("verification_request_answer", args=[request.pk]),
        {"found": "yes", "value": "低保", "detail": "2024年起"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "receives 低保" in response.content.decode()
    request.refresh_from_db()
    assert (request.found, request.mismatch) == (True, True)
    response = client.post(
        reverse("verification_request_answer", args=[request.pk]),
        {"found": "yes", "value": ""},
        HTTP_HX_REQUEST="true",
    )
    assert "“value” is empty" in response.content.decode()
    response = client.post(
        reverse("verification_request_answer", args=[request.pk]), {"found": "no"}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert (request.found, request.mismatch) == (False, False)


def test_the_officer_creates_batches_for_all_in_authority_review(cast, registry, client_for):
    in_authority = approve(family(cast), cast, through=ApplicationStatus.AUTHORITY_REVIEW)
    in_community = family(cast, ids=(2,), incomes=("1000",))
    client = client_for("officer")
    page = client.get(reverse("verification_batch_create")).content.decode()
    assert in_authority.number in page and in_community.number in page
    response = client.post(
        reverse("verification_batch_create"), {"scope": "authority", "send": "on"}
    )
    assert response.status_code == 302
    asked = set(
        VerificationBatch.objects.values_list("requests__application", flat=True).distinct()
    )
    assert asked == {in_authority.pk}
    assert set(VerificationBatch.objects.values_list("status", flat=True)) == {BatchStatus.SENT}
    response = client.post(
        reverse("verification_batch_create"),
        {"scope": "selected", "applications": [in_community.pk], "due_on": "2099-01-31"},
    )
    assert response.status_code == 302
    drafts = VerificationBatch.objects.filter(status=BatchStatus.DRAFT)
    assert drafts.count() == 2 and {str(d.due_on) for d in drafts} == {"2099-01-31"}
    listing = client.get(reverse("verification_batch_list")).content.decode()
    assert all(b.number in listing for b in VerificationBatch.objects.all())
    draft = drafts.first()
    assert client.post(reverse("verification_batch_send", args=[draft.pk])).status_code == 302
    draft.refresh_from_db()
    assert draft.status == BatchStatus.SENT


def test_the_batch_page_shows_progress_and_differences(cast, registry, client_for):
    Organisation.objects.filter(pk=cast.agency.pk).update(is_active=False)
    (batch,) = service.verification_batches_create(
        actor=cast.officer, applications=[family(cast)], send=True
    )
    answer(batch, cast.officer, ("yes", "48.6"))
    for role in ("officer", "auditor"):
        page = client_for(role).get(reverse("verification_batch_detail", args=[batch.pk]))
        text = page.content.decode()
        assert "1 / 2" in text
        assert "but the family declared" in text
        assert ("batch-send" in text) is False
        assert ('data-testid="batch-files"' in text) == (role == "officer")
    mismatches = client_for("officer").get(
        reverse("verification_batch_detail", args=[batch.pk]) + "?show=mismatch"
    )
    assert mismatches.content.decode().count('data-testid="mismatch"') == 1


def test_the_reviewers_partial_lists_the_answers(cast, registry):
    from django.template.loader import render_to_string

    Organisation.objects.filter(pk=cast.agency.pk).update(is_active=False)
    application = family(cast)
    (batch,) = service.verification_batches_create(
        actor=cast.officer, applications=[application], send=True
    )
    answer(batch, cast.officer, ("yes", "48.6"))
    rows = service.verification_rows(application.verifications.all())
    assert rows.mismatches == 1
    html = render_to_string("admission/verification/answers.html", {"verifications": rows})
    assert "1 difference from the declaration" in html
    assert "Awaiting answer" in html


def test_the_batch_list_takes_a_fixed_number_of_queries(
    cast, registry, client_for, django_assert_max_num_queries
):
    client = client_for("officer")
    client.get(reverse("verification_batch_list"))
    for ids in ((0,), (1,), (2,)):
        application = family(cast, ids=ids, incomes=("1000",))
        service.verification_batches_create(actor=cast.officer, applications=[application])
    with django_assert_max_num_queries(12):
        assert client.get(reverse("verification_batch_list")).status_code == 200


def test_a_system_administrator_sets_what_an_agency_verifies(cast, client_for):
    client = client_for("sysadmin")
    url = reverse("organisation_edit", args=[cast.agency.pk])
    assert 'value="civil_affairs" selected' in client.get(url).content.decode()
    form = {
        "code": "AG",
        "name": "民政局",
        "kind": "agency",
        "parent": cast.authority.pk,
        "agency_function": "vehicle_registry",
        "is_active": "on",
    }
    assert client.post(url, form).status_code == 302
    cast.agency.refresh_from_db()
    assert cast.agency.agency_function == AgencyFunction.VEHICLE_REGISTRY
    community = {**form, "code": "CA", "kind": "community", "parent": cast.street_a.pk}
    page = client.post(reverse("organisation_edit", args=[cast.community_a.pk]), community)
    assert page.status_code == 200
    assert "Only a partner agency has a verification function." in page.content.decode()


def test_an_upload_is_read_by_a_background_job_whose_page_shows_its_progress(sent):
    batch, _clerk, client = sent
    refs = list(batch.requests.order_by("id").values_list("ref", flat=True))
    # Without the commit, the job stays queued: its page shows the progress bar.
    response = client.post(
        reverse("verification_batch_upload", args=[batch.pk]),
        {"file": SimpleUploadedFile("a.csv", csv_bytes([[refs[0], "no", "", ""]]))},
    )
    page = client.get(response["Location"]).content.decode()
    assert 'id="job-progress"' in page and 'data-status="queued"' in page
    assert not batch.requests.filter(status="answered").exists()
