from django.contrib import admin
from django.urls import include, path

from anju.core.views.health import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("anju.core.urls")),
    path("", include("anju.housing.urls")),
    path("", include("anju.households.urls")),
    path("", include("anju.admission.urls")),
    path("", include("anju.tenancy.urls")),
    path("", include("anju.supervision.urls")),
    path("", include("anju.exits.urls")),
    path("", include("anju.helpdesk.urls")),
    path("", include("anju.outreach.urls")),
    path("", include("anju.evaluation.urls")),
    path("", include("anju.portal.urls")),
    path("api/v1/", include("anju.api_urls")),
    path("django-admin/", admin.site.urls),
]
