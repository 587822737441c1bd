"""Working days: Monday to Friday, less the public holidays the district lists in
ANJU_HOLIDAYS, plus the make-up working weekends (调休) in ANJU_WORKDAYS."""

from datetime import date, timedelta

from django.conf import settings


def is_working_day(day: date) -> bool:
    if day.isoformat() in settings.ANJU_WORKDAYS:
        return True
    return day.weekday() < 5 and day.isoformat() not in settings.ANJU_HOLIDAYS


def add_working_days(start: date, days: int) -> date:
    """The working day `days` working days after `start` (start itself not counted)."""
    day = start
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day
