"""The device registry: devices register themselves on first sight, staff confirm them
(a lock, or the estate's gate) or retire them, and the list shows each device's last
report without a query per device."""

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from anju.core.errors import DomainError
from anju.core.models import AuditEntry, TimelineEntry
from anju.supervision.models import AccessEvent, Device, DeviceKind
from anju.supervision.services.ingest import ingest
from anju.supervision.services.ingest_devices import device_confirm, device_retire

pytestmark = pytest.mark.django_db

ACCESS = "event_id,device_id,unit_code,occurred_at,credential,person_ref,result"
METERS = "reading_id,meter_id,unit_code,kind,read_at,value"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel("2026-03-10 09:00 +08:00", tick=False), translation.override("en"):
        yield


def body(header, *lines) -> bytes:
    return ("\n".join([header, *lines]) + "\n").encode()


def seen(unit, code, event="e-1", at="2026-03-01T08:00:00+08:00"):
    ingest(
        kind="access",
        data=body(ACCESS, f"{event},{code},{unit.code},{at},card,,granted"),
        principal=None,
        channel="cli",
    )
    return Device.objects.get(code=code)


def meter(unit, code):
    ingest(
        kind="meters",
        data=body(METERS, f"r-{code},{code},{unit.code},water,2026-03-02T00:00:00+08:00,5"),
        principal=None,
        channel="cli",
    )
    return Device.objects.get(code=code)


# --- The services --------------------------------------------------------------------------


def test_confirming_a_device_records_who_and_when(cast):
    officer = cast.users["operator"]
    lock = seen(cast.unit_a, "L-1")
    device_confirm(lock, actor=officer, notes="front door")
    lock.refresh_from_db()
    assert lock.confirmed_by == officer and lock.confirmed_at is not None
    assert (lock.kind, lock.unit, lock.notes) == (DeviceKind.LOCK, cast.unit_a, "front door")
    assert AuditEntry.objects.filter(action="device.confirm", target_id=str(lock.pk)).count() == 1
    entry = TimelineEntry.objects.get(unit=cast.unit_a, verb="device.confirmed")
    assert entry.data == {"code": "L-1", "kind": "lock"}


def test_a_device_confirmed_as_the_gate_serves_the_whole_estate(cast):
    lock = seen(cast.unit_a, "G-1")
    device_confirm(lock, actor=cast.users["officer"], as_gate=True)
    lock.refresh_from_db()
    assert (lock.kind, lock.unit) == (DeviceKind.GATE, None)
    other = cast.vacant_e1
    seen(other, "G-1", event="e-2")
    assert AccessEvent.objects.filter(device=lock).count() == 2


def test_the_wrong_confirmations_are_refused(cast):
    officer = cast.users["officer"]
    lock = seen(cast.unit_a, "L-1")
    device_confirm(lock, actor=officer)
    with pytest.raises(DomainError) as caught:
        device_confirm(lock, actor=officer)
    assert caught.value.code == "device_confirmed"
    water = meter(cast.unit_a, "WM-1")
    with pytest.raises(DomainError) as caught:
        device_confirm(water, actor=officer, as_gate=True)
    assert caught.value.code == "meter_not_gate"
    water.refresh_from_db()
    assert water.confirmed_at is None


def test_retiring_needs_a_reason_and_happens_once(cast):
    officer = cast.users["officer"]
    lock = seen(cast.unit_a, "L-1")
    with pytest.raises(DomainError):
        device_retire(lock, actor=officer, reason="  ")
    device_retire(lock, actor=officer, reason="replaced by a new lock")
    lock.refresh_from_db()
    assert lock.retired_at is not None and lock.notes == "replaced by a new lock"
    with pytest.raises(DomainError):
        device_retire(lock, actor=officer, reason="again")
    with pytest.raises(DomainError) as caught:
        device_confirm(lock, actor=officer)
    assert caught.value.code == "device_retired"
    assert TimelineEntry.objects.filter(unit=cast.unit_a, verb="device.retired").count() == 1


def test_a_retired_device_that_reports_again_is_still_stored(cast):
    lock = seen(cast.unit_a, "L-1")
    device_retire(lock, actor=cast.users["officer"], reason="removed")
    seen(cast.unit_a, "L-1", event="e-2")
    assert AccessEvent.objects.filter(device=lock).count() == 2


# --- The page ------------------------------------------------------------------------------


def test_the_list_shows_the_users_devices_with_their_last_report(cast, client_for):
    seen(cast.unit_a, "L-IN", at="2026-03-01T08:00:00+08:00")
    seen(cast.unit_a, "L-IN", event="e-2", at="2026-03-05T21:30:00+08:00")
    meter(cast.unit_a, "WM-IN")
    seen(cast.unit_c, "L-OUT", event="e-3")
    response = client_for("operator").get(reverse("device_list"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "L-IN" in page and "WM-IN" in page and "L-OUT" not in page
    assert "2026-03-05 21:30" in page and "2026-03-02 00:00" in page
    assert response.context["unconfirmed"] == 2
    assert "L-OUT" in client_for("officer").get(reverse("device_list")).content.decode()


def test_the_list_filters_by_kind_state_and_estate(cast, client_for):
    lock = seen(cast.unit_a, "L-1")
    seen(cast.unit_a, "L-2", event="e-2")
    meter(cast.unit_a, "WM-1")
    device_confirm(lock, actor=cast.users["officer"])
    device_retire(Device.objects.get(code="L-2"), actor=cast.users["officer"], reason="gone")
    client = client_for("officer")

    def codes(**params):
        response = client.get(reverse("device_list"), params)
        return sorted(d.code for d in response.context["page"])

    assert codes() == ["L-1", "WM-1"]
    assert codes(kind="meter") == ["WM-1"]
    assert codes(state="unconfirmed") == ["WM-1"]
    assert codes(state="retired") == ["L-2"]
    assert codes(estate=cast.e2.pk) == []


def test_the_list_does_not_query_per_device(cast, client_for, django_assert_max_num_queries):
    client = client_for("operator")
    seen(cast.unit_a, "L-0")
    with django_assert_max_num_queries(50) as few:
        client.get(reverse("device_list"))
    for i in range(1, 8):
        seen(cast.unit_a, f"L-{i}", event=f"e-{i}")
        meter(cast.unit_a, f"WM-{i}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("device_list"))
    assert len(response.context["page"]) == 15


def test_confirm_and_retire_from_the_page(cast, client_for):
    lock = seen(cast.unit_a, "L-1")
    client = client_for("operator")
    back = reverse("device_list") + "?state=unconfirmed"
    response = client.post(reverse("device_confirm", args=[lock.pk]), {"next": back})
    assert response.status_code == 302 and response["Location"] == back
    lock.refresh_from_db()
    assert lock.confirmed_by == cast.users["operator"]
    response = client.post(reverse("device_retire", args=[lock.pk]), {"reason": "broken"})
    assert response["Location"] == reverse("device_list")
    lock.refresh_from_db()
    assert lock.retired_at is not None


def test_a_retirement_without_a_reason_says_why_and_changes_nothing(cast, client_for):
    lock = seen(cast.unit_a, "L-1")
    response = client_for("operator").post(
        reverse("device_retire", args=[lock.pk]), {"reason": ""}, follow=True
    )
    assert "alert-danger" in response.content.decode()
    lock.refresh_from_db()
    assert lock.retired_at is None


def test_a_second_confirmation_is_an_error_message(cast, client_for):
    lock = seen(cast.unit_a, "L-1")
    client = client_for("operator")
    client.post(reverse("device_confirm", args=[lock.pk]))
    response = client.post(reverse("device_confirm", args=[lock.pk]), follow=True)
    assert "该设备已确认" in response.content.decode()  # the district's language


def test_an_unsafe_next_address_is_not_followed(cast, client_for):
    lock = seen(cast.unit_a, "L-1")
    response = client_for("operator").post(
        reverse("device_confirm", args=[lock.pk]), {"next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("device_list")


def test_the_actions_are_scoped_guarded_and_post_only(cast, client_for):
    mine, theirs = seen(cast.unit_a, "L-1"), seen(cast.unit_c, "L-2", event="e-2")
    assert (
        client_for("operator").post(reverse("device_confirm", args=[theirs.pk])).status_code == 404
    )
    assert client_for("auditor").post(reverse("device_confirm", args=[mine.pk])).status_code == 403
    assert (
        client_for("street")
        .post(reverse("device_retire", args=[mine.pk]), {"reason": "x"})
        .status_code
        == 403
    )
    assert client_for("operator").get(reverse("device_confirm", args=[mine.pk])).status_code == 405
    assert client_for("repairer").get(reverse("device_list")).status_code == 403
    mine.refresh_from_db()
    assert mine.confirmed_at is None and mine.retired_at is None
