from django.conf import settings
from django.core.checks import Error, Info, register

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


@register(deploy=True)
def data_key_set(app_configs, **kwargs):
    import os

    if not os.environ.get("ANJU_DATA_KEY"):
        return [
            Info(
                "ANJU_DATA_KEY is not set, so personal data is encrypted with a key derived from "
                "ANJU_SECRET_KEY. Set a separate ANJU_DATA_KEY before the first real data goes "
                "in, or rotating the secret key will need `anju rotate-data-key`.",
                id="anju.I001",
            )
        ]
    return []
