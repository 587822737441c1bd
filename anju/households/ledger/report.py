"""What an import found and did, in a shape a page, a command and a background task
can all show. `to_dict()` is JSON-serialisable and is what JobRun.result stores."""

from dataclasses import asdict, dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

MAX_ERRORS = 1000
MAX_CHANGES = 1000

# What a changed household's `fields` name, for the preview.
FIELD_LABELS = {
    "category": gettext_lazy("category"),
    "community": gettext_lazy("community"),
    "unit": gettext_lazy("unit"),
    "notes": gettext_lazy("notes"),
    "head": gettext_lazy("head of household"),
    "members": gettext_lazy("members"),
    "lease": gettext_lazy("lease"),
    "credentials": gettext_lazy("credentials"),
}

LABELS = {
    "estates": gettext_lazy("estates"),
    "buildings": gettext_lazy("buildings"),
    "units": gettext_lazy("units"),
    "households": gettext_lazy("households"),
    "members": gettext_lazy("members"),
    "leases": gettext_lazy("leases"),
    "credentials": gettext_lazy("credentials"),
    "members_left": gettext_lazy("members who left"),
    "leases_ended": gettext_lazy("leases ended"),
    "credentials_revoked": gettext_lazy("credentials revoked"),
}


def _zero(*names: str):
    return field(default_factory=lambda: dict.fromkeys(names, 0))


def count_groups(report: dict) -> list[tuple[str, list[tuple[str, int]]]]:
    """[(title, [(label, n), …]), …] for the created, updated, removed and unchanged
    counts of a report (as a dict, e.g. a stored JobRun.result), translated, zeros left
    out."""
    groups = (
        ("created", _("Created")),
        ("updated", _("Updated")),
        ("removed", _("Removed")),
        ("unchanged", _("Unchanged")),
    )
    return [
        (title, [(str(LABELS.get(k, k)), n) for k, n in (report.get(key) or {}).items() if n])
        for key, title in groups
    ]


@dataclass
class RowError:
    line: int
    reason: str
    code: str = "invalid"
    household: str = ""

    def __str__(self):
        return f"line {self.line}: {self.reason}"


@dataclass
class HouseholdChange:
    """One household the import creates or changes, for the preview."""

    household: str
    unit: str
    action: str  # "create" or "update"
    fields: list[str] = field(default_factory=list)
    line: int = 0


@dataclass
class LedgerReport:
    source: str = ""
    rows: int = 0
    households: int = 0
    vacant_units: int = 0
    good_households: int = 0
    bad_households: int = 0
    bad_vacant_units: int = 0
    bad_lines: int = 0
    dry_run: bool = False
    only_good_rows: bool = False
    allow_new_estates: bool = False
    # True once the changes below are committed; in a dry run or a refused import they
    # are what would have happened.
    written: bool = False
    created: dict[str, int] = _zero(
        "estates", "buildings", "units", "households", "members", "leases", "credentials"
    )
    updated: dict[str, int] = _zero("buildings", "units", "households", "members", "leases")
    unchanged: dict[str, int] = _zero("units", "households", "members")
    removed: dict[str, int] = _zero("members_left", "leases_ended", "credentials_revoked")
    new_estates: list[dict] = field(default_factory=list)
    changes: list[HouseholdChange] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors)

    @property
    def change_count(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values()) + sum(self.removed.values())

    def verdict(self) -> str:
        """One translated sentence: what happened to the file."""
        if self.written:
            return _("Imported.")
        if self.errors and self.rows == 0:
            return _("Nothing was written: the file cannot be used.")
        if self.dry_run:
            return _("Checked only (dry run): nothing was written.")
        if self.errors and not self.only_good_rows:
            return _("Nothing was written because the file has bad rows.")
        return _("Nothing to change.")

    def summary(self) -> str:
        """A few translated sentences for a command's output or a job's message."""
        verdict = self.verdict()
        parts = [
            verdict,
            _(
                "%(rows)s rows: %(households)s households (%(bad)s with errors) and "
                "%(vacant)s vacant units (%(bad_vacant)s with errors)."
            )
            % {
                "rows": self.rows,
                "households": self.households,
                "bad": self.bad_households,
                "vacant": self.vacant_units,
                "bad_vacant": self.bad_vacant_units,
            },
        ]
        for title, counts in count_groups(asdict(self)):
            if counts:
                items = pgettext("list separator", ", ").join(f"{label} {n}" for label, n in counts)
                parts.append(_("%(title)s: %(items)s.") % {"title": title, "items": items})
        return " ".join(parts)

    def to_dict(self, *, max_errors: int = MAX_ERRORS, max_changes: int = MAX_CHANGES) -> dict:
        data = asdict(self)
        data["errors"] = data["errors"][:max_errors]
        data["errors_total"] = len(self.errors)
        data["changes"] = data["changes"][:max_changes]
        data["changes_total"] = len(self.changes)
        data["change_count"] = self.change_count
        return data
