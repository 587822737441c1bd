import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from anju.core.errors import DomainError
from anju.housing.models import Estate
from anju.supervision.models import IngestChannel
from anju.supervision.services.ingest import ingest

KINDS = {"access": "access", "meters": "meters"}


class Command(BaseCommand):
    help = (
        "Ingest door events (`anju ingest access FILE`) or meter readings (`anju ingest "
        "meters FILE`) from a CSV or NDJSON file in the formats of docs/ingest.md; FILE '-' "
        "reads standard input. Every row is checked: good rows are stored, bad ones are "
        "listed with their line numbers, and records already stored are counted as "
        "duplicates. Prints the counts and the first errors; exits with status 1 when any "
        "row was rejected."
    )

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(KINDS), help="access or meters")
        parser.add_argument("file", help="the CSV or NDJSON file ('-' for standard input)")
        parser.add_argument(
            "--estate",
            action="append",
            dest="estates",
            metavar="CODE",
            help="accept rows only for units of this estate (repeat for several)",
        )
        parser.add_argument(
            "--format",
            choices=["csv", "ndjson"],
            dest="fmt",
            help="the file's format (default: detected from its first line)",
        )
        parser.add_argument(
            "--show-errors",
            type=int,
            default=20,
            metavar="N",
            help="how many rejected rows to print (default 20)",
        )

    def handle(self, *args, kind, file, estates, fmt, show_errors, **options):
        if estates:
            known = set(Estate.objects.filter(code__in=estates).values_list("code", flat=True))
            unknown = sorted(set(estates) - known)
            if unknown:
                raise CommandError(
                    _("No estate has the code %(codes)s.") % {"codes": ", ".join(unknown)}
                )
        try:
            if file == "-":
                data = sys.stdin.buffer.read()
            else:
                with open(file, "rb") as handle:
                    data = handle.read()
        except OSError as exc:
            raise CommandError(str(exc)) from exc
        try:
            batch = ingest(
                kind=KINDS[kind],
                data=data,
                principal=None,
                channel=IngestChannel.CLI,
                source=("stdin" if file == "-" else file)[-200:],
                fmt=fmt,
                estate_codes=estates,
            )
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        for error in batch.errors[:show_errors]:
            self.stdout.write(
                _("line %(line)s: %(code)s: %(reason)s")
                % {"line": error["line"], "code": error["code"], "reason": error["reason"]}
            )
        more = batch.rejected - min(show_errors, len(batch.errors))
        if more > 0:
            self.stdout.write(_("… and %(count)s more rejected rows.") % {"count": more})
        summary = _(
            "Batch %(batch)s: %(rows)s rows, %(accepted)s accepted, %(duplicates)s "
            "duplicates, %(rejected)s rejected."
        ) % {
            "batch": batch.pk,
            "rows": batch.rows,
            "accepted": batch.accepted,
            "duplicates": batch.duplicates,
            "rejected": batch.rejected,
        }
        if batch.rejected:
            raise CommandError(summary)
        self.stdout.write(self.style.SUCCESS(summary))
