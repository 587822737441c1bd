import subprocess
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

import anju

# The benchmarks live next to the package in a source checkout, not in an installed one.
BENCH_DIR = Path(anju.__file__).resolve().parent.parent / "bench"


def available() -> list[str]:
    return sorted(
        p.stem for p in BENCH_DIR.glob("*.py") if not p.name.startswith("_") and p.stem != "scratch"
    )


class Command(BaseCommand):
    help = (
        "Run a benchmark of the source checkout: `anju bench NAME [ARGS…]` runs "
        "bench/NAME.py from the repository root with ARGS (e.g. `anju bench screening "
        "--units 10000`; `anju bench screening --help` lists its options). Benchmarks "
        "make their own scratch databases. Without NAME, lists them."
    )

    def add_arguments(self, parser):
        parser.add_argument("name", nargs="?", help="the benchmark, e.g. screening")
        parser.add_argument("args", nargs="*", help="its arguments (put -- before options)")

    def run_from_argv(self, argv):
        # Everything after NAME belongs to the benchmark, options included.
        if len(argv) > 3 and not argv[2].startswith("-"):
            self._run(argv[2], argv[3:])
            return
        super().run_from_argv(argv)

    def handle(self, *args, name, **options):
        # Django hands the positional "args" over as *args.
        extra = list(args)
        if not name:
            self._check_checkout()
            self.stdout.write(_("Benchmarks: %(names)s") % {"names": ", ".join(available())})
            return
        self._run(name, extra)

    def _check_checkout(self) -> None:
        if not BENCH_DIR.is_dir():
            raise CommandError(
                _(
                    "`anju bench` runs the benchmarks of a source checkout, and there is no "
                    "bench/ folder at %(path)s: this Anju is installed, not checked out. "
                    "Clone the repository and run it there."
                )
                % {"path": BENCH_DIR}
            )

    def _run(self, name: str, args: list[str]) -> None:
        self._check_checkout()
        script = BENCH_DIR / f"{name}.py"
        if name not in available() or not script.is_file():
            raise CommandError(
                _("No benchmark “%(name)s”. There are: %(names)s.")
                % {"name": name, "names": ", ".join(available())}
            )
        code = subprocess.call([sys.executable, str(script), *args], cwd=BENCH_DIR.parent)
        if code:
            raise CommandError(
                _("The benchmark %(name)s ended with status %(code)s.")
                % {"name": name, "code": code},
                returncode=code,
            )
