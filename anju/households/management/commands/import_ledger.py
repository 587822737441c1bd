from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from anju.core.models import User
from anju.households.ledger import ledger_import


class Command(BaseCommand):
    help = (
        "Import a legacy ledger (台账) file, CSV or XLSX, in the format of "
        "docs/ledger-format.md. Prints a summary and each bad row as 'line N: reason'. "
        "Nothing is written when a row is bad, unless --only-good-rows; exits with an "
        "error when rows are bad and nothing was written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the ledger file (.csv or .xlsx)")
        parser.add_argument(
            "--dry-run", action="store_true", help="check the file and report; write nothing"
        )
        parser.add_argument(
            "--only-good-rows",
            action="store_true",
            help="write the good households even when others are bad",
        )
        parser.add_argument(
            "--allow-new-estates",
            action="store_true",
            help="create estates the database does not know yet (rows must give estate_name)",
        )
        parser.add_argument("--user", help="the username recorded as the actor in the audit log")

    def handle(self, *args, file, dry_run, only_good_rows, allow_new_estates, user, **options):
        verbosity = options.get("verbosity", 1)
        actor = None
        if user:
            actor = User.objects.filter(username=user, is_active=True).first()
            if actor is None:
                raise CommandError(_("No active user is named %(user)s.") % {"user": user})

        def progress(done, total):
            if verbosity >= 2:
                self.stderr.write(f"{done}/{total}", ending="\r")

        try:
            with open(file, "rb") as handle:
                report = ledger_import(
                    handle,
                    actor=actor,
                    dry_run=dry_run,
                    only_good_rows=only_good_rows,
                    allow_new_estates=allow_new_estates,
                    progress=progress,
                )
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        for estate in report.new_estates:
            self.stdout.write(
                _(
                    "New estate %(code)s %(name)s: community %(community)s, operator "
                    "%(operator)s, property company %(property_company)s."
                )
                % estate
            )
        for error in report.errors:
            self.stdout.write(
                _("line %(line)s: %(reason)s") % {"line": error.line, "reason": error.reason}
            )
        summary = report.summary()
        if report.errors and not report.written:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary) if report.written else summary)
