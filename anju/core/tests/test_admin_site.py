import pytest
from django.urls import reverse

from anju.core.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_staff_without_superuser_cannot_enter_the_django_admin(cast, client_for):
    for username in ("officer", "sysadmin", "secadmin", "auditor"):
        response = client_for(username).get(reverse("admin:index"))
        assert response.status_code == 302, username
        assert "/login/" in response["Location"]


def test_superuser_change_in_the_admin_is_audited(cast, client):
    superuser = cast.users["sysadmin"].__class__.objects.create_superuser(
        "root", password="root-password-2026"
    )
    client.force_login(superuser)
    url = reverse("admin:core_organisation_change", args=[cast.agency.pk])
    response = client.post(
        url,
        {
            "code": "AG",
            "name": "民政局（改）",
            "kind": "agency",
            "parent": cast.authority.pk,
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.filter(action="admin.change").latest("id")
    assert entry.actor == superuser
    assert entry.changes["name"][1] == "民政局（改）"
