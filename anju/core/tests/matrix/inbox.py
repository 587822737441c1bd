"""Matrix rows of the messages people read: the staff inbox of in-app messages (each
staff member's own; a tenant's account is sent to the portal), the unread badge, and the
portal's messages (the tenant's own household's).

Every staff member of the cast gets one in-app message; each tenant's household one
portal message."""

from anju.core import notify
from anju.core.models import MessageChannel
from anju.testing.cast import ROLE_USERS
from anju.testing.matrix import SIGNED_IN, TENANTS, Row, _list, _r

notify.register("matrix.in_app", MessageChannel.IN_APP, "Work order {number} is overdue.")
notify.register("matrix.portal", MessageChannel.PORTAL, "Hello {household}")

PORTAL = {"alice": 200, "charlie": 200, "anonymous": 302, "*": 404}
PORTAL_POST = {"alice": 302, "charlie": 302, "anonymous": 302, "*": 404}
TENANT_TO_PORTAL = {tenant: 302 for tenant in TENANTS}


def build(world) -> None:
    inbox = {}
    for username in ROLE_USERS:
        if username in TENANTS:
            continue
        inbox[username] = notify.queue(
            "matrix.in_app",
            key=f"matrix:in_app:{username}",
            user=world.cast.users[username],
            number=f"WO-{username}",
        )
    portal = {}
    for tenant, household in (
        ("alice", world.cast.alice_household),
        ("charlie", world.cast.charlie_household),
    ):
        portal[tenant] = notify.queue(
            "matrix.portal",
            key=f"matrix:portal:{tenant}",
            household=household,
            context={"household": household.number},
        )
    world.extra["inbox"] = inbox
    world.extra["portal_messages"] = portal


def _own_in_app(w, side, role):
    """The role's own message on the inside, someone else's on the outside; a tenant or
    a visitor asks for the officer's."""
    inbox = w.extra["inbox"]
    if side == "in":
        return _r("inbox_read", inbox.get(role, inbox["officer"]).pk)
    return _r("inbox_read", inbox["street" if role == "officer" else "officer"].pk)


def _own_portal(w, side, role):
    message = w.extra["portal_messages"]["charlie" if role == "charlie" else "alice"]
    return _r("portal_message_read", message.pk)


ROWS = [
    Row(
        "inbox",
        _list("inbox"),
        allowed=SIGNED_IN,
        scope="none",
        override=TENANT_TO_PORTAL,  # a tenant's messages are on the portal
    ),
    Row(
        "inbox_read_all",
        _list("inbox_read_all"),
        methods=("POST",),
        allowed=SIGNED_IN,
        scope="none",
        override=TENANT_TO_PORTAL,
        data=lambda w, side: {},
    ),
    Row(
        "inbox_read",
        _own_in_app,
        methods=("POST",),
        allowed=SIGNED_IN,
        scope="own",
        override={tenant: 404 for tenant in TENANTS},  # a tenant has no in-app message
        data=lambda w, side: {},
    ),
    Row("message_badge", _list("message_badge"), allowed=SIGNED_IN, scope="none"),
    # --- portal ---
    Row("portal_messages", _list("portal_messages"), fixed=PORTAL),
    Row(
        "portal_messages_read",
        _list("portal_messages_read"),
        methods=("POST",),
        fixed=PORTAL_POST,
        data=lambda w, side: {},
    ),
    Row(
        "portal_message_read",
        _own_portal,
        methods=("POST",),
        fixed=PORTAL_POST,
        data=lambda w, side: {},
    ),
]
