from django.core.management.base import BaseCommand
from django.db import transaction

from anju.core import audit, pii
from anju.households.models import Member

BATCH = 2000


class Command(BaseCommand):
    help = (
        "After ANJU_DATA_KEY changes (old key moved to ANJU_DATA_KEY_FALLBACKS): "
        "re-encrypt every protected ID and phone number under the new key and rebuild "
        "their blind indexes, so exact lookups and uniqueness work again. Safe to re-run."
    )

    def handle(self, *args, **options):
        done, last = 0, 0
        while True:
            with transaction.atomic():
                members = list(Member.objects.filter(pk__gt=last).order_by("pk")[:BATCH])
                if not members:
                    break
                for m in members:
                    id_number, phone = m.reveal_id_number(), m.reveal_phone()
                    m.id_number_enc = pii.rotate(m.id_number_enc)
                    m.id_number_hash = pii.blind_index(id_number)
                    m.phone_enc = pii.rotate(m.phone_enc)
                    m.phone_hash = pii.blind_index(phone) if phone else ""
                Member.objects.bulk_update(
                    members, ["id_number_enc", "id_number_hash", "phone_enc", "phone_hash"]
                )
            done += len(members)
            last = members[-1].pk
            self.stdout.write(f"  {done:,} members re-keyed")
        audit.record(
            actor=None,
            action="pii.rotate_key",
            target=("pii", "", "data key"),
            changes={"members": done},
        )
        self.stdout.write(self.style.SUCCESS(f"Re-keyed {done:,} members."))
