from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from anju.admission.services.notice import notices_close_due


class Command(BaseCommand):
    help = (
        "Close every public notice whose objection period has ended: households with no "
        "open objection join the waiting list. The nightly task does the same."
    )

    def handle(self, *args, **options):
        closed = notices_close_due()
        self.stdout.write(self.style.SUCCESS(_("%(n)s notices closed.") % {"n": closed}))
