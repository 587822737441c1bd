"""The demo's admission path: every step of an application is on show, and the round
it draws can be re-run from its published files."""

import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from anju.admission.models import (
    AllocationRound,
    Application,
    ApplicationStatus,
    NoticeStatus,
    PublicNotice,
    RoundStatus,
    VerificationRequest,
)
from anju.admission.selectors.allocation import round_published_files
from anju.demo import district
from anju.households.models import HouseholdStatus, Lease
from anju.testing.shared_world import FAST_HASHERS


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    settings.PASSWORD_HASHERS = FAST_HASHERS


@pytest.mark.django_db
def test_the_demo_shows_the_whole_path_from_application_to_moving_in(tmp_path):
    result = district.generate(units=200, seed=4)
    assert result.counts["admission_applications"] == Application.objects.count() == 28
    statuses = set(Application.objects.values_list("status", flat=True))
    assert statuses >= {
        ApplicationStatus.DRAFT,
        ApplicationStatus.COMMUNITY_REVIEW,
        ApplicationStatus.STREET_REVIEW,
        ApplicationStatus.AUTHORITY_REVIEW,
        ApplicationStatus.RETURNED,
        ApplicationStatus.REJECTED,
        ApplicationStatus.APPROVED,
        ApplicationStatus.IN_NOTICE,
        ApplicationStatus.WAITING,
        ApplicationStatus.HOUSED,
    }
    assert set(PublicNotice.objects.values_list("status", flat=True)) == {
        NoticeStatus.OPEN,
        NoticeStatus.CLOSED,
    }
    assert VerificationRequest.objects.filter(mismatch=True).exists()

    rnd = AllocationRound.objects.get()
    assert rnd.status == RoundStatus.COMPLETED
    housed = Application.objects.filter(status=ApplicationStatus.HOUSED)
    assert housed.count() == result.counts["admission_housed"] >= 1
    for application in housed.select_related("household"):
        assert application.household.status == HouseholdStatus.TENANT
        lease = Lease.objects.get(household=application.household)
        # Signed at the rent offered (a recertification may have tiered it since).
        signed = lease.rents.order_by("effective_from", "pk").first()
        assert lease.offer.monthly_rent == signed.monthly_rent

    # Anyone can re-run the draw from the files the public page offers.
    files = round_published_files(rnd)
    for name, content in files.items():
        (tmp_path / name).write_text(content, encoding="utf-8")
    entrants = next(name for name in files if name.endswith("-entrants.csv"))
    draw = next(name for name in files if name.endswith("-draw-1.json"))
    script = Path(settings.BASE_DIR) / "scripts" / "verify-lottery"
    run = subprocess.run(
        [sys.executable, str(script), str(tmp_path / entrants), str(tmp_path / draw)],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stdout + run.stderr
