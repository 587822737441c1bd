"""The tiered-rent bands of a rule set: the default bands, the editor's text, the
checks, and the citation a published set needs."""

from datetime import date

import pytest
from django.urls import reverse

from anju.admission.services.rules import rent_tiers_set, ruleset_create
from anju.core.errors import DomainError
from anju.core.models import AuditEntry
from anju.testing.admission import make_ruleset

pytestmark = pytest.mark.django_db


def draft(cast):
    return ruleset_create(
        actor=cast.users["officer"], year=2027, effective_from=date(2027, 1, 1), source="draft"
    )


def bands(ruleset):
    return [
        tuple(str(v) for v in row)
        for row in ruleset.rent_tiers.values_list("above", "up_to", "rent_multiple")
    ]


def test_a_new_year_starts_from_the_well_off_tenants_bands(cast):
    ruleset = make_ruleset(cast.users["officer"])
    assert bands(ruleset) == [("2.00", "3.00", "1.50"), ("3.00", "5.00", "2.00")]


@pytest.mark.parametrize(
    ("tiers", "code"),
    [
        ([], "tiers_empty"),
        ([("0.5", "2", "1.5")], "tiers_start"),
        ([("3", "3", "1.5")], "tiers_band"),
        ([("2", "3", "0.8")], "tiers_multiple"),
        ([("2", "3", "1.5"), ("3.5", "5", "2")], "tiers_gap"),
    ],
)
def test_bands_that_do_not_make_sense_are_refused(cast, tiers, code):
    ruleset = draft(cast)
    with pytest.raises(DomainError) as caught:
        rent_tiers_set(ruleset, actor=cast.users["officer"], tiers=tiers)
    assert caught.value.code == code


def test_a_published_set_needs_a_citation_and_the_change_is_audited(cast):
    officer = cast.users["officer"]
    ruleset = make_ruleset(officer)
    with pytest.raises(DomainError) as caught:
        rent_tiers_set(ruleset, actor=officer, tiers=[("2", "4", "1.5")])
    assert caught.value.code == "citation_required"
    assert rent_tiers_set(
        ruleset, actor=officer, tiers=[("2", "4", "1.5")], citation="长住建〔2026〕9号"
    )
    assert bands(ruleset) == [("2.00", "4.00", "1.50")]
    entry = AuditEntry.objects.filter(action="ruleset.rent_tiers").get()
    assert entry.changes["rent_tiers"] == ["2–3: 1.5, 3–5: 2", "2–4: 1.5"]
    assert entry.changes["citation"] == "长住建〔2026〕9号"
    assert not rent_tiers_set(ruleset, actor=officer, tiers=[("2", "4", "1.5")], citation="x")


def test_the_editor_reads_the_bands_and_names_a_bad_part(cast, client_for):
    ruleset = draft(cast)
    url = reverse("ruleset_tiers_edit", args=[ruleset.pk])
    page = client_for("officer").get(url)
    assert "2–3: 1.5, 3–5: 2" in page.content.decode()
    bad = client_for("officer").post(url, {"tiers": "2–3: 1.5, 三到五: 2"})
    assert bad.status_code == 200
    assert "三到五: 2" in bad.content.decode()
    good = client_for("officer").post(url, {"tiers": "2-3：1.5；3～6: 2.5"})
    assert good.status_code == 302
    assert bands(ruleset) == [("2.00", "3.00", "1.50"), ("3.00", "6.00", "2.50")]
    detail = client_for("officer").get(reverse("ruleset_detail", args=[ruleset.pk]))
    assert "2.5×" in detail.content.decode()
