"""The ingest endpoints: a gateway's key (scope "ingest", bound to its estates) or a
staff session with Perm.INGEST; raw CSV or NDJSON bodies and multipart uploads; the
JSON answer with its counts and errors; 400, 401, 403, 405 and 413; and the OpenAPI
schema still valid."""

import json

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from anju.core import services as core_services
from anju.supervision.models import AccessEvent, IngestBatch, MeterReading

pytestmark = pytest.mark.django_db

ACCESS = "event_id,device_id,unit_code,occurred_at,credential,person_ref,result"
METERS = "reading_id,meter_id,unit_code,kind,read_at,value"
T = "2026-03-01T08:15:00+08:00"
ACCESS_URL = "/api/v1/ingest/access-events"
METERS_URL = "/api/v1/ingest/meter-readings"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel("2026-03-10 09:00 +08:00", tick=False):
        yield


def issue(cast, estates, scopes=("ingest",)) -> str:
    _row, secret = core_services.apikey_issue(
        actor=cast.users["secadmin"],
        name="Gateway E1",
        organisation=cast.operator_1,
        estates=estates,
        scopes=list(scopes),
    )
    return secret


@pytest.fixture
def key(cast):
    return issue(cast, [cast.e1])


def post(url, data: bytes, key=None, content_type="text/csv", client=None, **extra):
    headers = {"HTTP_X_API_KEY": key} if key else {}
    return (client or Client()).post(url, data, content_type=content_type, **headers, **extra)


def csv(header, *lines) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


def test_the_urls_are_named():
    assert reverse("api-1:ingest_access_events") == ACCESS_URL
    assert reverse("api-1:ingest_meter_readings") == METERS_URL


def test_a_gateway_posts_a_csv_batch_and_gets_its_counts_after_the_commit(cast, key):
    a = cast.unit_a.code
    data = csv(
        ACCESS,
        f"e-1,L-1,{a},{T},face,,granted",
        f"e-2,L-1,{a},not-a-time,face,,granted",
        f"e-1,L-1,{a},{T},face,,granted",
    )
    response = post(ACCESS_URL, data, key)
    assert response.status_code == 200
    answer = response.json()
    batch = IngestBatch.objects.get()
    assert answer == {
        "batch": batch.pk,
        "rows": 3,
        "accepted": 1,
        "duplicates": 1,
        "rejected": 1,
        "errors": [
            {
                "line": 3,
                "code": "bad_timestamp",
                "reason": answer["errors"][0]["reason"],
                "id": "e-2",
            }
        ],
    }
    assert answer["errors"][0]["reason"]
    assert batch.channel == "api" and batch.api_key.name == "Gateway E1"
    assert AccessEvent.objects.count() == 1


def test_a_gateways_rows_for_another_estate_are_rejected_and_nothing_is_stored_for_them(cast, key):
    data = csv(
        ACCESS,
        f"e-1,L-1,{cast.unit_a.code},{T},face,,granted",
        f"e-2,L-2,{cast.unit_c.code},{T},face,,granted",
        f"e-3,L-2,E9-99-9999,{T},face,,granted",
    )
    answer = post(ACCESS_URL, data, key).json()
    assert (answer["accepted"], answer["rejected"]) == (1, 2)
    # An E2 unit is told exactly like a unit that does not exist.
    assert [e["code"] for e in answer["errors"]] == ["unknown_unit", "unknown_unit"]
    assert list(AccessEvent.objects.values_list("event_id", flat=True)) == ["e-1"]


def test_ndjson_is_taken_under_each_of_its_content_types(cast, key):
    a = cast.unit_a.code
    for i, content_type in enumerate(
        ["application/x-ndjson", "application/json", "application/jsonl"]
    ):
        line = json.dumps(
            {
                "reading_id": f"r-{i}",
                "meter_id": "EM-1",
                "unit_code": a,
                "kind": "electricity",
                "read_at": T,
                "value": 100 + i,
            }
        )
        answer = post(METERS_URL, (line + "\n").encode(), key, content_type=content_type).json()
        assert answer["accepted"] == 1, content_type
    assert MeterReading.objects.count() == 3
    assert set(IngestBatch.objects.values_list("format", flat=True)) == {"ndjson"}


def test_a_multipart_upload_is_taken_too(cast, key):
    upload = SimpleUploadedFile(
        "readings.csv", csv(METERS, f"r-1,EM-1,{cast.unit_a.code},water,{T},3.5"), "text/csv"
    )
    response = Client().post(METERS_URL, {"file": upload}, HTTP_X_API_KEY=key)
    assert response.status_code == 200 and response.json()["accepted"] == 1
    assert IngestBatch.objects.get().source == "readings.csv"


def test_resending_the_same_body_stores_nothing_new(cast, key):
    data = csv(METERS, f"r-1,EM-1,{cast.unit_a.code},water,{T},3.5")
    first, again = post(METERS_URL, data, key).json(), post(METERS_URL, data, key).json()
    assert (first["accepted"], first["duplicates"]) == (1, 0)
    assert (again["accepted"], again["duplicates"]) == (0, 1)
    assert MeterReading.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_body"),
        (b"\xff\xfe\xfa\xfb" * 8, "unreadable_body"),
        (b"event_id,unit_code\n1,2\n", "missing_columns"),
    ],
)
def test_an_unreadable_body_is_a_400_with_a_stable_code_and_writes_nothing(cast, key, data, code):
    response = post(ACCESS_URL, data, key)
    assert response.status_code == 400
    assert response.json()["code"] == code and response.json()["message"]
    assert not IngestBatch.objects.exists()


def test_a_body_over_the_limit_is_a_413(cast, key):
    data = csv(ACCESS, *[f"e-{i},L-1,{cast.unit_a.code},{T},face,,granted" for i in range(50)])
    with override_settings(ANJU_INGEST_MAX_BYTES=1000):
        response = post(ACCESS_URL, data, key)
        assert response.status_code == 413
        assert response.json()["code"] == "too_large"
        upload = SimpleUploadedFile("big.csv", data, "text/csv")
        response = Client().post(ACCESS_URL, {"file": upload}, HTTP_X_API_KEY=key)
        assert response.status_code == 413
    assert not IngestBatch.objects.exists()


def test_a_key_without_the_ingest_scope_is_refused(cast):
    reader = issue(cast, [cast.e1], scopes=("read",))
    response = post(ACCESS_URL, csv(ACCESS), reader)
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_no_key_or_a_wrong_key_is_unauthenticated(cast):
    for key in (None, "not-a-key"):
        response = post(ACCESS_URL, csv(ACCESS), key)
        assert response.status_code == 401 and response.json()["code"] == "unauthenticated"


def test_the_endpoints_take_only_post(cast, key):
    for url in (ACCESS_URL, METERS_URL):
        assert Client().get(url, HTTP_X_API_KEY=key).status_code == 405


def test_staff_post_through_their_session_within_their_estates(cast, client_for):
    data = csv(
        ACCESS,
        f"e-1,L-1,{cast.unit_a.code},{T},face,,granted",
        f"e-2,L-2,{cast.unit_c.code},{T},face,,granted",
    )
    answer = post(ACCESS_URL, data, client=client_for("operator")).json()
    assert (answer["accepted"], answer["rejected"]) == (1, 1)
    assert IngestBatch.objects.get().actor == cast.users["operator"]
    response = post(ACCESS_URL, data, client=client_for("auditor"))
    assert response.status_code == 403


def test_a_gateway_needs_no_csrf_token_but_a_session_does(cast, key):
    data = csv(ACCESS, f"e-1,L-1,{cast.unit_a.code},{T},face,,granted")
    strict = Client(enforce_csrf_checks=True)
    assert post(ACCESS_URL, data, key, client=strict).status_code == 200
    staff = Client(enforce_csrf_checks=True)
    staff.force_login(cast.users["operator"])
    response = post(ACCESS_URL, data, client=staff)
    assert response.status_code == 403 and "CSRF" in response.json()["message"]
    # A wrong key without a session is told it is not authenticated, not "CSRF".
    assert post(ACCESS_URL, data, "anju_wrong", client=strict).status_code == 401


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_the_openapi_schema_documents_the_bodies_and_still_holds_together(client):
    # No OpenAPI validator is installed here; check what a broken schema would break:
    # every reference resolves, every operation has its answers.
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.1")
    components = schema["components"]["schemas"]
    for ref in _refs(schema):
        assert ref.startswith("#/components/schemas/") and ref.split("/")[-1] in components, ref
    for url in (ACCESS_URL, METERS_URL):
        operation = schema["paths"][url]["post"]
        body = operation["requestBody"]["content"]
        assert {"text/csv", "application/x-ndjson", "multipart/form-data"} <= set(body)
        assert {"200", "400", "413"} <= set(operation["responses"])
        assert operation["summary"] and operation["description"]
