"""The ledger pages end to end: upload → check job → preview → confirm → import job.
Tasks run immediately in tests (ANJU_TASKS_IMMEDIATE), through the real huey task."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from anju.core.models import JobRun
from anju.households.models import Household

pytestmark = pytest.mark.django_db(transaction=True)

EXAMPLES = Path(__file__).resolve().parents[3] / "docs" / "examples"


def _upload(client, name):
    data = (EXAMPLES / name).read_bytes()
    return client.post(
        reverse("ledger_import"),
        {
            "file": SimpleUploadedFile(name, data, content_type="text/csv"),
            "allow_new_estates": "on",
        },
    )


def test_officer_checks_then_imports_the_example_ledger(cast, client_for):
    client = client_for("officer")
    response = _upload(client, "ledger-example.csv")
    assert response.status_code == 302
    check = JobRun.objects.get(kind="ledger.check")
    assert check.status == "done", check.message
    assert check.result["written"] is False
    page = client.get(reverse("ledger_job", args=[check.pk]))
    assert page.status_code == 200
    assert "ledger-confirm" in page.content.decode()
    before = Household.objects.count()
    response = client.post(reverse("ledger_job_confirm", args=[check.pk]))
    assert response.status_code == 302
    imported = JobRun.objects.get(kind="ledger.import")
    assert imported.status == "done", imported.message
    assert imported.result["written"] is True
    assert Household.objects.count() > before


def test_bad_file_shows_each_bad_row_and_refuses_a_plain_import(cast, client_for):
    client = client_for("officer")
    _upload(client, "ledger-bad-example.csv")
    check = JobRun.objects.get(kind="ledger.check")
    page = client.get(reverse("ledger_job", args=[check.pk])).content.decode()
    assert "ledger-errors" in page
    first = check.result["errors"][0]
    assert f"<td>{first['line']}</td>" in page
    before = Household.objects.count()
    client.post(reverse("ledger_job_confirm", args=[check.pk]))
    assert not JobRun.objects.filter(kind="ledger.import").exists()
    assert Household.objects.count() == before


def test_someone_elses_job_is_not_found(cast, client_for):
    _upload(client_for("officer"), "ledger-example.csv")
    check = JobRun.objects.get(kind="ledger.check")
    other = cast.users["officer"].__class__.objects.create_user("officer2", password="x" * 12)
    other.roles.create(role="authority_officer")
    other.organisation = cast.authority
    other.save()
    from django.test import Client

    c = Client()
    c.force_login(other)
    assert c.get(reverse("ledger_job", args=[check.pk])).status_code == 404


def test_export_downloads_an_xlsx_and_logs_an_access(cast, client_for):
    from anju.core.models import AuditEntry

    response = client_for("officer").get(reverse("ledger_export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert AuditEntry.objects.filter(kind="access", action="ledger.export").exists()
    assert client_for("street").get(reverse("ledger_export")).status_code == 403
