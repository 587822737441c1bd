from django.contrib import admin
from django.urls import include, path

from anju.core import views as core_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("anju.core.urls")),
    path("", include("anju.housing.urls")),
    path("", include("anju.households.urls")),
    path("api/v1/", include("anju.api_urls")),
    path("django-admin/", admin.site.urls),
]
