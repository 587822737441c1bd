"""Staff pages of the exits app: exchanges."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
