"""The fixed clock of the synthetic district: every date is counted back from
BASE_DATE, never from today, so a seed always gives the same district."""

from datetime import date
from zoneinfo import ZoneInfo

BASE_DATE = date(2026, 11, 1)
TZ = ZoneInfo("Asia/Shanghai")


def years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)
