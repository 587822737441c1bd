"""The ingest pages: the batch list and a batch with its rejected rows, a staff upload,
and the data-quality page (a meter replaced, a lock gone silent), each scoped to the
user's estates."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from anju.core import services as core_services
from anju.core.api_auth import ApiKeyPrincipal
from anju.supervision.models import AccessEvent, IngestBatch
from anju.supervision.services.ingest import ingest

pytestmark = pytest.mark.django_db

ACCESS = "event_id,device_id,unit_code,occurred_at,credential,person_ref,result"
METERS = "reading_id,meter_id,unit_code,kind,read_at,value"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel("2026-03-10 09:00 +08:00", tick=False):
        yield


def body(header, *lines) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


def run(kind, data, principal=None, source=""):
    with translation.override("en"):
        return ingest(kind=kind, data=data, principal=principal, channel="cli", source=source)


def text(response) -> str:
    return response.content.decode()


# --- Batches -------------------------------------------------------------------------------


def test_the_batch_list_shows_the_batches_of_the_users_estates(cast, client_for):
    a, c = cast.unit_a.code, cast.unit_c.code
    run(
        "access",
        body(ACCESS, f"e-1,L-1,{a},2026-03-01T08:00:00+08:00,card,,granted"),
        source="in.csv",
    )
    run(
        "access",
        body(ACCESS, f"e-2,L-2,{c},2026-03-01T08:00:00+08:00,card,,granted"),
        source="out.csv",
    )
    page = text(client_for("operator").get(reverse("ingest_batch_list")))
    assert "in.csv" in page and "out.csv" not in page
    page = text(client_for("officer").get(reverse("ingest_batch_list")))
    assert "in.csv" in page and "out.csv" in page


def test_the_batch_list_filters_and_answers_htmx_with_the_table(cast, client_for):
    a = cast.unit_a.code
    run(
        "access",
        body(ACCESS, f"e-1,L-1,{a},2026-03-01T08:00:00+08:00,card,,granted"),
        source="good.csv",
    )
    run(
        "access",
        body(
            ACCESS,
            f"e-2,L-1,{a},later,card,,granted",
            f"e-3,L-1,{a},2026-03-01T08:00:00+08:00,card,,granted",
        ),
        source="bad.csv",
    )
    client = client_for("operator")
    page = text(client.get(reverse("ingest_batch_list"), {"rejected": "1"}))
    assert "bad.csv" in page and "good.csv" not in page
    response = client.get(reverse("ingest_batch_list"), {"kind": "meters"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert "<html" not in text(response) and 'id="table"' in text(response)


def test_the_batch_list_takes_a_fixed_number_of_queries(
    cast, client_for, django_assert_num_queries, django_assert_max_num_queries
):
    a = cast.unit_a.code
    client = client_for("operator")
    run("access", body(ACCESS, f"e-0,L-1,{a},2026-03-01T08:00:00+08:00,card,,granted"))
    with django_assert_max_num_queries(50) as one:
        client.get(reverse("ingest_batch_list"))
    for i in range(1, 6):
        run("access", body(ACCESS, f"e-{i},L-1,{a},2026-03-01T08:00:00+08:00,card,,granted"))
    with django_assert_num_queries(len(one.captured_queries)):
        client.get(reverse("ingest_batch_list"))


def test_a_batch_shows_its_rejected_rows_with_line_and_reason(cast, client_for):
    a = cast.unit_a.code
    batch = run(
        "access",
        body(
            ACCESS,
            f"e-1,L-1,{a},2026-03-01T08:00:00+08:00,card,,granted",
            f"e-2,L-1,{a},2026-03-01T08:00:00,card,,granted",
            f"e-3,L-1,{a},2026-03-01T08:00:00+08:00,retina,,granted",
        ),
    )
    client = client_for("operator")
    with translation.override("en"):
        page = text(
            client.get(reverse("ingest_batch_detail", args=[batch.pk]), HTTP_ACCEPT_LANGUAGE="en")
        )
    assert "bad_timestamp" in page and "bad_credential" in page
    assert "unknown credential type retina" in page
    # The reason is shown in the reader's language, not the one it was stored in.
    zh = text(
        client.get(reverse("ingest_batch_detail", args=[batch.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    )
    assert "bad_credential" in zh


def test_a_batch_of_another_estate_is_not_found_and_needs_the_permission(cast, client_for):
    c = cast.unit_c.code
    batch = run("access", body(ACCESS, f"e-1,L-2,{c},2026-03-01T08:00:00+08:00,card,,granted"))
    url = reverse("ingest_batch_detail", args=[batch.pk])
    assert client_for("operator").get(url).status_code == 404
    assert client_for("officer").get(url).status_code == 200
    mine = run(
        "access",
        body(ACCESS, f"e-2,L-1,{cast.unit_a.code},2026-03-01T08:00:00+08:00,card,,granted"),
    )
    # The property company sees the estate but does not hold Perm.SUPERVISION_VIEW.
    assert (
        client_for("repairer").get(reverse("ingest_batch_detail", args=[mine.pk])).status_code
        == 403
    )
    assert client_for("officer").post(url).status_code == 405


def test_a_gateway_batch_is_seen_by_the_staff_of_its_estates_even_when_all_rows_failed(
    cast, client_for
):
    key, _secret = core_services.apikey_issue(
        actor=cast.users["secadmin"],
        name="Gate E1",
        organisation=cast.operator_1,
        estates=[cast.e1],
        scopes=["ingest"],
    )
    batch = run("access", body(ACCESS, "e-1,L-1,NOWHERE,bad,card,,granted"), ApiKeyPrincipal(key))
    assert batch.accepted == 0
    url = reverse("ingest_batch_detail", args=[batch.pk])
    assert client_for("operator").get(url).status_code == 200


# --- Upload --------------------------------------------------------------------------------


def test_staff_upload_a_file_and_land_on_its_batch(cast, client_for):
    a = cast.unit_a.code
    upload = SimpleUploadedFile(
        "readings.csv",
        body(
            METERS, f"r-1,EM-1,{a},electricity,2026-03-01T00:00:00+08:00,10", f"r-2,EM-1,{a},x,y,z"
        ),
    )
    client = client_for("operator")
    response = client.post(reverse("ingest_upload"), {"kind": "meters", "file": upload})
    batch = IngestBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("ingest_batch_detail", args=[batch.pk])
    assert (batch.channel, batch.actor, batch.accepted, batch.rejected) == (
        "upload",
        cast.users["operator"],
        1,
        1,
    )


def test_an_upload_whose_every_row_failed_is_still_the_uploaders_to_see(cast, client_for):
    upload = SimpleUploadedFile("x.csv", body(ACCESS, "e-1,L-1,NOWHERE,bad,card,,granted"))
    client = client_for("operator")
    response = client.post(
        reverse("ingest_upload"), {"kind": "access", "file": upload}, follow=True
    )
    assert response.status_code == 200
    assert "unknown_unit" in text(response)


def test_a_bad_upload_says_why_and_writes_nothing(cast, client_for):
    client = client_for("operator")
    response = client.post(reverse("ingest_upload"), {"kind": "access"}, follow=True)
    assert response.status_code == 200 and "alert-danger" in text(response)
    empty = SimpleUploadedFile("empty.csv", b"\n")
    response = client.post(reverse("ingest_upload"), {"kind": "access", "file": empty}, follow=True)
    assert "alert-danger" in text(response)
    assert not IngestBatch.objects.exists()


def test_uploading_needs_the_ingest_permission(cast, client_for):
    upload = SimpleUploadedFile("x.csv", body(ACCESS))
    response = client_for("auditor").post(
        reverse("ingest_upload"), {"kind": "access", "file": upload}
    )
    assert response.status_code == 403
    assert client_for("operator").get(reverse("ingest_upload")).status_code == 405
    assert not IngestBatch.objects.exists()


# --- Data quality --------------------------------------------------------------------------


def _readings(unit, meter, values, start=datetime.date(2026, 2, 20)):
    days = [start + datetime.timedelta(days=i) for i in range(len(values))]
    lines = [
        f"{meter}-{i},{meter},{unit},electricity,{day}T00:00:00+08:00,{v}"
        for i, (day, v) in enumerate(zip(days, values, strict=True))
    ]
    return run("meters", body(METERS, *lines))


def test_a_replaced_meter_is_listed_and_a_normal_one_is_not(cast, client_for):
    a, c = cast.unit_a.code, cast.unit_c.code
    _readings(a, "EM-REPLACED", ["1500.5", "1504.0", "3.2", "7.9"])  # replaced on 02-22
    _readings(a, "EM-NORMAL", ["100", "104", "104", "109"])
    _readings(c, "EM-OTHER", ["800", "2"])
    client = client_for("operator")
    response = client.get(reverse("data_quality"))
    page = text(response)
    assert response.status_code == 200
    assert "EM-REPLACED" in page and "EM-NORMAL" not in page and "EM-OTHER" not in page
    rows = response.context["backwards"]
    assert len(rows) == 1
    assert (rows[0].prev_value, rows[0].value) == (Decimal("1504"), Decimal("3.2"))
    assert rows[0].drop == Decimal("1500.8")
    assert rows[0].read_at.date() == datetime.date(2026, 2, 21)  # 00:00 +08:00 in UTC
    assert "EM-OTHER" in text(client_for("officer").get(reverse("data_quality")))


def test_the_window_looks_back_to_the_reading_before_it(cast, client_for):
    a = cast.unit_a.code
    _readings(a, "EM-1", ["900", "5"], start=datetime.date(2026, 2, 27))  # drop on 02-28
    client = client_for("operator")
    inside = client.get(reverse("data_quality"), {"since": "2026-02-28", "until": "2026-03-10"})
    assert "EM-1" in text(inside)
    after = client.get(reverse("data_quality"), {"since": "2026-03-01", "until": "2026-03-10"})
    assert "EM-1" not in text(after)


def test_a_silent_lock_is_listed(cast, client_for):
    a = cast.unit_a.code
    run(
        "access",
        body(
            ACCESS,
            f"s-1,L-SILENT,{a},2026-02-01T08:00:00+08:00,card,,granted",  # 37 days ago
            f"s-2,L-ALIVE,{a},2026-03-09T08:00:00+08:00,card,,granted",
        ),
    )
    response = client_for("operator").get(reverse("data_quality"))
    silent = [d.code for d in response.context["silent"]]
    assert silent == ["L-SILENT"]
    assert response.context["silent_days"] == 14


def test_a_bad_window_says_why(cast, client_for):
    response = client_for("operator").get(
        reverse("data_quality"), {"since": "2026-03-10", "until": "2026-03-01"}
    )
    assert response.status_code == 200
    assert 'data-testid="form-errors"' in text(response)
    response = client_for("operator").get(
        reverse("data_quality"), {"since": "2024-01-01", "until": "2026-03-01"}
    )
    assert 'data-testid="form-errors"' in text(response)


def test_data_quality_needs_the_supervision_permission(cast, client_for):
    assert client_for("repairer").get(reverse("data_quality")).status_code == 403
    assert client_for("operator").post(reverse("data_quality")).status_code == 405
    assert not AccessEvent.objects.exists()
