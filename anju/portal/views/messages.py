"""My messages: what was sent to my household by portal message, SMS or letter (rent
reminders, notices, decisions) and what was addressed to my own account, newest first,
the unread ones marked. Reading the list changes nothing; marking read is a POST, one
message or all of them. Only the signed-in tenant's own household."""

from django.contrib import messages as flash
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from anju.core import notify
from anju.core.access import get_or_404

from ..access import own_household, portal_view

PAGE_SIZE = 30


def own_message(user, pk):
    own_household(user)
    return get_or_404(notify.portal_messages(user), pk=pk)


@portal_view(find=own_household)
def my_messages(request, household):
    everything = notify.portal_messages(request.user)
    page = Paginator(everything.order_by("-created_at", "-id"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "portal/messages/list.html",
        {
            "household": household,
            "page": page,
            "unread_count": notify.unread(everything).count(),
        },
    )


@portal_view(find=own_message, methods=("POST",))
def my_message_read(request, message, pk):
    notify.mark_read(notify.portal_messages(request.user).filter(pk=message.pk))
    if request.htmx:
        message.refresh_from_db()
        return render(request, "portal/messages/list.html#message", {"m": message})
    return redirect("portal_messages")


@portal_view(find=own_household, methods=("POST",))
def my_messages_read(request, household):
    count = notify.mark_read(notify.portal_messages(request.user))
    if count:
        flash.success(
            request,
            ngettext("%(n)s message marked read.", "%(n)s messages marked read.", count)
            % {"n": count},
        )
    else:
        flash.info(request, _("No unread messages."))
    return redirect("portal_messages")


urlpatterns = [
    path("my/messages/", my_messages, name="portal_messages"),
    path("my/messages/read/", my_messages_read, name="portal_messages_read"),
    path("my/messages/<int:pk>/read/", my_message_read, name="portal_message_read"),
]
