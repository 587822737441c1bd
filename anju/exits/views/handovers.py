"""Staff pages of the exits app: handovers."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
