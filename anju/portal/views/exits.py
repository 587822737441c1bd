"""The tenant's pages: exits."""

from django.urls import path  # noqa: F401

urlpatterns: list = []
