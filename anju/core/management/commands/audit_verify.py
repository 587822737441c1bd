from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from anju.core.audit import verify_chain


class Command(BaseCommand):
    help = (
        "Walk the audit log's hash chain from the first entry and report the first "
        "broken link (an entry edited, inserted or deleted outside Anju)."
    )

    def handle(self, *args, **options):
        checked, broken = verify_chain()
        if broken is None:
            self.stdout.write(
                self.style.SUCCESS(_("Audit chain intact: %(n)s entries.") % {"n": checked})
            )
            return
        where = (_("entry #%(pk)s") % {"pk": broken.pk}) if broken.pk else str(broken)
        raise CommandError(
            _("Audit chain broken at %(where)s, after %(n)s intact entries.")
            % {"where": where, "n": checked}
        )
