from django.core.management.base import BaseCommand, CommandError

from anju.core.audit import verify_chain


class Command(BaseCommand):
    help = (
        "Walk the audit log's hash chain from the first entry and report the first "
        "broken link (an entry edited, inserted or deleted outside Anju)."
    )

    def handle(self, *args, **options):
        checked, broken = verify_chain()
        if broken is None:
            self.stdout.write(self.style.SUCCESS(f"Audit chain intact: {checked} entries."))
            return
        where = f"entry #{broken.pk}" if broken.pk else str(broken)
        raise CommandError(f"Audit chain broken at {where}, after {checked} intact entries.")
