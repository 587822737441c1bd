"""The demo's field work (anju/demo/supervision_field.py) runs on a small district
through the services, and a second run leaves it alone."""

import pytest

from anju.demo.supervision_field import generate
from anju.supervision.models import (
    Finding,
    InspectionPlan,
    InspectionTask,
    InspectionVisit,
    Tip,
    TipStatus,
    ViolationCase,
)

from .matrix.inspections import housed

pytestmark = pytest.mark.django_db


def test_the_field_work_demo_plans_tips_visits_a_letter_and_a_case(cast):
    for n in range(12):
        housed(cast.e1 if n % 2 else cast.e2, f"DEMO-{n}", cast.officer, seq=60 + n)
    said = []
    counts = generate(seed=3, say=said.append)
    assert counts["plans"] == InspectionPlan.objects.count() == 2
    assert counts["tips"] == Tip.objects.count() >= 5
    assert counts["visits"] == InspectionVisit.objects.count() > 0
    assert InspectionTask.objects.exclude(appointment_letter="").count() == counts["letters"] == 1
    assert ViolationCase.objects.filter(inspection__finding=Finding.VIOLATION).count() == 1
    assert Tip.objects.filter(status=TipStatus.CLOSED).exists()
    # Every visit comes after the task it was made on.
    for visit in InspectionVisit.objects.select_related("task"):
        assert visit.visited_at >= visit.task.created_at
    assert generate(seed=3, say=said.append) == {}
    assert "skipped" in said[-1]
