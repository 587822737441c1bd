"""The demo's violation cases and tenant points (anju.demo.supervision_cases), made on
a small demo district through the services: a case at each step, points with their
warnings, a household on the review list, credit; and running it again adds nothing."""

import pytest

from anju.core.models import User
from anju.demo import district
from anju.demo.supervision_cases import CASES, generate
from anju.supervision.models import CaseStatus, GoodConductCredit, PointEntry, ViolationCase
from anju.supervision.services import cases as case_services
from anju.supervision.services.points import review_list
from anju.tenancy.models import Bill
from anju.testing.admission import make_ruleset
from anju.testing.shared_world import shared_world

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    def build():
        district.generate(
            units=district.MIN_UNITS,
            seed=8,
            admission=False,
            supervision=False,
            exits=False,
            services=False,
        )
        make_ruleset(User.objects.get(username="officer"))
        real = case_services.notice_pdf
        case_services.notice_pdf = lambda case: PDF  # typesetting is tested in test_cases
        try:
            said = []
            counts = generate(seed=8, say=said.append)
        finally:
            case_services.notice_pdf = real
        return counts, said

    with shared_world(django_db_blocker, build) as world:
        yield world


def test_the_demo_makes_a_case_at_each_step(demo, db):
    counts, _said = demo
    assert counts["cases"] == len(CASES) == ViolationCase.objects.count()
    statuses = set(ViolationCase.objects.values_list("status", flat=True))
    assert statuses == set(CaseStatus.values)
    assert Bill.objects.filter(source_key__startswith="case:").count() == 4  # 2 decisions
    assert ViolationCase.objects.exclude(exit_handoff_on=None).count() == 1


def test_the_demo_records_points_a_review_and_credit(demo, db):
    counts, _said = demo
    assert PointEntry.objects.count() == counts["points"]
    assert PointEntry.objects.filter(kind="warning").exists()
    assert len(list(review_list())) == 1
    assert GoodConductCredit.objects.count() == counts["credits"] >= 4


def test_running_the_demo_again_adds_nothing(demo, db):
    said = []
    assert generate(seed=8, say=said.append) == {}
    assert "skipped" in said[0]
