from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from anju.core.labels import register_choices
from anju.core.scoping import estate_q


class EstateQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(estate_q(user))


class Estate(models.Model):
    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    community = models.ForeignKey(
        "core.Organisation",
        models.PROTECT,
        related_name="estates",
        limit_choices_to={"kind": "community"},
        verbose_name=_("community"),
    )
    operator = models.ForeignKey(
        "core.Organisation",
        models.PROTECT,
        related_name="operated_estates",
        limit_choices_to={"kind": "operator"},
        verbose_name=_("operator"),
    )
    property_company = models.ForeignKey(
        "core.Organisation",
        models.PROTECT,
        related_name="served_estates",
        limit_choices_to={"kind": "property"},
        verbose_name=_("property company"),
    )
    completed_year = models.PositiveSmallIntegerField(_("year completed"), null=True, blank=True)

    objects = EstateQuerySet.as_manager()

    class Meta:
        verbose_name = _("estate")
        verbose_name_plural = _("estates")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class BuildingQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(estate_q(user, "estate"))


class Building(models.Model):
    estate = models.ForeignKey(
        Estate, models.PROTECT, related_name="buildings", verbose_name=_("estate")
    )
    number = models.CharField(_("building no."), max_length=8)
    floors = models.PositiveSmallIntegerField(_("floors"))
    units_per_floor = models.PositiveSmallIntegerField(_("units per floor"))
    has_lift = models.BooleanField(_("lift"), default=True)

    objects = BuildingQuerySet.as_manager()

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["estate__code", "number"]
        constraints = [
            models.UniqueConstraint(fields=["estate", "number"], name="uniq_building_number"),
        ]

    def __str__(self):
        return f"{self.estate.code}-{self.number}"


class UnitStatus(models.TextChoices):
    VACANT = "vacant", _("Vacant")
    RESERVED = "reserved", _("Reserved")
    OCCUPIED = "occupied", _("Occupied")
    VACATING = "vacating", _("Vacating")
    UNDER_REPAIR = "under_repair", _("Under repair")
    WITHHELD = "withheld", _("Withheld")


# The only allowed moves of a unit's status; `unit_set_status` enforces it.
UNIT_TRANSITIONS: dict[str, frozenset[str]] = {
    UnitStatus.VACANT: frozenset(
        {UnitStatus.RESERVED, UnitStatus.OCCUPIED, UnitStatus.UNDER_REPAIR, UnitStatus.WITHHELD}
    ),
    UnitStatus.RESERVED: frozenset({UnitStatus.VACANT, UnitStatus.OCCUPIED}),
    UnitStatus.OCCUPIED: frozenset({UnitStatus.VACATING}),
    UnitStatus.VACATING: frozenset(
        {UnitStatus.OCCUPIED, UnitStatus.VACANT, UnitStatus.UNDER_REPAIR}
    ),
    UnitStatus.UNDER_REPAIR: frozenset({UnitStatus.VACANT, UnitStatus.WITHHELD}),
    UnitStatus.WITHHELD: frozenset({UnitStatus.VACANT, UnitStatus.UNDER_REPAIR}),
}


# Statuses that follow a lease (it starts, or its household is leaving); only the lease
# services set them, never the manual status form.
LEASE_STATUSES = frozenset({UnitStatus.OCCUPIED, UnitStatus.VACATING})


class Orientation(models.TextChoices):
    SOUTH = "S", _("South")
    NORTH = "N", _("North")
    EAST = "E", _("East")
    WEST = "W", _("West")
    SOUTH_NORTH = "SN", _("South–north through")
    EAST_WEST = "EW", _("East–west through")


class UnitQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(estate_q(user, "estate"))


class Unit(models.Model):
    code = models.CharField(_("unit code"), max_length=24, unique=True)
    estate = models.ForeignKey(
        Estate, models.PROTECT, related_name="units", verbose_name=_("estate")
    )
    building = models.ForeignKey(
        Building, models.PROTECT, related_name="units", verbose_name=_("building")
    )
    floor = models.SmallIntegerField(_("floor"))
    position = models.PositiveSmallIntegerField(_("position on floor"))
    area_m2 = models.DecimalField(
        _("area (m²)"), max_digits=7, decimal_places=2, validators=[MinValueValidator(Decimal("1"))]
    )
    rooms = models.PositiveSmallIntegerField(_("rooms"), default=1)
    orientation = models.CharField(
        _("orientation"), max_length=2, choices=Orientation.choices, default=Orientation.SOUTH
    )
    accessible = models.BooleanField(_("barrier-free"), default=False)
    accessibility_notes = models.CharField(_("accessibility features"), max_length=200, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=UnitStatus.choices,
        default=UnitStatus.VACANT,
        db_index=True,
    )
    status_changed_at = models.DateTimeField(_("status since"), default=timezone.now)

    objects = UnitQuerySet.as_manager()

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(
                fields=["building", "floor", "position"], name="uniq_unit_position"
            ),
            models.CheckConstraint(condition=models.Q(area_m2__gt=0), name="unit_area_positive"),
        ]
        indexes = [models.Index(fields=["estate", "status"])]

    def __str__(self):
        return self.code


class RentStandardQuerySet(models.QuerySet):
    def visible_to(self, user):
        return self.filter(estate_q(user, "estate"))

    def in_force(self, on):
        return self.filter(effective_from__lte=on).order_by("-effective_from")


class RentStandard(models.Model):
    """An estate's rent per m² per month from a date; earlier rows are the history."""

    estate = models.ForeignKey(
        Estate, models.PROTECT, related_name="rent_standards", verbose_name=_("estate")
    )
    price_per_m2 = models.DecimalField(
        _("rent per m² per month (yuan)"), max_digits=6, decimal_places=2
    )
    effective_from = models.DateField(_("effective from"))
    source = models.CharField(_("source document"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = RentStandardQuerySet.as_manager()

    class Meta:
        verbose_name = _("rent standard")
        verbose_name_plural = _("rent standards")
        ordering = ["estate", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["estate", "effective_from"], name="uniq_rent_standard_date"
            ),
            models.CheckConstraint(
                condition=models.Q(price_per_m2__gt=0), name="rent_standard_positive"
            ),
        ]

    def __str__(self):
        return f"{self.estate.code} ¥{self.price_per_m2}/m² ({self.effective_from})"


register_choices(UnitStatus)
