from django.conf import settings
from django.core.checks import Error, register

MINIMUM_AUDIT_RETENTION_DAYS = 183  # Cybersecurity Law art. 21: logs kept six months or more


@register()
def audit_retention(app_configs, **kwargs):
    if settings.AUDIT_RETENTION_DAYS < MINIMUM_AUDIT_RETENTION_DAYS:
        return [
            Error(
                f"ANJU_AUDIT_RETENTION_DAYS is {settings.AUDIT_RETENTION_DAYS}; the law asks for "
                f"at least {MINIMUM_AUDIT_RETENTION_DAYS} days (six months).",
                id="anju.E001",
            )
        ]
    return []
