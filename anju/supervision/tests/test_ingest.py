"""The ingest service: row-by-row checks with stable codes and line numbers, good rows
stored beside bad ones, idempotence on the source id, the encodings and formats, a
gateway confined to its estates, devices registered on first sight, registered and
unregistered credentials, the district-local day, and the append-only tables."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import DatabaseError, connection, transaction
from django.utils import timezone, translation

from anju.core import services as core_services
from anju.core.api_auth import ApiKeyPrincipal
from anju.core.models import AuditEntry
from anju.households import services as hh
from anju.households.models import Credential
from anju.housing.models import Unit
from anju.supervision.models import (
    AccessEvent,
    Device,
    DeviceKind,
    IngestBatch,
    MeterReading,
)
from anju.supervision.services.ingest import ACCESS_COLUMNS, bulk_insert, ingest
from anju.supervision.services.ingest_read import IngestBodyError

pytestmark = pytest.mark.django_db

NOW = "2026-03-10 09:00 +08:00"
ACCESS = "event_id,device_id,unit_code,occurred_at,credential,person_ref,result"
METERS = "reading_id,meter_id,unit_code,kind,read_at,value"
T = "2026-03-01T08:15:00+08:00"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def body(header: str, *lines: str, encoding="utf-8", bom=False) -> bytes:
    text = "\n".join([header, *lines]) + "\n"
    return ("\ufeff" if bom else "").encode(encoding) + text.encode(encoding)


def run(kind, data, principal=None, **kwargs):
    with translation.override("en"):
        return ingest(kind=kind, data=data, principal=principal, channel="cli", **kwargs)


def counts(batch):
    return batch.rows, batch.accepted, batch.duplicates, batch.rejected


def codes(batch) -> dict[int, str]:
    return {e["line"]: e["code"] for e in batch.errors}


def gateway(cast, *estates, scopes=("ingest",)):
    key, _secret = core_services.apikey_issue(
        actor=cast.users["secadmin"],
        name="gateway",
        organisation=cast.operator_1,
        estates=list(estates),
        scopes=list(scopes),
    )
    return ApiKeyPrincipal(key)


# --- Good and bad rows ---------------------------------------------------------------------


def test_each_bad_row_is_rejected_with_its_line_code_and_reason_and_good_rows_are_stored(cast):
    a = cast.unit_a.code
    data = body(
        ACCESS,
        f"ok-1,L-1,{a},{T},face,,granted",  # 2
        f",L-1,{a},{T},face,,granted",  # 3 missing event_id
        f"bad-unit,L-1,NOWHERE-1,{T},face,,granted",  # 4
        f"no-offset,L-1,{a},2026-03-01T08:15:00,face,,granted",  # 5
        f"not-time,L-1,{a},yesterday,face,,granted",  # 6
        f"future,L-1,{a},2026-03-20T08:00:00+08:00,face,,granted",  # 7
        f"epoch,L-1,{a},1970-01-01T00:00:00+00:00,face,,granted",  # 8
        f"bad-cred,L-1,{a},{T},retina,,granted",  # 9
        f"bad-result,L-1,{a},{T},card,,maybe",  # 10
        f"{'x' * 65},L-1,{a},{T},card,,granted",  # 11
        f"long-ref,L-1,{a},{T},card,{'r' * 65},granted",  # 12
        f"no-result,L-1,{a},{T},card,,",  # 13
        f"ok-2,L-1,{a},2026-03-01T00:15:00Z,KEY,,DENIED",  # 14
    )
    batch = run("access", data)
    assert counts(batch) == (13, 2, 0, 11)
    assert codes(batch) == {
        3: "missing_field",
        4: "unknown_unit",
        5: "bad_timestamp",
        6: "bad_timestamp",
        7: "future_timestamp",
        8: "old_timestamp",
        9: "bad_credential",
        10: "bad_result",
        11: "id_too_long",
        12: "id_too_long",
        13: "missing_field",
    }
    reasons = {e["line"]: e["reason"] for e in batch.errors}
    assert reasons[3] == "missing field: event_id"
    assert reasons[4] == "no unit NOWHERE-1 among your estates"
    assert "retina" in reasons[9] and "face, card, fingerprint, password or key" in reasons[9]
    assert reasons[13] == "missing field: result"
    assert {e["line"]: e["id"] for e in batch.errors}[9] == "bad-cred"
    stored = {e.event_id: e for e in AccessEvent.objects.all()}
    assert set(stored) == {"ok-1", "ok-2"}
    assert stored["ok-2"].credential == "key" and stored["ok-2"].granted is False


def test_meter_rows_are_checked_for_kind_and_value(cast):
    a = cast.unit_a.code
    data = body(
        METERS,
        f"r-1,EM-1,{a},electricity,{T},1532.4",
        f"r-2,WM-1,{a},steam,{T},10",
        f"r-3,WM-1,{a},water,{T},-1",
        f"r-4,WM-1,{a},water,{T},lots",
        f"r-5,WM-1,{a},water,{T},NaN",
        f"r-6,WM-1,{a},water,{T},1e20",
        f"r-7,WM-1,{a},Water,{T},0.0004",
    )
    batch = run("meters", data)
    assert counts(batch) == (7, 2, 0, 5)
    assert codes(batch) == {
        3: "bad_meter_kind",
        4: "bad_value",
        5: "bad_value",
        6: "bad_value",
        7: "bad_value",
    }
    values = dict(MeterReading.objects.values_list("reading_id", "value"))
    assert values == {"r-1": Decimal("1532.400"), "r-7": Decimal("0.000")}


def test_a_batch_of_only_bad_rows_stores_no_record_but_keeps_the_batch(cast):
    batch = run("access", body(ACCESS, f"e,L-1,NOWHERE,{T},face,,granted"))
    assert counts(batch) == (1, 0, 0, 1)
    assert not AccessEvent.objects.exists() and not Device.objects.exists()
    assert IngestBatch.objects.get().errors[0]["code"] == "unknown_unit"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_body"),
        (b"   \n", "empty_body"),
        (b"\xff\xfe\xfa\xfb" * 10, "unreadable_body"),
        (b"event_id,device_id\nx,y\n", "missing_columns"),
        (b'[{"event_id": "x"}]', "json_array"),
    ],
)
def test_an_unreadable_body_is_refused_as_a_whole_and_writes_nothing(cast, data, code):
    with pytest.raises(IngestBodyError) as caught:
        run("access", data)
    assert caught.value.code == code
    assert not IngestBatch.objects.exists() and not AccessEvent.objects.exists()


# --- Idempotence ---------------------------------------------------------------------------


def test_resending_a_batch_stores_nothing_twice(cast):
    a = cast.unit_a.code
    data = body(
        ACCESS,
        f"e-1,L-1,{a},{T},face,,granted",
        f"e-2,L-1,{a},{T},card,,granted",
        f"e-1,L-1,{a},{T},face,,granted",  # repeated within the batch
    )
    first = run("access", data)
    assert counts(first) == (3, 2, 1, 0)
    again = run("access", data)
    assert counts(again) == (3, 0, 3, 0)
    assert AccessEvent.objects.count() == 2
    assert set(AccessEvent.objects.values_list("batch", flat=True)) == {first.pk}


def test_a_partly_sent_batch_is_completed_by_sending_it_again(cast):
    a = cast.unit_a.code
    lines = [f"r-{i},EM-1,{a},electricity,2026-03-0{i}T00:00:00+08:00,{i}00" for i in range(1, 6)]
    run("meters", body(METERS, *lines[:2]))
    batch = run("meters", body(METERS, *lines))
    assert counts(batch) == (5, 3, 2, 0)
    assert MeterReading.objects.count() == 5


# --- Formats and encodings -----------------------------------------------------------------


def test_gb18030_csv_from_a_chinese_excel_is_read(cast):
    a = cast.unit_a.code
    data = body(ACCESS, f"事件-1,门锁-1,{a},{T},face,张三,granted", encoding="gb18030")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    batch = run("access", data)
    assert counts(batch) == (1, 1, 0, 0)
    event = AccessEvent.objects.get()
    assert (event.event_id, event.person_ref) == ("事件-1", "张三")
    assert Device.objects.get().code == "门锁-1"


def test_utf8_with_a_byte_order_mark_and_crlf_lines_is_read(cast):
    a = cast.unit_a.code
    text = "\r\n".join([ACCESS, f"e-1,L-1,{a},{T},face,,granted", ""])
    batch = run("access", "\ufeff".encode() + text.encode())
    assert counts(batch) == (1, 1, 0, 0)
    assert batch.format == "csv"


def test_quoted_fields_are_read_and_lines_are_counted_in_the_file(cast):
    a = cast.unit_a.code
    data = body(
        ACCESS,
        f'"e-1",L-1,{a},{T},face,"Wang, Xiaoming",granted',  # 2
        f'e-2,L-1,{a},{T},face,"two\nlines",granted',  # 3–4
        f"e-3,L-1,{a},{T},retina,,granted",  # 5
        "",
        f"e-4,L-1,{a},{T},card,,granted\r",  # 7 (a stray CR is read as a line end)
    )
    batch = run("access", data)
    assert codes(batch) == {5: "bad_credential"}
    assert counts(batch) == (4, 3, 0, 1)
    refs = dict(AccessEvent.objects.values_list("event_id", "person_ref"))
    assert refs == {"e-1": "Wang, Xiaoming", "e-2": "two\nlines", "e-4": ""}


def test_spaces_around_values_are_ignored_and_a_short_row_misses_its_fields(cast):
    a = cast.unit_a.code
    data = body(
        ACCESS,
        f" e-1 , L-1 ,{a} , {T} ,\tFace , ,  granted ",
        f"e-2,L-1,{a},{T},face",  # the last two columns are missing
    )
    batch = run("access", data)
    assert counts(batch) == (2, 1, 0, 1)
    assert batch.errors[0]["reason"] == "missing field: result"
    event = AccessEvent.objects.get()
    assert (event.event_id, event.device.code, event.credential) == ("e-1", "L-1", "face")


def test_columns_may_come_in_any_order_with_extra_columns(cast):
    a = cast.unit_a.code
    header = "Result,unit_code,event_id,occurred_at,credential,person_ref,device_id,gateway"
    batch = run("access", body(header, f"granted,{a},e-1,{T},face,,L-1,gw-7"))
    assert counts(batch) == (1, 1, 0, 0)
    assert AccessEvent.objects.get().device.code == "L-1"


def test_ndjson_is_detected_and_its_bad_lines_are_named(cast):
    a = cast.unit_a.code
    lines = [
        f'{{"reading_id": "r-1", "meter_id": "EM-1", "unit_code": "{a}", '
        f'"kind": "electricity", "read_at": "{T}", "value": 1532.4}}',
        "",
        "this is not json",
        '["an", "array"]',
        f'{{"reading_id": "r-2", "meter_id": "EM-1", "unit_code": "{a}", '
        f'"kind": "electricity", "read_at": "{T}"}}',
        f'{{"reading_id": 3, "meter_id": "EM-1", "unit_code": "{a}", '
        f'"kind": "electricity", "read_at": "2026-03-02T08:15:00+08:00", "value": "1540"}}',
    ]
    batch = run("meters", "\n".join(lines).encode())
    assert batch.format == "ndjson"
    assert counts(batch) == (5, 2, 0, 3)
    assert codes(batch) == {3: "bad_json", 4: "bad_json", 5: "missing_field"}
    assert set(MeterReading.objects.values_list("reading_id", flat=True)) == {"r-1", "3"}


def test_ndjson_door_events_with_a_null_person_reference(cast):
    a = cast.unit_a.code
    line = (
        f'{{"event_id": "e-1", "device_id": "L-1", "unit_code": "{a}", '
        f'"occurred_at": "{T}", "credential": "card", "person_ref": null, "result": "granted"}}'
    )
    batch = run("access", line.encode(), fmt="ndjson")
    assert counts(batch) == (1, 1, 0, 0)
    assert AccessEvent.objects.get().person_ref == ""


# --- Scope ---------------------------------------------------------------------------------


def test_a_gateway_cannot_post_for_another_estates_units(cast):
    principal = gateway(cast, cast.e1)
    data = body(
        ACCESS,
        f"e-1,L-1,{cast.unit_a.code},{T},face,,granted",
        f"e-2,L-2,{cast.unit_c.code},{T},face,,granted",  # Charlie's unit, in E2
    )
    batch = run("access", data, principal=principal)
    assert counts(batch) == (2, 1, 0, 1)
    error = batch.errors[0]
    # Told exactly as for a unit that does not exist.
    assert (error["line"], error["code"]) == (3, "unknown_unit")
    assert error["reason"] == f"no unit {cast.unit_c.code} among your estates"
    assert list(AccessEvent.objects.values_list("unit", flat=True)) == [cast.unit_a.pk]
    assert not Device.objects.filter(code="L-2").exists()
    assert batch.api_key_id == principal.key.pk
    assert set(batch.estates.all()) == {cast.e1}


def test_a_staff_member_posts_only_for_their_estates(cast):
    data = body(ACCESS, f"e-2,L-2,{cast.unit_c.code},{T},face,,granted")
    batch = run("access", data, principal=cast.users["operator"])
    assert codes(batch) == {2: "unknown_unit"}
    batch = run("access", data, principal=cast.users["officer"])
    assert counts(batch) == (1, 1, 0, 0)
    assert batch.actor == cast.users["officer"]


def test_the_command_line_can_be_narrowed_to_an_estate(cast):
    data = body(
        ACCESS,
        f"e-1,L-1,{cast.unit_a.code},{T},face,,granted",
        f"e-2,L-2,{cast.unit_c.code},{T},face,,granted",
    )
    batch = run("access", data, estate_codes=["E2"])
    assert codes(batch) == {2: "unknown_unit"}
    assert list(AccessEvent.objects.values_list("event_id", flat=True)) == ["e-2"]


# --- Devices -------------------------------------------------------------------------------


def test_a_device_seen_for_the_first_time_is_registered_unconfirmed_to_its_unit(cast):
    a = cast.unit_a.code
    run("access", body(ACCESS, f"e-1,L-NEW,{a},{T},face,,granted"))
    run("meters", body(METERS, f"r-1,WM-NEW,{a},water,{T},12.5"))
    lock, meter = Device.objects.get(code="L-NEW"), Device.objects.get(code="WM-NEW")
    assert (lock.kind, lock.unit, lock.estate, lock.confirmed_at) == (
        DeviceKind.LOCK,
        cast.unit_a,
        cast.e1,
        None,
    )
    assert (meter.kind, meter.meter_kind, meter.unit) == (DeviceKind.METER, "water", cast.unit_a)
    assert AccessEvent.objects.get().device == lock
    assert MeterReading.objects.get().meter == meter
    audit = AuditEntry.objects.filter(action="ingest.batch").order_by("id").first()
    assert audit.changes["devices_registered"] == 1


def test_a_device_of_another_estate_or_kind_is_rejected(cast):
    a, c = cast.unit_a.code, cast.unit_c.code
    run("access", body(ACCESS, f"e-1,L-1,{a},{T},face,,granted"))
    run("meters", body(METERS, f"r-1,WM-1,{a},water,{T},1"))
    batch = run(
        "access",
        body(
            ACCESS,
            f"e-2,L-1,{c},{T},face,,granted",  # the lock belongs to E1
            f"e-3,WM-1,{a},{T},face,,granted",  # a water meter opening a door
            f"e-4,L-9,{c},{T},face,,granted",  # new, registered to E2 by this row…
            f"e-5,L-9,{a},{T},face,,granted",  # …so E1 is another estate
        ),
    )
    assert counts(batch) == (4, 1, 0, 3)
    assert codes(batch) == {
        2: "device_other_estate",
        3: "device_other_kind",
        5: "device_other_estate",
    }
    reasons = {e["line"]: e["reason"] for e in batch.errors}
    assert reasons[2] == "device L-1 is registered to another estate (E1)"
    assert reasons[3] == "device WM-1 is registered as a water meter"
    batch = run("meters", body(METERS, f"r-2,WM-1,{a},gas,{T},1", f"r-3,L-1,{a},gas,{T},1"))
    assert codes(batch) == {2: "device_other_kind", 3: "device_other_kind"}


def test_a_gate_takes_events_for_every_unit_of_its_estate(cast):
    gate = Device.objects.create(code="GATE-1", kind=DeviceKind.GATE, estate=cast.e1)
    other = Unit.objects.filter(estate=cast.e1).exclude(pk=cast.unit_a.pk).first()
    data = body(
        ACCESS,
        f"e-1,GATE-1,{cast.unit_a.code},{T},card,,granted",
        f"e-2,GATE-1,{other.code},{T},card,,granted",
    )
    batch = run("access", data)
    assert counts(batch) == (2, 2, 0, 0)
    assert set(AccessEvent.objects.values_list("device", flat=True)) == {gate.pk}


# --- Registered and unregistered -----------------------------------------------------------


def test_only_a_current_members_enrolled_credential_in_their_own_unit_is_registered(cast):
    officer = cast.users["officer"]
    alice_head = cast.alice_household.head
    charlie_head = cast.charlie_household.head
    child = cast.alice_household.members.exclude(pk=alice_head.pk).get()
    hh.credential_add(alice_head, actor=officer, kind="face", ref="F-ALICE")
    hh.credential_add(child, actor=officer, kind="card", ref="C-CHILD")
    hh.credential_add(charlie_head, actor=officer, kind="card", ref="C-CHARLIE")
    a = cast.unit_a.code
    data = body(
        ACCESS,
        f"e-1,L-1,{a},{T},face,F-ALICE,granted",  # registered
        f"e-2,L-1,{a},{T},card,C-CHILD,granted",  # registered
        f"e-3,L-1,{a},{T},card,C-CHARLIE,granted",  # another household's member
        f"e-4,L-1,{a},{T},card,F-ALICE,granted",  # right ref, wrong kind
        f"e-5,L-1,{a},{T},face,,granted",  # no person reference
        f"e-6,L-1,{a},{T},key,F-ALICE,granted",  # a mechanical key is never anyone
        f"e-7,L-1,{a},{T},face,F-UNKNOWN,granted",
    )
    run("access", data)
    rows = {
        e["event_id"]: (e["registered"], e["member"], e["household"])
        for e in AccessEvent.objects.values("event_id", "registered", "member", "household")
    }
    household = cast.alice_household.pk
    assert rows == {
        "e-1": (True, alice_head.pk, household),
        "e-2": (True, child.pk, household),
        "e-3": (False, None, household),
        "e-4": (False, None, household),
        "e-5": (False, None, household),
        "e-6": (False, None, household),
        "e-7": (False, None, household),
    }


def test_a_member_who_left_or_a_revoked_credential_is_unregistered(cast):
    officer = cast.users["officer"]
    head = cast.alice_household.head
    child = cast.alice_household.members.exclude(pk=head.pk).get()
    cred = hh.credential_add(head, actor=officer, kind="card", ref="C-HEAD")
    hh.credential_add(child, actor=officer, kind="card", ref="C-CHILD")
    hh.member_leave(child, actor=officer, on=datetime.date(2026, 2, 1))
    # The households app has no service to revoke a credential yet.
    Credential.objects.filter(pk=cred.pk).update(revoked_at=timezone.now())
    a = cast.unit_a.code
    run(
        "access",
        body(
            ACCESS, f"e-1,L-1,{a},{T},card,C-HEAD,granted", f"e-2,L-1,{a},{T},card,C-CHILD,granted"
        ),
    )
    assert AccessEvent.objects.count() == 2
    assert not AccessEvent.objects.filter(registered=True).exists()


def test_a_vacant_units_events_have_no_household(cast):
    run("access", body(ACCESS, f"e-1,L-V,{cast.vacant_e1.code},{T},card,X,granted"))
    event = AccessEvent.objects.get()
    assert (event.household, event.registered) == (None, False)


def test_the_lookups_of_a_batch_do_not_grow_with_its_rows(cast, django_assert_max_num_queries):
    a = cast.unit_a.code
    small = body(ACCESS, *[f"s-{i},L-{i % 3},{a},{T},card,R-{i},granted" for i in range(3)])
    large = body(ACCESS, *[f"l-{i},L-{i % 3},{a},{T},card,R-{i},granted" for i in range(400)])
    run("access", small)  # registers the three locks
    with django_assert_max_num_queries(20) as few:
        run("access", small.replace(b"s-", b"t-"))
    with django_assert_max_num_queries(len(few.captured_queries)):
        run("access", large)
    assert AccessEvent.objects.count() == 406


# --- Days and storage ----------------------------------------------------------------------


def test_the_day_is_the_district_local_date(cast):
    a = cast.unit_a.code
    data = body(
        ACCESS,
        f"e-1,L-1,{a},2026-03-01T23:30:00+08:00,card,,granted",
        f"e-2,L-1,{a},2026-03-01T16:30:00+00:00,card,,granted",  # 00:30 on the 2nd in China
        f"e-3,L-1,{a},2026-03-01T10:30:00-05:00,card,,granted",  # 23:30 on the 1st
    )
    run("access", data)
    days = dict(AccessEvent.objects.values_list("event_id", "day"))
    first = datetime.date(2026, 3, 1).toordinal()
    assert days == {"e-1": first, "e-2": first + 1, "e-3": first}
    at = AccessEvent.objects.get(event_id="e-2").occurred_at
    assert at == datetime.datetime(2026, 3, 1, 16, 30, tzinfo=datetime.UTC)


def test_the_bulk_insert_counts_exactly_what_it_stored_even_against_a_race(cast):
    # The batch's own rows are unique by the time they are stored; a repeated id here
    # stands for a row another batch stored in between, which makes PostgreSQL's plain
    # COPY fail and fall back to INSERT … ON CONFLICT DO NOTHING.
    a = cast.unit_a.code
    first = run("access", body(ACCESS, f"e-1,L-1,{a},{T},card,,granted"))
    device = Device.objects.get(code="L-1").pk
    at = datetime.datetime(2026, 3, 1, tzinfo=datetime.UTC)
    stamp = at if connection.vendor == "postgresql" else "2026-03-01 00:00:00"

    def row(event_id):
        unit = cast.unit_a.pk
        return (event_id, device, unit, None, None, stamp, 1, "card", "", False, True, first.pk)

    rows = [row("e-1"), row("e-2"), row("e-3"), row("e-2")]
    with transaction.atomic():
        inserted = bulk_insert(AccessEvent._meta.db_table, ACCESS_COLUMNS, "event_id", rows)
    assert inserted == 2
    assert sorted(AccessEvent.objects.values_list("event_id", flat=True)) == ["e-1", "e-2", "e-3"]


def test_the_event_tables_are_append_only(cast):
    a = cast.unit_a.code
    run("access", body(ACCESS, f"e-1,L-1,{a},{T},card,,granted"))
    run("meters", body(METERS, f"r-1,EM-1,{a},electricity,{T},10"))
    for model in (AccessEvent, MeterReading):
        with pytest.raises(DatabaseError) as caught, transaction.atomic():
            model.objects.update(day=1)
        assert "append-only" in str(caught.value)
    assert AccessEvent.objects.get().day == datetime.date(2026, 3, 1).toordinal()
