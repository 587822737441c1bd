"""Periodic tasks on the district's clock."""

import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from huey import crontab
from huey.contrib.djhuey import HUEY


def local_crontab(**fields):
    """A crontab read in the district's time (settings.TIME_ZONE). huey hands periodic
    tasks a naive UTC time when it keeps UTC (its default), so "01:00 on the 1st" in
    Beijing — the evening before in UTC — cannot be said with a plain crontab."""
    matches = crontab(**fields)
    zone = ZoneInfo(settings.TIME_ZONE)

    def validate(timestamp: datetime.datetime) -> bool:
        if HUEY.utc:
            timestamp = timestamp.replace(tzinfo=datetime.UTC).astimezone(zone).replace(tzinfo=None)
        return matches(timestamp)

    return validate
