"""Matrix rows of the yearly admission rules. The rules are district-wide and public,
so they have no "out of scope" side: the out side is a rule set that does not exist.
Every staff member with admission.view reads them; only the authority officer changes
them; the public page answers anyone."""

from datetime import date

from anju.admission.services.rules import ruleset_create
from anju.testing.admission import make_ruleset
from anju.testing.matrix import ADMISSION_VIEW, RULES_MANAGE, Row, _list, _r

MISSING_PK = 987654321
DRAFT_YEAR = 2039  # far from the years the other modules use


def build(world) -> None:
    officer = world.cast.officer
    make_ruleset(officer)  # the published set in force; shared with the other modules
    draft = ruleset_create(
        actor=officer, year=DRAFT_YEAR, effective_from=date(DRAFT_YEAR, 1, 1), source="矩阵测试"
    )
    world.extra["rules"] = {
        "draft": draft,
        "category": draft.categories.get(category="low_income"),
        "priority": draft.priorities.get(ground="elderly"),
    }


def _pick(key):
    return lambda w, side: w.extra["rules"][key].pk if side == "in" else MISSING_PK


def _url(name, key):
    pick = _pick(key)
    return lambda w, side, role: _r(name, pick(w, side))


ROWS = [
    Row("rules_public", _list("rules_public"), fixed={"*": 200}),
    Row("ruleset_list", _list("ruleset_list"), allowed=ADMISSION_VIEW, scope="none"),
    Row(
        "ruleset_create",
        _list("ruleset_create"),
        methods=("GET", "POST"),
        allowed=RULES_MANAGE,
        scope="none",
        data=lambda w, side: {
            "year": DRAFT_YEAR + 1,
            "effective_from": f"{DRAFT_YEAR + 1}-01-01",
            "source": "长住建〔2040〕1号",
        },
    ),
    Row(
        "ruleset_tiers_edit",
        _url("ruleset_tiers_edit", "draft"),
        methods=("GET", "POST"),
        allowed=RULES_MANAGE,
        scope="missing",
        data=lambda w, side: {"tiers": "2–3: 1.5, 3–6: 2"},
    ),
    Row(
        "ruleset_detail",
        _url("ruleset_detail", "draft"),
        allowed=ADMISSION_VIEW,
        scope="missing",
    ),
    Row(
        "ruleset_edit",
        _url("ruleset_edit", "draft"),
        methods=("GET", "POST"),
        allowed=RULES_MANAGE,
        scope="missing",
        data=lambda w, side: {
            "year": DRAFT_YEAR,
            "effective_from": f"{DRAFT_YEAR}-01-01",
            "source": "矩阵测试（修订）",
            "review_days": 6,
            "notice_days": 7,
            "contact_refresh_days": 30,
            "long_wait_years": 5,
            "max_lease_years": 5,
            "refusal_limit": 2,
            "refusal_consequence": "back_of_list",
            "renewal_window_months": 3,
            "renewal_reminder_days": 30,
            "declaration_days": 30,
            "exit_asset_multiple": "5.00",
            "tier_exempt_age": 60,
            "market_rent_multiple": "2.00",
            "fine_cap": "1000.00",
            "illegal_income_multiple": "3.00",
            "illegal_income_fine_cap": "30000.00",
            "ban_years": "5",
            "points_valid_years": "2",
            "points_review_threshold": "16",
            "moving_period_months": "2",
            "recovery_deadline_days": "30",
            "conduct_rent_discount": "5.00",
        },
    ),
    Row(
        "ruleset_publish",
        _url("ruleset_publish", "draft"),
        methods=("POST",),
        allowed=RULES_MANAGE,
        scope="missing",
        data=lambda w, side: {},
    ),
    Row(
        "ruleset_category_edit",
        _url("ruleset_category_edit", "category"),
        methods=("GET", "POST"),
        allowed=RULES_MANAGE,
        scope="missing",
        data=lambda w, side: {
            "income_limit": "1650",
            "housing_area_limit": "15",
            "max_vehicles": "0",
            "deposit_limit": "50000",
            "min_residence_years": "3",
            "relief_tier": "0.50",
            "area_standard": "1: 40, 2: 50, 3: 60",
        },
    ),
    Row(
        "ruleset_priority_edit",
        _url("ruleset_priority_edit", "priority"),
        methods=("GET", "POST"),
        allowed=RULES_MANAGE,
        scope="missing",
        data=lambda w, side: {"group": 2, "points": 12, "min_age": 62},
    ),
]
