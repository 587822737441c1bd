"""The thresholds page: every threshold with its value in force, default, unit and
reason; the authority's own values, each citing its document, and going back to the
default; and the thresholds report, which follows the flags of the last runs to what
the inspections found."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from anju.core.errors import DomainError
from anju.core.models import AuditEntry
from anju.supervision import thresholds
from anju.supervision.models import CaseType, Finding, FlagKind, ThresholdValue
from anju.supervision.selectors.screening import report_runs, thresholds_report
from anju.supervision.services import inspections as svc
from anju.supervision.services.flags import flag_dismiss
from anju.supervision.services.thresholds import threshold_reset, threshold_set

from .screening_fixtures import housed, run_with_flags

pytestmark = pytest.mark.django_db

D = datetime.date
SOURCE = "长治市L区住房保障中心〔2025〕12号"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel("2025-04-10 09:00 +08:00", tick=False):
        yield


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def edit_url(key):
    return reverse("threshold_edit", args=[key])


# --- The page ------------------------------------------------------------------------------


def test_the_page_lists_every_threshold_with_its_default_unit_and_reason(cast, client_for):
    response = client_for("street").get(reverse("screening_thresholds"))
    html = response.content.decode()
    assert response.status_code == 200
    for t in thresholds.THRESHOLDS:
        assert f'data-key="{t.key}"' in html, t.key
        assert escape(str(t.label)) in html and escape(str(t.reason)) in html
    assert 'data-testid="group-screening"' in html and 'data-testid="group-inspection"' in html
    row = re.search(r'data-key="idle_quiet_days">(.*?)</tr>', html, re.S).group(1)
    assert ">45<" in row and "days" in row
    assert edit_url("idle_quiet_days") not in html  # the street reviewer may not change it
    assert (
        edit_url("idle_quiet_days")
        in client_for("officer").get(reverse("screening_thresholds")).content.decode()
    )


def test_the_authority_puts_its_own_value_in_force_citing_the_document(cast, client_for):
    client = client_for("officer")
    assert client.get(edit_url("idle_quiet_days")).status_code == 200
    response = client.post(edit_url("idle_quiet_days"), {"value": "60", "source": SOURCE})
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('screening_thresholds')}#t-idle_quiet_days"
    assert thresholds.value("idle_quiet_days") == 60
    row = ThresholdValue.objects.get(key="idle_quiet_days")
    assert (row.source, row.changed_by) == (SOURCE, cast.officer)
    entry = AuditEntry.objects.get(action="threshold.set")
    assert entry.changes == {"value": ["45", "60"], "source": SOURCE}
    assert entry.target_id == "idle_quiet_days"

    html = client.get(reverse("screening_thresholds")).content.decode()
    row_html = re.search(r'data-key="idle_quiet_days">(.*?)</tr>', html, re.S).group(1)
    assert ">60<" in row_html and SOURCE in row_html and ">45<" in row_html
    # Changed again: the audit keeps the value before and after each time.
    threshold_set("idle_quiet_days", "50", actor=cast.officer, source=SOURCE)
    assert AuditEntry.objects.filter(action="threshold.set").latest("id").changes["value"] == [
        "60",
        "50",
    ]
    history = client.get(edit_url("idle_quiet_days")).content.decode()
    assert "60 → 50" in history and "45 → 60" in history


def test_going_back_to_the_default_is_audited_too(cast, client_for):
    threshold_set("sublet_unregistered_min", "0.4", actor=cast.officer, source=SOURCE)
    response = client_for("officer").post(
        edit_url("sublet_unregistered_min"), {"action": "reset", "source": SOURCE}
    )
    assert response.status_code == 302
    assert not ThresholdValue.objects.exists()
    assert (
        thresholds.value("sublet_unregistered_min")
        == thresholds.BY_KEY["sublet_unregistered_min"].default
    )
    entry = AuditEntry.objects.get(action="threshold.reset")
    assert entry.changes["value"] == ["0.4", "0.3"]
    with pytest.raises(DomainError) as caught:
        threshold_reset("sublet_unregistered_min", actor=cast.officer, source=SOURCE)
    assert caught.value.code == "default"


@pytest.mark.parametrize(
    ("key", "data", "message"),
    [
        ("idle_quiet_days", {"value": "sixty", "source": SOURCE}, "Enter a number"),
        ("idle_quiet_days", {"value": "", "source": SOURCE}, "Enter a number"),
        ("idle_quiet_days", {"value": "45.5", "source": SOURCE}, "Enter a whole number"),
        ("idle_quiet_days", {"value": "0", "source": SOURCE}, "Enter a value from 1"),
        ("sublet_registered_max", {"value": "1.5", "source": SOURCE}, "from 0 to 1"),
        ("standby_kwh", {"value": "-1", "source": SOURCE}, "Enter a value from 0"),
        ("standby_kwh", {"value": "1.2345", "source": SOURCE}, "at most 3 decimal places"),
        ("window_days", {"value": "400", "source": SOURCE}, "from 7 to 366"),
        ("standby_kwh", {"value": "NaN", "source": SOURCE}, "Enter a number"),
        ("idle_quiet_days", {"value": "60", "source": "  "}, "This field is required"),
        ("idle_quiet_days", {"value": "60"}, "This field is required"),
        ("idle_quiet_days", {"action": "reset", "source": SOURCE}, "already has its default"),
    ],
)
def test_a_value_that_cannot_be_put_in_force_is_explained_and_nothing_is_written(
    cast, client_for, key, data, message
):
    response = client_for("officer").post(edit_url(key), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not ThresholdValue.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="threshold.").exists()


def test_the_service_itself_wants_a_source(cast):
    with pytest.raises(DomainError) as caught:
        threshold_set("idle_quiet_days", "60", actor=cast.officer, source="")
    assert caught.value.code == "source"
    with pytest.raises(DomainError) as caught:
        threshold_set("no_such_key", "1", actor=cast.officer, source=SOURCE)
    assert caught.value.code == "unknown"
    assert not ThresholdValue.objects.exists()


def test_only_the_authority_changes_a_threshold(cast, client_for):
    data = {"value": "60", "source": SOURCE}
    assert client_for("street").get(edit_url("idle_quiet_days")).status_code == 403
    assert client_for("auditor").post(edit_url("idle_quiet_days"), data).status_code == 403
    assert client_for("officer").get(edit_url("no_such_threshold")).status_code == 404
    assert client_for("officer").delete(edit_url("idle_quiet_days")).status_code == 405
    assert client_for("officer").post(reverse("screening_thresholds")).status_code == 405
    assert client_for("repairer").get(reverse("screening_thresholds")).status_code == 403
    assert not ThresholdValue.objects.exists()


def test_a_run_keeps_the_values_it_used(cast):
    from anju.supervision.models import RunTrigger
    from anju.supervision.services.screening import screening_run

    threshold_set("idle_quiet_days", "30", actor=cast.officer, source=SOURCE)
    run = screening_run(until=D(2025, 3, 31), window_days=30, trigger=RunTrigger.COMMAND)
    assert run.thresholds["idle_quiet_days"] == "30.000"


# --- The thresholds report --------------------------------------------------------------


def _visit(task, household, conclusion):
    head = household.head
    return svc.visit_record(
        task,
        actor=task.created_by,
        outcome="completed",
        people=[svc.Person(name=head.name, id_number=head.reveal_id_number(), id_sighted=True)],
        checklist={key: {"result": "ok", "note": ""} for key in svc.CHECK_KEYS},
        signature=PNG,
        conclusion=conclusion,
    )


@pytest.fixture
def outcomes(cast):
    """A run whose flags met every fate, and an older run with one more flag."""
    officer = cast.officer
    h = {n: housed(cast.e1, f"REP-{n}", officer, seq=920 + n) for n in range(1, 5)}
    older = run_with_flags(until=D(2024, 12, 31), flags=[(h[3].unit, FlagKind.IDLE, "0.6", "旧")])
    run = run_with_flags(
        until=D(2025, 3, 31),
        flags=[
            (h[1].unit, FlagKind.SUBLET, "0.9", "s1"),
            (h[2].unit, FlagKind.SUBLET, "0.8", "s2"),
            (h[3].unit, FlagKind.IDLE, "0.7", "i1"),
            (cast.unit_a, FlagKind.IDLE, "0.6", "i2"),
            (cast.unit_c, FlagKind.SUBLET, "0.95", "s3"),
            (h[4].unit, FlagKind.CHANGE_OF_USE, "0.7", "c1"),
        ],
    )
    flags = {f.evidence: f for f in run.flag_rows.all()}
    violation = svc.Conclusion(
        finding=Finding.VIOLATION, case_type=CaseType.SUBLET, summary="转租给他人"
    )
    for name, household, conclusion in (
        ("s1", h[1], violation),
        ("s2", h[2], svc.Conclusion(Finding.NO_ISSUE)),
        ("s3", cast.charlie_household, violation),
    ):
        task = svc.task_from_flag(flags[name], actor=officer)
        _visit(task, household, conclusion)
    svc.task_from_flag(flags["c1"], actor=officer)
    flag_dismiss(flags["i1"], actor=officer, reason="住院")
    return run, older


def counts(kind):
    return (
        kind.raised,
        kind.inspected,
        kind.confirmed,
        kind.cleared,
        kind.dismissed,
        kind.open,
        kind.rate,
    )


def test_the_report_follows_each_flag_to_what_the_inspection_found(cast, outcomes):
    run, older = outcomes
    kinds, total = thresholds_report(cast.officer, report_runs(10))
    by_flag = {k.flag: counts(k) for k in kinds}
    assert by_flag == {
        "idle": (3, 0, 0, 0, 1, 2, None),
        "sublet": (3, 3, 2, 1, 0, 0, Decimal("66.7")),
        "overcrowding": (0, 0, 0, 0, 0, 0, None),
        "change_of_use": (1, 1, 0, 0, 0, 0, None),
    }
    assert counts(total)[:6] == (7, 4, 2, 1, 1, 2)

    # The community worker's report covers E1 only; the last run alone leaves out the
    # older one.
    kinds, _total = thresholds_report(cast.community, report_runs(10))
    assert counts(next(k for k in kinds if k.flag == "sublet")) == (2, 2, 1, 1, 0, 0, 50)
    kinds, _total = thresholds_report(cast.officer, report_runs(1))
    assert next(k for k in kinds if k.flag == "idle").raised == 2


def test_the_report_is_on_the_thresholds_page(cast, client_for, outcomes):
    html = client_for("officer").get(reverse("screening_thresholds"), {"runs": 1}).content.decode()
    row = re.search(r'<tr data-flag="sublet">(.*?)</tr>', html, re.S).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
    assert [c.strip() for c in cells[1:7]] == ["3", "3", "2", "1", "0", "0"]
    assert "66.7%" in cells[7]
    assert "Over 1 run" in html
    community = client_for("community").get(reverse("screening_thresholds")).content.decode()
    row = re.search(r'<tr data-flag="sublet">(.*?)</tr>', community, re.S).group(1)
    assert "50.0%" in row


def test_a_run_count_that_cannot_be_read_falls_back_to_ten(cast, client_for):
    response = client_for("officer").get(reverse("screening_thresholds"), {"runs": "all"})
    assert response.status_code == 200
    assert response.context["report_form"].count() == 10


def test_the_run_counts_are_offered_in_the_readers_language(cast, client_for):
    client = client_for("officer")
    assert ">10 runs</option>" in client.get(reverse("screening_thresholds")).content.decode()
    client.post(reverse("set_language"), {"language": "zh-hans"})
    with translation.override("zh-hans"):
        html = client.get(reverse("screening_thresholds")).content.decode()
    assert ">10次筛查</option>" in html
