"""Money in and out (Perm.PAYMENT_RECORD): a payment taken at the counter, then its
receipt; a refund of credit; and the payment-channel statements — the list, the upload
(imported by a background job whose page shows its progress) and each statement's
report with its bad rows named by line."""

from django.contrib import messages
from django.db import IntegrityError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _

from anju.core.access import staff_view
from anju.core.errors import DomainError
from anju.core.listing import list_page
from anju.core.roles import Perm

from ..forms.payments import CounterPaymentForm, RefundForm, StatementForm
from ..models import Payment
from ..selectors import accounts as selectors
from ..services import statements as statement_service
from ..services.payments import payment_record, refund_record


def _household(user, pk):
    return selectors.household_for_account(user, pk)


def _statement(user, pk):
    return selectors.statement_for_user(user, pk)


# --- The counter --------------------------------------------------------------------------


@staff_view(Perm.PAYMENT_RECORD, find=_household, methods=("GET", "POST"))
def payment_counter(request, household, pk):
    form = CounterPaymentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            payment, _new = payment_record(household, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error(None, exc.message)
        except IntegrityError:
            # Two clerks took the same receipt number at the same moment.
            form.add_error(None, _("The payment was not recorded; record it again."))
        else:
            messages.success(
                request,
                _("Payment %(number)s of ¥%(amount)s recorded.")
                % {"number": payment.number, "amount": payment.amount},
            )
            return redirect("payment_detail", pk=payment.pk)
    context = selectors.account_of(household)
    return render(
        request,
        "tenancy/payments/counter.html",
        {"household": household, "form": form, **context},
    )


@staff_view(Perm.PAYMENT_RECORD, find=_household, methods=("GET", "POST"))
def refund_page(request, household, pk):
    credit = selectors.credit_of(household)
    form = RefundForm(request.POST or None, initial={"amount": credit if credit > 0 else None})
    if request.method == "POST" and form.is_valid():
        try:
            refund = refund_record(household, actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_error("amount" if exc.code == "over_credit" else None, exc.message)
        except IntegrityError:
            form.add_error(None, _("The refund was not recorded; record it again."))
        else:
            messages.success(
                request,
                _("Refund %(number)s of ¥%(amount)s recorded.")
                % {"number": refund.number, "amount": refund.amount},
            )
            return redirect("household_account", pk=household.pk)
    return render(
        request,
        "tenancy/payments/refund.html",
        {"household": household, "form": form, "credit": credit},
    )


# --- Statements ---------------------------------------------------------------------------


@staff_view(Perm.PAYMENT_RECORD)
def statement_list(request):
    return list_page(
        request,
        "tenancy/payments/statement_list.html",
        selectors.statements_for(request.user).order_by("-imported_at", "-pk"),
        {"form": StatementForm(), "columns": statement_service.COLUMNS},
    )


@staff_view(Perm.PAYMENT_RECORD, methods=("POST",))
def statement_import(request):
    form = StatementForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("statement_list")
    try:
        job = statement_service.statement_job_start(
            actor=request.user,
            channel=form.cleaned_data["channel"],
            file=form.cleaned_data["file"],
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("statement_list")
    return redirect("job_detail", pk=job.pk)


@staff_view(Perm.PAYMENT_RECORD, find=_statement)
def statement_detail(request, statement, pk):
    earlier = (
        selectors.statements_for(request.user)
        .filter(
            file_sha256=statement.file_sha256,
            channel=statement.channel,
            imported_at__lt=statement.imported_at,
        )
        .order_by("imported_at")
        .first()
    )
    payments = (
        statement.payments.select_related("household")
        .filter(pk__in=Payment.objects.visible_to(request.user))
        .order_by("paid_at", "id")
    )
    return render(
        request,
        "tenancy/payments/statement_detail.html",
        {
            "statement": statement,
            "earlier": earlier,
            "payments": payments[:200],
            "payment_count": payments.count(),
            "verdict": statement_service.statement_verdict(statement),
            "problems_more": statement.rejected - len(statement.problems),
        },
    )


urlpatterns = [
    path("households/<int:pk>/payments/new/", payment_counter, name="payment_counter"),
    path("households/<int:pk>/refunds/new/", refund_page, name="refund_record"),
    path("statements/", statement_list, name="statement_list"),
    path("statements/import/", statement_import, name="statement_import"),
    path("statements/<int:pk>/", statement_detail, name="statement_detail"),
]
