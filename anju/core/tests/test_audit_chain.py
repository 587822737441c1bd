import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from anju.core import audit
from anju.core.models import AuditEntry

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english():
    # Commands speak the site's language (Chinese by default); these assert English text.
    with translation.override("en"):
        yield


def _three_entries():
    for i in range(3):
        audit.record(
            actor=None, action="test", target=("thing", i, f"thing {i}"), changes={"n": [i, i + 1]}
        )
    return list(AuditEntry.objects.order_by("id"))


def test_untouched_chain_verifies(capsys):
    _three_entries()
    call_command("audit_verify")
    assert "intact: 3 entries" in capsys.readouterr().out


def test_edited_entry_is_reported_as_the_first_broken_link():
    entries = _three_entries()
    AuditEntry.objects.filter(pk=entries[1].pk).update(changes={"n": [0, 99]})
    with pytest.raises(CommandError, match=f"entry #{entries[1].pk}"):
        call_command("audit_verify")


def test_deleted_middle_entry_breaks_the_chain():
    entries = _three_entries()
    AuditEntry.objects.filter(pk=entries[1].pk).delete()
    with pytest.raises(CommandError, match=f"entry #{entries[2].pk}"):
        call_command("audit_verify")


def test_deleted_newest_entry_is_noticed_through_the_head():
    entries = _three_entries()
    AuditEntry.objects.filter(pk=entries[2].pk).delete()
    with pytest.raises(CommandError, match="head expects"):
        call_command("audit_verify")
