"""Scoping-matrix rows of the tenancy reports. They cover the estates the user sees;
the rent roll is asked for a day when the leases of the leases module (built before
this one, by name) are in force, and the collection rate shows every visible estate in
its estate filter."""

from anju.testing.matrix import TENANCY_VIEW, Row, _list


def build(world):
    pass


ROWS = [
    Row("report_index", _list("report_index"), allowed=TENANCY_VIEW, scope="none"),
    Row(
        "report_rent_roll",
        _list("report_rent_roll", "?on=2026-01-15"),
        allowed=TENANCY_VIEW,
        scope="none",
        marks=("L-MXL-IN", "L-MXL-OUT"),
    ),
    Row(
        "report_collection",
        _list("report_collection"),
        allowed=TENANCY_VIEW,
        scope="none",
        marks=("康居苑", "安泰小区"),
    ),
]
