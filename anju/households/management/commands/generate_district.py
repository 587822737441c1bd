import unicodedata

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from anju.demo import district


class Command(BaseCommand):
    help = (
        "Build a synthetic L District of Changzhi City: organisations, estates, units, "
        "households with members and leases, and one demo log-in per role. The same "
        "--seed always gives the same district. Prints the demo log-ins at the end."
    )

    def add_arguments(self, parser):
        parser.add_argument("--units", type=int, default=3000, help="number of units (≥ 60)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed")
        parser.add_argument(
            "--events-days",
            type=int,
            default=0,
            help=(
                "also write this many days of door events and meter readings, ending "
                "yesterday, for every occupied unit, with labelled screening cases, "
                "through the ingest service (default 0: none; 120 is a good demo)"
            ),
        )
        parser.add_argument(
            "--events-labels",
            metavar="FILE",
            help="write the planted screening cases (unit code → label) to this JSON file",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="if the database already has estates, only print the demo log-ins",
        )

    def handle(self, *args, units, seed, if_empty, events_days, events_labels, **options):
        if district.district_exists():
            if if_empty:
                self.stdout.write(_("The district already exists; nothing generated."))
                self._print_logins()
                return
            raise CommandError(
                _("The database already holds estates. Use an empty database, or --if-empty.")
            )
        if units < district.MIN_UNITS:
            raise CommandError(_("--units must be at least %(n)s.") % {"n": district.MIN_UNITS})
        if not 0 <= events_days <= 366:
            raise CommandError(_("--events-days must be from 0 to 366."))

        def progress(message):
            self.stdout.write(message)
            self.stdout.flush()

        result = district.generate(
            units=units, seed=seed, progress=progress, events_days=events_days
        )
        if events_labels and result.events is not None:
            from anju.demo.events import write_labels

            write_labels(result.events, events_labels)
            self.stdout.write(_("Planted cases written to %(path)s.") % {"path": events_labels})
        for username in result.skipped_users:
            self.stdout.write(
                self.style.WARNING(
                    _("User %(u)s already existed and was left as it was.") % {"u": username}
                )
            )
        self.stdout.write("")
        width = max(len(k) for k in result.counts)
        for key, value in result.counts.items():
            self.stdout.write(f"  {key.replace('_', ' '):<{width}}  {value:>9,}")
        self.stdout.write("")
        self._print_logins()
        self.stdout.write(
            self.style.SUCCESS(
                _(
                    "Generated L District (seed %(seed)s): %(units)s units, %(households)s "
                    "households, %(members)s members in %(seconds)s s."
                )
                % {
                    "seed": seed,
                    "units": f"{result.counts['units']:,}",
                    "households": f"{result.counts['households']:,}",
                    "members": f"{result.counts['members']:,}",
                    "seconds": f"{result.seconds:.1f}",
                }
            )
        )

    def _print_logins(self):
        header = (_("username"), _("password"), _("role"), _("organisation"))
        rows = [header, *district.demo_logins()]
        widths = [max(_width(row[i]) for row in rows) for i in range(4)]
        for n, row in enumerate(rows):
            line = "  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True))
            self.stdout.write(line.rstrip())
            if n == 0:
                self.stdout.write("  ".join("-" * w for w in widths))


def _width(text: str) -> int:
    """Columns a string takes in a terminal: CJK characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
