import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core.errors import DomainError
from anju.supervision import thresholds
from anju.supervision.models import RunTrigger
from anju.supervision.services.screening import flags_csv, screening_run, screening_verdict


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(_("Give the date as YYYY-MM-DD: %(text)s") % {"text": text}) from exc


class Command(BaseCommand):
    help = (
        "Screen every occupied unit's door and meter data over a window of days for idle "
        "units, sublets, overcrowding and changes of use. The run and its flags are kept "
        "(the screening results page shows them), and the flags are written as CSV: "
        "unit_code, flag, score (0–1), evidence. Without --output the CSV goes to "
        "standard output."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--until",
            help="the window's last day, YYYY-MM-DD (default: yesterday)",
        )
        parser.add_argument(
            "--window-days",
            type=int,
            help="the window's length in days (default: the window_days threshold, 90)",
        )
        parser.add_argument("--output", metavar="FILE.csv", help="write the flags to this file")

    def handle(self, *args, until, window_days, output, **options):
        until_day = _date(until) if until else timezone.localdate() - datetime.timedelta(days=1)
        days = window_days or int(thresholds.value("window_days"))
        try:
            run = screening_run(until=until_day, window_days=days, trigger=RunTrigger.COMMAND)
        except DomainError as exc:
            raise CommandError(exc.message) from exc
        text = flags_csv(run)
        if output:
            with open(output, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
        else:
            self.stdout.write(text, ending="")
        self.stderr.write(screening_verdict(run))
        if output:
            self.stderr.write(_("Flags written to %(path)s.") % {"path": output})
