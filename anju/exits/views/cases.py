"""Staff pages of the exits app: cases."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
