from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from anju.admission.services.waiting import refreshes_close_due


class Command(BaseCommand):
    help = (
        "Close every yearly contact refresh whose answer date has passed: waiting "
        "households that did not answer are suspended (not deleted) and the positions "
        "recomputed. The nightly task does the same."
    )

    def handle(self, *args, **options):
        suspended = refreshes_close_due()
        self.stdout.write(
            self.style.SUCCESS(
                _("%(n)s households suspended for not answering.") % {"n": suspended}
            )
        )
