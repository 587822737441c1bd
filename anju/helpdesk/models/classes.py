"""What a repair is about: a three-level classification, place → category → problem
(户内 → 水 → 漏水), and the deadline table (SLA) that turns a classification, an
estate and an urgency into a response and a completion deadline."""

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from anju.core.labels import register_choices


class ClassLevel(models.TextChoices):
    PLACE = "place", _("Place")
    CATEGORY = "category", _("Category")
    PROBLEM = "problem", _("Problem")


class RepairClass(models.Model):
    """One node of the classification. A place has no parent, a category's parent is a
    place and a problem's a category. Names are the authority's data, kept in Chinese
    and English."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    level = models.CharField(_("level"), max_length=10, choices=ClassLevel.choices)
    parent = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    name_zh = models.CharField(_("name (Chinese)"), max_length=40)
    name_en = models.CharField(_("name (English)"), max_length=60, blank=True)
    # A problem the tenant pays for by default (damage they caused, their own fittings),
    # and one that is an emergency by default (a gas smell, a burst pipe).
    tenant_pays = models.BooleanField(_("tenant pays by default"), default=False)
    emergency = models.BooleanField(_("emergency by default"), default=False)
    sort = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("repair classification")
        verbose_name_plural = _("repair classifications")
        ordering = ["sort", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level="place", parent__isnull=True)
                | Q(level__in=["category", "problem"], parent__isnull=False),
                name="repairclass_parent_by_level",
            )
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        if (get_language() or "").startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh

    def path(self) -> list["RepairClass"]:
        """This node and its ancestors, from the place down."""
        nodes: list[RepairClass] = []
        node: RepairClass | None = self
        while node is not None:
            nodes.append(node)
            node = node.parent
        return nodes[::-1]


class Urgency(models.TextChoices):
    """What sets the clock, besides the classification and the estate."""

    NORMAL = "normal", _("Normal")
    EMERGENCY = "emergency", _("Emergency")
    PAID = "paid", _("Paid by the tenant")
    WARRANTY = "warranty", _("Under the builder's warranty")


class SlaUnit(models.TextChoices):
    HOURS = "hours", _("hours, round the clock")
    WORKING_DAYS = "working_days", _("working days")


class SlaRule(models.Model):
    """One line of the deadline table. A rule applies to an order whose classification
    is `repair_class` or below it (blank: any), in `estate` (blank: any), with
    `urgency` (blank: any). The most specific rule wins: the estate first, then the
    deepest classification, then the urgency. The service that saves a rule keeps one
    rule per (classification, estate, urgency); blanks are NULL, which a unique
    constraint would not compare on every database."""

    repair_class = models.ForeignKey(
        RepairClass,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="sla_rules",
        verbose_name=_("classification"),
    )
    estate = models.ForeignKey(
        "housing.Estate",
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("estate"),
    )
    urgency = models.CharField(_("urgency"), max_length=10, choices=Urgency.choices, blank=True)
    respond_in = models.PositiveSmallIntegerField(
        _("respond within"), validators=[MinValueValidator(1)]
    )
    respond_unit = models.CharField(_("unit"), max_length=12, choices=SlaUnit.choices)
    complete_in = models.PositiveSmallIntegerField(
        _("complete within"), validators=[MinValueValidator(1)]
    )
    complete_unit = models.CharField(_("unit"), max_length=12, choices=SlaUnit.choices)
    source = models.CharField(_("source"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("deadline rule")
        verbose_name_plural = _("deadline rules")
        ordering = ["estate_id", "repair_class_id", "urgency", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(respond_in__gt=0) & Q(complete_in__gt=0), name="slarule_positive"
            ),
        ]

    def __str__(self):
        return f"{self.repair_class or '*'} / {self.estate or '*'} / {self.urgency or '*'}"


register_choices(ClassLevel, Urgency, SlaUnit)
