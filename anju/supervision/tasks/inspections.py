"""Daily inspection work. The body is one call to a service."""

from django.utils import timezone
from huey.contrib.djhuey import db_periodic_task

from anju.core.schedule import local_crontab
from anju.supervision.services.inspections_plans import overdue_followups


@db_periodic_task(local_crontab(hour="6", minute="40"))
def inspections_overdue_task() -> int:
    """Raise a staff to-do for each inspection task whose visit day has passed (the
    next visit's day once nobody answered), for the inspector's organisation; a task
    already listed is not listed again."""
    return overdue_followups(timezone.localdate())
