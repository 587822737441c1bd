"""The legacy-ledger (台账) format: its columns and the values they take. The format is
described for clerks in docs/ledger-format.md; keep the two in step."""

from anju.households.models import Category, CredentialKind, Relation

COLUMNS = (
    "estate_code",
    "estate_name",
    "street",
    "community",
    "building_no",
    "unit_code",
    "floor",
    "area_m2",
    "rooms",
    "household_no",
    "category",
    "lease_start",
    "lease_end",
    "monthly_rent",
    "member_role",
    "name",
    "id_number",
    "relation",
    "phone",
    "monthly_income",
    "credential_refs",
)

# Describe the unit; present on every row, vacant or not.
UNIT_COLUMNS = COLUMNS[: COLUMNS.index("rooms") + 1]  # estate_code … rooms
# The same on every row of one household.
HOUSEHOLD_COLUMNS = (
    "estate_code",
    "unit_code",
    "category",
    "lease_start",
    "lease_end",
    "monthly_rent",
)
# Empty on a vacant unit's row.
OCCUPANT_COLUMNS = tuple(c for c in COLUMNS if c not in UNIT_COLUMNS)

# The longest value each text column may hold (the database's limits).
MAX_LENGTH = {
    "estate_code": 16,
    "estate_name": 100,
    "street": 120,
    "community": 120,
    "building_no": 8,
    "unit_code": 24,
    "household_no": 24,
    "name": 40,
}

CATEGORIES = tuple(Category.values)
RELATIONS = tuple(Relation.values)
CREDENTIAL_KINDS = tuple(CredentialKind.values)
ROLE_HEAD = "head"
ROLE_MEMBER = "member"
ROLES = (ROLE_HEAD, ROLE_MEMBER)
CREDENTIAL_SEPARATORS = (";", "；")
