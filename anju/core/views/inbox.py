"""My messages, for staff: the in-app messages addressed to the signed-in staff member
(an overdue work order escalated to them, say), newest first, unread ones marked. Reading
the list changes nothing; marking read is a POST, one message or all of them. A tenant's
account has its messages on the portal instead and is sent there.

The unread count on the account menu's avatar is a small fragment every page loads
after it has shown (htmx), so that no page pays for the count."""

from django.contrib import messages as flash
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from anju.core import notify
from anju.core.access import get_or_404, staff_view
from anju.core.listing import list_page


def own_message(user, pk):
    """One of the staff member's own in-app messages, or 404 (anyone else's too)."""
    return get_or_404(notify.staff_inbox(user), pk=pk)


def _tenant(user) -> bool:
    return not user.is_staff_user


@staff_view(None)
def inbox(request):
    user = request.user
    if _tenant(user):
        return redirect("portal_messages")
    everything = notify.staff_inbox(user)
    show = "unread" if request.GET.get("show") == "unread" else "all"
    shown = notify.unread(everything) if show == "unread" else everything
    return list_page(
        request,
        "core/inbox.html",
        shown.order_by("-created_at", "-id"),
        {"show": show, "unread_count": notify.unread(everything).count()},
    )


@staff_view(None, find=own_message, methods=("POST",))
def inbox_read(request, message, pk):
    notify.mark_read(notify.staff_inbox(request.user).filter(pk=message.pk))
    if request.htmx:
        message.refresh_from_db()
        return render(request, "core/inbox.html#message", {"m": message})
    return redirect("inbox")


@staff_view(None, methods=("POST",))
def inbox_read_all(request):
    user = request.user
    if _tenant(user):
        return redirect("portal_messages")
    count = notify.mark_read(notify.staff_inbox(user))
    if count:
        flash.success(
            request,
            ngettext("%(n)s message marked read.", "%(n)s messages marked read.", count)
            % {"n": count},
        )
    else:
        flash.info(request, _("No unread messages."))
    return redirect("inbox")


@staff_view(None)
def message_badge(request):
    """The number of unread messages, on the avatar of the account menu (whose "My
    messages" leads to them)."""
    return render(
        request,
        "core/_message_badge.html",
        {"unread_count": notify.unread(notify.inbox_of(request.user)).count()},
    )


urlpatterns = [
    path("inbox/", inbox, name="inbox"),
    path("inbox/read/", inbox_read_all, name="inbox_read_all"),
    path("inbox/<int:pk>/read/", inbox_read, name="inbox_read"),
    path("inbox/badge/", message_badge, name="message_badge"),
]
