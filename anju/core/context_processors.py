from django.conf import settings
from django.utils.translation import gettext as _


def navigation(request):
    user = getattr(request, "user", None)
    perms = user.permission_set if user is not None and user.is_authenticated else frozenset()
    return {
        "anju_perms": perms,
        "district_name": settings.DISTRICT_NAME or _("L District, Changzhi"),
    }
