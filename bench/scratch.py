"""The scratch database a benchmark runs on: a fresh PostgreSQL database named in a
URL (created, and dropped afterwards), or a SQLite file in a temporary folder. Django
is set up on it and the migrations applied.

    folder = scratch.open("recert", args.database_url)
    ...
    scratch.close(args.database_url, folder, keep=args.keep)
"""

import os
import shutil
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def open(name: str, database_url: str | None, *, sqlite_path=None) -> Path | None:  # noqa: A001
    """Point Django at a new scratch database, migrate it and return the temporary
    folder holding it (None on PostgreSQL)."""
    folder = None
    if database_url:
        _recreate_postgres(database_url, name)
        os.environ["ANJU_DATABASE_URL"] = database_url
    else:
        folder = Path(tempfile.mkdtemp(prefix=f"anju-bench-{name}-"))
        path = sqlite_path or folder / f"{name}.sqlite3"
        os.environ["ANJU_DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("ANJU_DEBUG", "0")
    os.environ.setdefault("ANJU_INSECURE_HTTP", "1")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anju.settings")
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return folder


def close(database_url: str | None, folder: Path | None, *, keep: bool = False) -> None:
    """Close the connection and remove the scratch database, unless it is to be kept."""
    from django.db import connection

    connection.close()
    if keep:
        print(f"database kept at {os.environ['ANJU_DATABASE_URL']}")
    elif folder is not None:
        shutil.rmtree(folder)
    else:
        _drop_postgres(database_url, "")


def _admin_url(url: str, name_hint: str) -> tuple[str, str]:
    """(URL of the server's maintenance database, name of the scratch database)."""
    parts = urlsplit(url.replace("postgres://", "postgresql://", 1))
    name = parts.path.lstrip("/")
    if not name or name in ("postgres", "template0", "template1"):
        sys.exit(f"name a scratch database in the URL, e.g. …/anju_bench_{name_hint}")
    return urlunsplit(parts._replace(path="/postgres")), name


def _recreate_postgres(url: str, name_hint: str) -> None:
    import psycopg
    from psycopg import sql

    admin, name = _admin_url(url, name_hint)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def _drop_postgres(url: str, name_hint: str) -> None:
    import psycopg
    from psycopg import sql

    admin, name = _admin_url(url, name_hint)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))


def insert(cursor, model, rows: list[dict], *, chunk: int = 10_000) -> None:
    """INSERT rows of `model` with one executemany, every column given (the model's
    defaults for those a row leaves out), values prepared by each field as the ORM
    would."""
    from django.db import connection

    fields = model._meta.concrete_fields
    defaults = {f.attname: f.get_default() for f in fields if f.attname != "id"}
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {model._meta.db_table} ({columns}) VALUES ({marks})"  # noqa: S608
    for start in range(0, len(rows), chunk):
        cursor.executemany(
            sql,
            [
                [
                    f.get_db_prep_save(row.get(f.attname, defaults.get(f.attname)), connection)
                    for f in fields
                ]
                for row in rows[start : start + chunk]
            ],
        )
