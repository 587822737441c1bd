import pytest
from django.core.management import call_command

from anju.core import pii
from anju.core.search import search
from anju.households.models import Member
from anju.testing.cast import IDS

pytestmark = pytest.mark.django_db


def _new_key(settings, new):
    old = settings.DATA_KEY
    settings.DATA_KEY, settings.DATA_KEY_FALLBACKS = new, [old]
    pii._cipher.cache_clear()
    pii._index_key.cache_clear()


def test_rotating_the_data_key_keeps_numbers_readable_and_findable(cast, settings):
    officer = cast.users["officer"]
    try:
        _new_key(settings, "a-brand-new-data-key-0123456789-0123456789")
        head = Member.objects.get(name="王小明")
        assert head.reveal_id_number() == IDS["alice"]  # the fallback still decrypts
        assert not search(officer, IDS["alice"])["members"]  # but the old index misses

        call_command("rotate_data_key", verbosity=0)

        head.refresh_from_db()
        assert head.reveal_id_number() == IDS["alice"]
        assert [m.name for m in search(officer, IDS["alice"])["members"]] == ["王小明"]
        settings.DATA_KEY_FALLBACKS = []
        pii._cipher.cache_clear()
        assert head.reveal_id_number() == IDS["alice"]  # readable without the old key
    finally:
        pii._cipher.cache_clear()
        pii._index_key.cache_clear()
