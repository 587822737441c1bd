"""What an import found and did, in a shape a page, a command and a background task
can all show. `to_dict()` is JSON-serialisable and is what JobRun.result stores."""

from dataclasses import asdict, dataclass, field

MAX_ERRORS = 1000
MAX_CHANGES = 1000


def _zero(*names: str):
    return field(default_factory=lambda: dict.fromkeys(names, 0))


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

    def to_dict(self, *, max_errors: int = MAX_ERRORS, max_changes: int = MAX_CHANGES) -> dict:
        data = asdict(self)
        data["errors"] = data["errors"][:max_errors]
        data["errors_total"] = len(self.errors)
        data["changes"] = data["changes"][:max_changes]
        data["changes_total"] = len(self.changes)
        data["change_count"] = self.change_count
        return data
