"""List pages and the household archive run a fixed number of queries, however many
rows they show: each page is counted with the small cast, then again after 30 more
units, households, users and audit entries (and a fuller archive), and the count must
not change."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from stdnum.cn import ric

from anju.core import services as core_services
from anju.households import services as hh
from anju.households.models import HouseholdStatus
from anju.housing.models import Building, Unit

pytestmark = pytest.mark.django_db

MORE = 30


def make_id(seq: int, birth: str = "19800101") -> str:
    body = f"140402{birth}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def grow(cast) -> None:
    """30 more units, households (each with a head and a lease) and user accounts,
    through the services, which also add their audit and timeline entries."""
    officer = cast.users["officer"]
    # Fifteen more floors on Alice's building (so its status board grows too).
    building = cast.unit_a.building
    Building.objects.filter(pk=building.pk).update(floors=3 + MORE // 2)
    units = Unit.objects.bulk_create(
        Unit(
            code=f"E1-01-{4 + i // 2:02d}{1 + i % 2:02d}",
            estate=cast.e1,
            building=building,
            floor=4 + i // 2,
            position=1 + i % 2,
            area_m2=Decimal("50.00"),
            rooms=2,
        )
        for i in range(MORE)
    )
    for i, unit in enumerate(units):
        household = hh.household_create(
            actor=officer,
            number=f"HH-G{i:02d}",
            category="new_employee",
            community=cast.community_a,
            status=HouseholdStatus.WAITING,
        )
        hh.member_add(
            household,
            actor=officer,
            name=f"李{'一二三四五六七八九十'[i % 10]}{i}",
            id_number=make_id(100 + i),
            relation="head",
            phone=f"135{i:08d}",
        )
        hh.lease_start(
            household,
            actor=officer,
            unit=unit,
            number=f"L-G{i:02d}",
            start=date(2025, 3, 1),
            end=date(2028, 3, 1),
            monthly_rent=Decimal("500.00"),
        )
    for i in range(MORE):
        core_services.user_create(
            actor=cast.users["secadmin"],
            username=f"worker{i:02d}",
            full_name=f"社区工作者{i}",
            organisation=cast.community_a,
            roles=["community_worker"],
            password="Worker-pass-2026!",
        )


def fill_archive(cast, n: int, start: int = 0) -> None:
    """`n` more members (each with a door card), documents and returned paper-file
    loans for Alice, each with its audit and timeline entries."""
    officer = cast.users["officer"]
    household = cast.alice_household
    paper = getattr(household, "paper_file", None) or hh.paper_file_place(
        household, actor=officer, room="101", cabinet="A", box="1"
    )
    for i in range(start, start + n):
        member = hh.member_add(
            household,
            actor=officer,
            name=f"王{'甲乙丙丁戊己庚辛壬癸'[i % 10]}{i}",
            id_number=make_id(200 + i, birth="20000101"),
            relation="child",
            phone=f"136{i:08d}",
        )
        hh.credential_add(member, actor=officer, kind="card", ref=f"C-{i}")
        hh.document_add(
            household,
            actor=officer,
            doc_type="other",
            title=f"材料 {i}",
            file=ContentFile(b"%PDF-1.4\n%%EOF\n", name=f"doc{i}.pdf"),
        )
        loan = hh.paper_file_lend(paper, actor=officer, borrower=f"借阅人{i}")
        hh.paper_file_return(loan, actor=officer)


@dataclass(frozen=True)
class Page:
    name: str
    role: str
    bound: int
    query: str = ""
    args: tuple = ()

    def url(self, cast) -> str:
        args = [getattr(cast, a).pk for a in self.args]
        return reverse(self.name, args=args) + self.query

    def __str__(self):
        return f"{self.name}{self.query}"


# The bounds are the counts measured on SQLite and PostgreSQL (the same on both),
# about seven of which every signed-in page spends on the session, the user, its
# roles and its second factor.
LIST_PAGES = [
    Page("estate_list", "officer", 10),
    Page("estate_list", "community", 10),
    Page("estate_list", "officer", 8, "?format=xlsx"),
    Page("unit_list", "officer", 11),
    Page("unit_list", "operator", 11),
    Page("unit_list", "officer", 11, "?sort=-area_m2&page=2"),
    Page("unit_list", "officer", 8, "?format=xlsx"),
    Page("household_list", "officer", 11),
    Page("household_list", "community", 11),
    Page("household_list", "officer", 8, "?format=xlsx"),
    Page("audit_log", "auditor", 10),
    Page("audit_log", "auditor", 10, "?kind=security"),
    Page("user_list", "secadmin", 11),
    Page("home", "officer", 11),
    Page("home", "street", 11),
]


def count_queries(client, url) -> int:
    client.get(url)  # first use: caches and the session are warm afterwards
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, url
    return len(queries)


# (Not called `page`: pytest-playwright owns that fixture name.)
@pytest.mark.parametrize("listing", LIST_PAGES, ids=str)
def test_a_list_page_runs_the_same_queries_for_30_more_rows(
    cast, client_for, django_assert_max_num_queries, listing
):
    client = client_for(listing.role)
    url = listing.url(cast)
    small = count_queries(client, url)
    grow(cast)
    with django_assert_max_num_queries(listing.bound):
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200
    large = count_queries(client, url)
    assert large == small, f"{url}: {small} queries with the cast, {large} with {MORE} more rows"


@pytest.mark.parametrize("role", ["officer", "community"])
def test_the_household_archive_runs_the_same_queries_for_a_fuller_archive(
    cast, client_for, django_assert_max_num_queries, role
):
    client = client_for(role)
    url = reverse("household_detail", args=[cast.alice_household.pk])
    fill_archive(cast, 1)  # one of everything, so only the number of rows changes
    small = count_queries(client, url)
    fill_archive(cast, 6, start=1)
    with django_assert_max_num_queries(17):  # 16, and one for the bad-conduct records
        assert client.get(url).status_code == 200
    large = count_queries(client, url)
    assert large == small, f"{small} queries for a small archive, {large} for a fuller one"


def test_the_portal_runs_the_same_queries_for_a_fuller_archive(
    cast, client_for, django_assert_max_num_queries
):
    client = client_for("alice")
    url = reverse("portal_home")
    fill_archive(cast, 1)
    small = count_queries(client, url)
    fill_archive(cast, 6, start=1)
    # 25: the archive, one query for an open recertification campaign's card, the
    # service cards: open repairs (1), feedback (3), notices to confirm (1), activities
    # and surveys (2), and the evaluation's standing, title and discount (1).
    with django_assert_max_num_queries(25):
        assert client.get(url).status_code == 200
    assert count_queries(client, url) == small


@pytest.mark.parametrize(
    ("name", "pick", "bound"),
    [
        ("estate_detail", lambda cast: cast.e1, 12),
        ("building_detail", lambda cast: cast.unit_a.building, 10),
        ("unit_detail", lambda cast: cast.unit_a, 13),
    ],
)
def test_housing_detail_pages_run_the_same_queries_for_30_more_rows(
    cast, client_for, django_assert_max_num_queries, name, pick, bound
):
    client = client_for("officer")
    url = reverse(name, args=[pick(cast).pk])
    small = count_queries(client, url)
    grow(cast)
    with django_assert_max_num_queries(bound):
        assert client.get(url).status_code == 200
    assert count_queries(client, url) == small
