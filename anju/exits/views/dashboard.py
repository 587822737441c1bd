"""Staff pages of the exits app: dashboard."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
