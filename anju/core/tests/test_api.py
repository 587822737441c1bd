"""The API as a machine client sees it: an API key bound to estate E1. The staff-session
side of every endpoint is in test_scoping_matrix.py."""

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from stdnum.cn import ric

from anju.core import services
from anju.core.models import ApiKey, AuditEntry
from anju.households.ledger.columns import COLUMNS
from anju.households.models import Household
from anju.testing.cast import IDS

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture(scope="module")
def api():
    # One client for the module: a new one loads the middleware (and re-indexes the
    # static files) again. Requests carry the key in a header, so nothing is shared.
    return Client()


def issue(cast, *, scopes=("read",), estates=None):
    row, key = services.apikey_issue(
        actor=cast.users["secadmin"],
        name="Gate E1",
        organisation=cast.operator_1,
        estates=[cast.e1] if estates is None else estates,
        scopes=list(scopes),
    )
    return row, key


def get(api, key, path, **params):
    return api.get(API + path, params, HTTP_X_API_KEY=key)


def items(response):
    assert response.status_code == 200, response.content
    return response.json()["items"]


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    payload = response.json()
    assert payload["code"] == code
    assert isinstance(payload["message"], str) and payload["message"]


def test_a_read_key_lists_only_its_estates_units_and_households(cast, api):
    _row, key = issue(cast)
    estates = items(get(api, key, "/estates"))
    assert [e["code"] for e in estates] == ["E1"]
    units = items(get(api, key, "/units"))
    assert len(units) == 6
    assert {u["estate_id"] for u in units} == {cast.e1.pk}
    households = items(get(api, key, "/households"))
    assert [h["number"] for h in households] == ["HH-A"]
    buildings = items(get(api, key, "/buildings"))
    assert {b["estate_id"] for b in buildings} == {cast.e1.pk}


def test_a_read_key_reads_an_in_scope_unit(cast, api):
    _row, key = issue(cast)
    response = get(api, key, f"/units/{cast.unit_a.pk}")
    assert response.status_code == 200
    assert response.json()["code"] == cast.unit_a.code


@pytest.mark.parametrize(
    "path",
    [
        "/units/{unit_c}",
        "/estates/{e2}",
        "/buildings/{b2}",
        "/households/{charlie}",
        "/households/{charlie}/members",
        "/members/{charlie_head}",
    ],
)
def test_a_key_gets_not_found_for_the_other_estate(cast, api, path):
    _row, key = issue(cast)
    url = path.format(
        unit_c=cast.unit_c.pk,
        e2=cast.e2.pk,
        b2=cast.unit_c.building_id,
        charlie=cast.charlie_household.pk,
        charlie_head=cast.charlie_household.head_id,
    )
    assert_error(get(api, key, url), 404, "not_found")


def test_a_missing_record_and_an_out_of_scope_one_get_the_same_answer(cast, api):
    _row, key = issue(cast)
    missing = get(api, key, "/units/987654321")
    other = get(api, key, f"/units/{cast.unit_c.pk}")
    assert missing.status_code == other.status_code == 404
    assert missing.json() == other.json()


def test_a_revoked_key_is_unauthenticated(cast, api):
    row, key = issue(cast)
    assert get(api, key, "/units").status_code == 200
    services.apikey_revoke(row, actor=cast.users["secadmin"])
    assert_error(get(api, key, "/units"), 401, "unauthenticated")


@pytest.mark.parametrize(
    "key",
    ["", "anju_deadbeef_not-a-real-key", "not-even-the-prefix"],
    ids=["empty", "unknown", "malformed"],
)
def test_a_missing_or_unknown_key_is_unauthenticated(cast, api, key):
    assert_error(api.get(API + "/units", HTTP_X_API_KEY=key), 401, "unauthenticated")


def test_a_key_without_a_key_header_is_unauthenticated(cast, api):
    issue(cast)
    assert_error(api.get(API + "/units"), 401, "unauthenticated")


def test_an_ingest_only_key_may_not_read_units(cast, api):
    _row, key = issue(cast, scopes=["ingest"])
    assert_error(get(api, key, "/units"), 403, "forbidden")
    assert_error(get(api, key, "/households"), 403, "forbidden")


def test_an_ingest_only_key_gets_not_found_before_forbidden_outside_its_estates(cast, api):
    # The same order as the pages: scope first (404), then permission (403).
    _row, key = issue(cast, scopes=["ingest"])
    assert_error(get(api, key, f"/units/{cast.unit_c.pk}"), 404, "not_found")
    assert_error(get(api, key, f"/units/{cast.unit_a.pk}"), 403, "forbidden")


def test_a_key_bound_to_no_estate_sees_nothing(cast, api):
    _row, key = issue(cast, estates=[])
    assert items(get(api, key, "/units")) == []
    assert items(get(api, key, "/households")) == []
    assert_error(get(api, key, f"/units/{cast.unit_a.pk}"), 404, "not_found")


def test_only_a_hash_of_the_key_is_stored(cast):
    row, key = issue(cast)
    secret = key.split("_", 2)[2]
    stored = ApiKey.objects.filter(pk=row.pk).values().get()
    for column, value in stored.items():
        assert key not in str(value), column
        assert secret not in str(value), column
    assert stored["key_hash"] == services.hash_key(key)
    assert key.startswith(f"anju_{stored['prefix']}_")
    # Nor does the key reach the audit log of its issue, nor any other table.
    for entry in AuditEntry.objects.all():
        assert secret not in json.dumps(entry.changes, ensure_ascii=False)
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for record in cursor.fetchall():
                assert not any(secret in str(cell) for cell in record), table


def test_a_used_key_records_when_it_was_last_used(cast, api):
    row, key = issue(cast)
    assert row.last_used_at is None
    get(api, key, "/units")
    row.refresh_from_db()
    assert row.last_used_at is not None


def test_the_openapi_schema_is_json_with_the_paths(api):
    response = api.get(API + "/openapi.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["info"]["title"] == "Anju API"
    for path in ["/estates", "/units", "/units/{unit_id}", "/households", "/members/{member_id}"]:
        assert API + path in schema["paths"], path


def test_members_come_back_masked(cast, api):
    _row, key = issue(cast)
    alice = cast.alice_household
    for path in [f"/households/{alice.pk}", f"/households/{alice.pk}/members"]:
        response = get(api, key, path)
        assert response.status_code == 200
        text = response.content.decode()
        body = json.dumps(response.json(), ensure_ascii=False)
        for id_number in (IDS["alice"], IDS["alice_child"]):
            assert id_number not in text and id_number not in body
        assert "13800000000" not in text
        assert "140402********1243" in body
        assert "138****0000" in body
    member = get(api, key, f"/members/{alice.head_id}").json()
    assert member["id_number_masked"] == "140402********1243"
    assert member["phone_masked"] == "138****0000"
    assert not {"id_number", "phone", "id_number_enc", "phone_enc", "id_number_hash"} & set(member)


def test_lists_page_with_limit_and_offset(cast, api):
    _row, key = issue(cast)
    everything = get(api, key, "/units").json()
    assert everything["count"] == 6
    codes = [u["code"] for u in everything["items"]]
    assert codes == sorted(codes)
    first = get(api, key, "/units", limit=4, offset=0).json()
    rest = get(api, key, "/units", limit=4, offset=4).json()
    assert first["count"] == rest["count"] == 6
    assert [u["code"] for u in first["items"]] == codes[:4]
    assert [u["code"] for u in rest["items"]] == codes[4:]
    assert get(api, key, "/units", limit=4, offset=8).json()["items"] == []


def test_list_filters_stay_inside_the_scope(cast, api):
    _row, key = issue(cast)
    # Asking for the other estate by id gives an empty list, not its units.
    assert items(get(api, key, "/units", estate=cast.e2.pk)) == []
    assert items(get(api, key, "/households", number="HH-C")) == []
    assert [u["code"] for u in items(get(api, key, "/units", code="e1-01-01"))] == [
        "E1-01-0101",
        "E1-01-0102",
    ]


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/units", {"estate": "abc"}),
        ("/units", {"limit": "many"}),
        ("/households", {"estate": "E1"}),
        ("/units", {"limit": "-1"}),
    ],
)
def test_a_bad_query_parameter_is_invalid(cast, api, path, params):
    _row, key = issue(cast)
    response = get(api, key, path, **params)
    assert_error(response, 422, "invalid")
    assert response.json()["errors"]


def test_a_wrong_method_is_not_allowed(cast, api):
    _row, key = issue(cast)
    response = api.post(API + "/units", {}, HTTP_X_API_KEY=key)
    assert response.status_code == 405


def _ledger_csv_for_e2() -> bytes:
    """One new household on a vacant unit of estate E2, in the ledger format."""
    body = "14040419900303012"
    id_number = body + ric.calc_check_digit(body + "0")
    row = {
        "estate_code": "E2",
        "estate_name": "安泰小区",
        "street": "太行东街街道",
        "community": "太行社区",
        "building_no": "01",
        "unit_code": "E2-01-0301",
        "floor": "3",
        "area_m2": "45.50",
        "rooms": "2",
        "household_no": "HH-X",
        "category": "low_income",
        "lease_start": "2025-01-01",
        "lease_end": "2027-12-31",
        "monthly_rent": "455.00",
        "member_role": "head",
        "name": "赵新",
        "id_number": id_number,
        "relation": "head",
        "phone": "",
        "monthly_income": "1000",
        "credential_refs": "",
    }
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS))
    writer.writeheader()
    writer.writerow(row)
    return out.getvalue().encode()


def test_a_ledger_key_cannot_write_outside_its_estates(cast, api):
    _row, key = issue(cast, scopes=["ledger"])
    upload = SimpleUploadedFile("ledger.csv", _ledger_csv_for_e2(), "text/csv")
    response = api.post(API + "/ledger/import", {"file": upload}, HTTP_X_API_KEY=key)
    assert not Household.objects.filter(number="HH-X").exists()
    assert response.status_code in (403, 404) or response.json()["written"] is False
