from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from anju.core.models import User
from anju.households.ledger import ledger_export
from anju.housing.models import Estate


class Command(BaseCommand):
    help = (
        "Write the ledger (台账) to FILE.xlsx or FILE.csv in the import format of "
        "docs/ledger-format.md: one row per current member and one per vacant unit, with "
        "full ID and phone numbers. The export is recorded in the access log."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="where to write: a .xlsx or .csv path")
        parser.add_argument(
            "--estate",
            action="append",
            default=[],
            metavar="CODE",
            help="export only this estate (repeat for several)",
        )
        parser.add_argument("--user", help="the username recorded in the access log")

    def handle(self, *args, file, estate, user, **options):
        if not file.lower().endswith((".xlsx", ".csv")):
            raise CommandError(_("Name the file .xlsx or .csv."))
        actor = None
        if user:
            actor = User.objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(_("No active user is named %(user)s.") % {"user": user})
        estates = None
        if estate:
            estates = Estate.objects.filter(code__in=estate)
            unknown = set(estate) - set(estates.values_list("code", flat=True))
            if unknown:
                raise CommandError(
                    _("Unknown estate code: %(codes)s") % {"codes": ", ".join(sorted(unknown))}
                )
        result = ledger_export(file, actor=actor, estates=estates)
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Wrote %(rows)s rows (%(households)s households, %(members)s members, "
                    "%(vacant)s vacant units) to %(file)s."
                )
                % {
                    "rows": result.rows,
                    "households": result.households,
                    "members": result.members,
                    "vacant": result.vacant_units,
                    "file": file,
                }
            )
        )
