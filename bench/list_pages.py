"""How fast the staff list pages are on a large district, against the raw database.

Not a test. Build a district first, then point this at it:

    export ANJU_DATABASE_URL=sqlite:////tmp/bench100k.sqlite3 ANJU_DEBUG=1
    .venv/bin/anju migrate -v0 && .venv/bin/anju generate-district --units 100000 --seed 1
    .venv/bin/python bench/list_pages.py [--repeat 5] [--user officer]

For each page it prints the median time of a full request through Django (middleware,
scoping, the ORM, template rendering) and of the baseline: the same page of rows and the
same count read with hand-written SQL on a raw cursor. The ratio is page ÷ baseline; the
difference is what Anju adds on top of the database (rendering 50 rows, mostly).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "anju.settings")
os.environ.setdefault("ANJU_DEBUG", "1")
os.environ.setdefault("ANJU_STATIC_MANIFEST", "0")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from anju.core.models import User  # noqa: E402

PAGES = [
    (
        "units, first page",
        "/units/",
        "SELECT u.code, e.name, u.floor, u.area_m2, u.rooms, u.status FROM housing_unit u "
        "JOIN housing_estate e ON e.id = u.estate_id ORDER BY u.code LIMIT 50",
        "SELECT COUNT(*) FROM housing_unit",
    ),
    (
        "units, page 1000",
        "/units/?page=1000",
        "SELECT u.code, e.name, u.floor, u.area_m2, u.rooms, u.status FROM housing_unit u "
        "JOIN housing_estate e ON e.id = u.estate_id ORDER BY u.code LIMIT 50 OFFSET 49950",
        "SELECT COUNT(*) FROM housing_unit",
    ),
    (
        "units, vacant, by area",
        "/units/?status=vacant&sort=-area_m2",
        "SELECT u.code, e.name, u.floor, u.area_m2, u.rooms, u.status FROM housing_unit u "
        "JOIN housing_estate e ON e.id = u.estate_id WHERE u.status = 'vacant' "
        "ORDER BY u.area_m2 DESC LIMIT 50",
        "SELECT COUNT(*) FROM housing_unit WHERE status = 'vacant'",
    ),
    (
        "households, first page",
        "/households/",
        "SELECT h.number, m.name, h.category, e.name, u.code FROM households_household h "
        "LEFT JOIN households_member m ON m.id = h.head_id "
        "LEFT JOIN housing_estate e ON e.id = h.estate_id "
        "LEFT JOIN housing_unit u ON u.id = h.unit_id ORDER BY h.number LIMIT 50",
        "SELECT COUNT(*) FROM households_household",
    ),
    (
        "households, low income",
        "/households/?category=low_income",
        "SELECT h.number, m.name, h.category, e.name, u.code FROM households_household h "
        "LEFT JOIN households_member m ON m.id = h.head_id "
        "LEFT JOIN housing_estate e ON e.id = h.estate_id "
        "LEFT JOIN housing_unit u ON u.id = h.unit_id WHERE h.category = 'low_income' "
        "ORDER BY h.number LIMIT 50",
        "SELECT COUNT(*) FROM households_household WHERE category = 'low_income'",
    ),
    (
        "estates",
        "/estates/",
        "SELECT e.code, COUNT(u.id) FROM housing_estate e LEFT JOIN housing_unit u "
        "ON u.estate_id = e.id GROUP BY e.code ORDER BY e.code",
        "SELECT 1",
    ),
    ("dashboard", "/", "SELECT status, COUNT(*) FROM housing_unit GROUP BY status", "SELECT 1"),
    (
        "search by initials",
        "/search/?q=wxm",
        "SELECT name FROM households_member WHERE name_initials LIKE 'wxm%' LIMIT 50",
        "SELECT 1",
    ),
]


def median_seconds(fn, repeat):
    fn()  # warm caches
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--user", default="officer")
    args = parser.parse_args()

    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username=args.user))
    units = connection.cursor().execute("SELECT COUNT(*) FROM housing_unit").fetchone()[0]
    print(f"{connection.vendor}, {units:,} units, user {args.user}, median of {args.repeat}")
    print(f"{'page':26} {'queries':>7} {'page ms':>9} {'raw SQL ms':>11} {'ratio':>7}")

    for label, url, rows_sql, count_sql in PAGES:

        def page(url=url):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        def raw(rows_sql=rows_sql, count_sql=count_sql):
            with connection.cursor() as cursor:
                cursor.execute(rows_sql)
                cursor.fetchall()
                cursor.execute(count_sql)
                cursor.fetchall()

        queries: list[str] = []

        def count(run, sql, *rest, queries=queries):
            queries.append(sql)
            return run(sql, *rest)

        with connection.execute_wrapper(count):
            page()
        page_s = median_seconds(page, args.repeat)
        raw_s = median_seconds(raw, args.repeat)
        print(
            f"{label:26} {len(queries):>7} {page_s * 1000:>9.1f} {raw_s * 1000:>11.1f} "
            f"{page_s / raw_s:>7.1f}"
        )


if __name__ == "__main__":
    main()
