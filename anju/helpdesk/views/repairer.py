"""The repairer's pages, made for a phone (375 px wide): the orders in hand, nearest
deadline first, with big Start and Done buttons; the Done page takes photos straight
from the camera, what was done, the materials used (one row each) and, for paid work,
the charge. Perm.WORKORDER_WORK; the service lets only the order's repairer, or a
manager of its company, work it."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _

from anju.core.access import staff_view
from anju.core.errors import DomainError
from anju.core.roles import Perm

from ..forms.workorders import DoneForm, materials_input
from ..models import Urgency, WorkOrderStatus
from ..selectors import workorders as selectors
from ..services import workorder_work as work
from ..services.workorders import may_work

S = WorkOrderStatus
MATERIAL_ROWS = 3


@staff_view(Perm.WORKORDER_WORK)
def repairer_tasks(request):
    now = timezone.now()
    return render(
        request,
        "helpdesk/workorders/mine.html",
        {"orders": list(selectors.repairer_tasks(request.user)), "now": now},
    )


def _back(request, order):
    if request.POST.get("next") == "mine":
        return redirect("repairer_tasks")
    return redirect("workorder_detail", pk=order.pk)


@staff_view(Perm.WORKORDER_WORK, find=selectors.order_for_user, methods=("POST",))
def workorder_start(request, order, pk):
    try:
        order = work.workorder_start(order, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("%(n)s: work started.") % {"n": order.number})
    return _back(request, order)


@staff_view(Perm.WORKORDER_WORK, find=selectors.order_for_user, methods=("GET", "POST"))
def workorder_done(request, order, pk):
    paid = order.urgency == Urgency.PAID
    form = DoneForm(request.POST or None, request.FILES or None, paid=paid)
    materials = materials_input(request.POST) if request.method == "POST" else []
    if request.method == "POST" and form.is_valid():
        try:
            order = work.workorder_done(
                order,
                actor=request.user,
                note=form.cleaned_data["note"],
                photos=form.cleaned_data.get("photos") or [],
                materials=materials,
                charge=form.cleaned_data.get("charge"),
            )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(
                request,
                _("%(n)s is done; the tenant is asked to confirm it.") % {"n": order.number},
            )
            return redirect("repairer_tasks")
    rows = [row for row in materials if any(v.strip() for v in row)]
    rows += [["", "", ""]] * max(MATERIAL_ROWS - len(rows), 1)
    return render(
        request,
        "helpdesk/workorders/done.html",
        {
            "order": order,
            "form": form,
            "materials": rows,
            "paid": paid,
            "may_finish": order.status == S.IN_PROGRESS and may_work(order, request.user),
        },
    )


urlpatterns = [
    path("repairs/mine/", repairer_tasks, name="repairer_tasks"),
    path("repairs/<int:pk>/start/", workorder_start, name="workorder_start"),
    path("repairs/<int:pk>/done/", workorder_done, name="workorder_done"),
]
