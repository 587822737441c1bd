"""Protected personal data: ID and phone numbers never reach the database in plaintext,
are shown masked, and are revealed only to `pii.unmask` holders in scope, each reveal
recorded in the access log and on the household's timeline."""

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.urls import reverse

from anju.core import pii
from anju.core.models import AuditEntry, AuditKind, TimelineEntry
from anju.households import services as hh
from anju.testing.cast import IDS

pytestmark = pytest.mark.django_db

NEW_PHONE = "13712345678"
PHONES = ["13800000000", "13900000000", NEW_PHONE]


def _table_cells():
    """Every cell of every table, as text, with its table's name."""
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            for record in cursor.fetchall():
                for cell in record:
                    if isinstance(cell, bytes | memoryview):
                        cell = bytes(cell).decode("utf-8", errors="replace")
                    yield table, str(cell)


def _session_payloads():
    """Sessions are stored signed and compressed; read them as the application would."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT session_data FROM django_session")
        for (data,) in cursor.fetchall():
            yield str(SessionStore().decode(data))


def _database_bytes() -> bytes:
    """The raw database as stored. SQLite: the file (and its WAL), or the serialised
    in-memory image. PostgreSQL: every table's heap and TOAST files read from the server's
    disk after a checkpoint (this needs a superuser, which the test server is)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
            cursor.execute(
                "SELECT pg_relation_filepath(c.oid) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname IN ('public', 'pg_toast') AND c.relkind IN ('r', 't') "
                "AND pg_relation_filepath(c.oid) IS NOT NULL"
            )
            paths = [row[0] for row in cursor.fetchall()]
            raw = b""
            for path in paths:
                cursor.execute("SELECT pg_read_binary_file(%s, 0, 104857600, true)", [path])
                raw += bytes(cursor.fetchone()[0] or b"")
            return raw
    name = str(connection.settings_dict["NAME"])
    if connection.is_in_memory_db():
        connection.ensure_connection()
        return connection.connection.serialize()
    raw = b""
    for suffix in ("", "-wal", "-journal"):
        try:
            with open(name + suffix, "rb") as handle:
                raw += handle.read()
        except FileNotFoundError:
            pass
    return raw


@pytest.fixture
def updated(cast, client_for):
    """The cast, one phone number changed through the service, and a reveal through
    the page (so that sessions, messages and the access log have had their chance)."""
    head = cast.alice_household.head
    hh.member_update(head, actor=cast.users["officer"], phone=NEW_PHONE)
    response = client_for("officer").post(reverse("member_reveal", args=[head.pk, "id_number"]))
    assert response.status_code == 302
    return cast


def test_no_plaintext_id_or_phone_number_is_in_any_table(updated):
    secrets = [*IDS.values(), *PHONES]
    cells = list(_table_cells())
    found = [(table, s) for table, cell in cells for s in secrets if s in cell]
    assert not found, found
    # The dump is real: the masked forms and the names are there.
    text = "\n".join(cell for _table, cell in cells)
    assert pii.mask_id_number(IDS["alice"]) in text
    assert pii.mask_phone(NEW_PHONE) in text
    assert "王小明" in text


def test_no_plaintext_id_or_phone_number_is_in_the_sessions(updated):
    payloads = list(_session_payloads())
    assert payloads
    for payload in payloads:
        for secret in [*IDS.values(), *PHONES]:
            assert secret not in payload


def test_no_plaintext_id_or_phone_number_is_in_the_database_bytes(updated):
    raw = _database_bytes()
    assert pii.mask_id_number(IDS["alice"]).encode() in raw  # the image holds the data
    for secret in [*IDS.values(), *PHONES]:
        assert secret.encode() not in raw, secret


def test_the_old_phone_number_no_longer_finds_the_member(updated):
    head = updated.alice_household.head
    head.refresh_from_db()
    assert head.phone_masked == "137****5678"
    assert head.reveal_phone() == NEW_PHONE
    assert head.phone_hash == pii.blind_index(NEW_PHONE)
    assert head.phone_hash != pii.blind_index("13800000000")


def test_the_phone_change_is_audited_in_masked_form_only(updated):
    entry = AuditEntry.objects.filter(action="member.update").latest("id")
    assert entry.changes == {"phone_masked": ["138****0000", "137****5678"]}


def test_masking_keeps_the_first_six_and_last_four_characters(cast):
    assert pii.mask_id_number(IDS["alice"]) == "140402********1243"
    assert pii.mask_id_number(IDS["bob"]) == "140403********003X"
    assert pii.mask_phone("13800000000") == "138****0000"
    head = cast.alice_household.head
    assert head.id_number_masked == "140402********1243"
    assert head.phone_masked == "138****0000"
    assert head.birth_date.isoformat() == "1990-01-01"
    assert head.sex == "F"


def test_the_archive_page_shows_masked_numbers_only(cast, client_for):
    page = client_for("officer").get(reverse("household_detail", args=[cast.alice_household.pk]))
    text = page.content.decode()
    assert "140402********1243" in text
    assert "138****0000" in text
    for secret in (IDS["alice"], IDS["alice_child"], "13800000000"):
        assert secret not in text


def test_the_portal_shows_the_tenant_masked_numbers_only(cast, client_for):
    text = client_for("alice").get(reverse("portal_home")).content.decode()
    assert "140402********1243" in text
    assert IDS["alice"] not in text


def _reveal(client, member, field="id_number"):
    return client.post(reverse("member_reveal", args=[member.pk, field]), HTTP_HX_REQUEST="true")


def test_an_officer_reveals_the_full_id_number_and_it_is_logged(cast, client_for):
    head = cast.alice_household.head
    response = _reveal(client_for("officer"), head)
    assert response.status_code == 200
    assert IDS["alice"] in response.content.decode()
    entry = AuditEntry.objects.get(kind=AuditKind.ACCESS, action="reveal.id_number")
    assert entry.actor == cast.users["officer"]
    assert (entry.target_type, entry.target_id) == ("households.member", str(head.pk))
    assert entry.target_label == "王小明"
    assert entry.changes == {"household": "HH-A", "field": "id_number"}
    step = TimelineEntry.objects.get(verb="pii.unmasked")
    assert step.household == cast.alice_household
    assert step.actor == cast.users["officer"]
    assert step.data["name"] == "王小明" and step.data["field"] == "id_number"


def test_a_reveal_of_the_phone_number_is_logged_as_an_access(cast, client_for):
    head = cast.alice_household.head
    response = _reveal(client_for("community"), head, "phone")
    assert response.status_code == 200
    assert "13800000000" in response.content.decode()
    assert AuditEntry.objects.filter(
        kind=AuditKind.ACCESS, action="reveal.phone", target_id=str(head.pk)
    ).exists()


def test_an_officer_reveals_outside_the_e1_side_too(cast, client_for):
    response = _reveal(client_for("officer"), cast.charlie_household.head)
    assert response.status_code == 200
    assert IDS["charlie"] in response.content.decode()


def test_the_street_reviewer_may_not_reveal(cast, client_for):
    response = _reveal(client_for("street"), cast.alice_household.head)
    assert response.status_code == 403
    assert IDS["alice"] not in response.content.decode()
    assert not AuditEntry.objects.filter(kind=AuditKind.ACCESS).exists()
    assert not TimelineEntry.objects.filter(verb="pii.unmasked").exists()


def test_a_community_worker_cannot_reveal_the_other_sides_member(cast, client_for):
    response = _reveal(client_for("community"), cast.charlie_household.head)
    assert response.status_code == 404
    assert IDS["charlie"] not in response.content.decode()
    assert not AuditEntry.objects.filter(kind=AuditKind.ACCESS).exists()


def test_revealing_an_unknown_field_reveals_nothing(cast, client_for):
    head = cast.alice_household.head
    response = client_for("officer").post(
        reverse("member_reveal", args=[head.pk, "id_number_enc"]), follow=True
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert IDS["alice"] not in text
    assert head.id_number_enc not in text
    assert not AuditEntry.objects.filter(kind=AuditKind.ACCESS).exists()


def test_a_reveal_needs_a_post(cast, client_for):
    response = client_for("officer").get(
        reverse("member_reveal", args=[cast.alice_household.head.pk, "id_number"])
    )
    assert response.status_code == 405
    assert not AuditEntry.objects.filter(kind=AuditKind.ACCESS).exists()
