"""The `anju` console command: this project's manage.py."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anju.settings")
    from django.core.management import execute_from_command_line

    argv = list(sys.argv)
    # `anju generate-district` and `anju generate_district` are the same command.
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    execute_from_command_line(argv)


if __name__ == "__main__":
    main()
