import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = (
        "Run Anju in the foreground: the gunicorn web server (anju.wsgi) on --addr and the "
        "huey consumer for background tasks (anju run_huey). Ctrl-C or SIGTERM stops both; "
        "if either exits on its own, the other is stopped too. For the demo and small "
        "installations; production runs them as separate services (docs/deploy.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--addr", default="127.0.0.1:8000", help="host:port to bind")
        parser.add_argument("--workers", type=int, default=3, help="gunicorn worker processes")

    def handle(self, *, addr, workers, **options):
        gunicorn = ["gunicorn", "anju.wsgi:application", "--bind", addr, "--workers", str(workers)]
        # No control socket: its default path is per user, so two instances would clash.
        gunicorn += ["--no-control-socket", "--access-logfile", "-"]
        # Own process groups, so that a Ctrl-C reaches only this process, which passes it on.
        children = {
            "the web server": subprocess.Popen([sys.executable, "-m", *gunicorn], process_group=0),
            "the task consumer": subprocess.Popen(
                [sys.executable, "-m", "anju", "run_huey"], process_group=0
            ),
        }
        stopping = []

        def forward(signum, frame):
            stopping.append(signum)
            for child in children.values():
                if child.poll() is None:
                    child.send_signal(signum)

        signal.signal(signal.SIGINT, forward)
        signal.signal(signal.SIGTERM, forward)
        self.stdout.write(
            _("Serving on http://%(addr)s/ with the task consumer; Ctrl-C stops both.")
            % {"addr": addr}
        )
        while all(child.poll() is None for child in children.values()):
            time.sleep(0.5)
        first = next(name for name, child in children.items() if child.poll() is not None)
        for child in children.values():
            if child.poll() is None:
                child.terminate()
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
        if not stopping:
            code = children[first].returncode
            raise CommandError(f"{first} exited with status {code}, so Anju stopped.")
