"""The screening's rules: from one unit's features (a row of `screening_sql`) to its
flags, each with a score from 0 to 1 and an evidence sentence a reviewer can check.

Every number a rule uses is a threshold (`anju.supervision.thresholds`), read from the
values the run keeps. A score is 0.5 where a rule just fires and grows to 1 as the
evidence goes further past its threshold, so leads sort by how clear they are; the
formulas are in docs/screening.md.

`features_of(row, window, values)` turns a row into the `features` dict stored on each
flag (its keys are listed in `anju.supervision.services.screening`); `evaluate(features,
values)` applies the rules; `evidence_text(flag, features)` writes the sentence in the
active language, so a page can show it again in the reader's."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..models import FlagKind
from .screening_sql import COLUMNS, Window

FLAG_ORDER = (FlagKind.IDLE, FlagKind.SUBLET, FlagKind.OVERCROWDING, FlagKind.CHANGE_OF_USE)


def _round(value, places: int):
    return None if value is None else round(float(value), places)


def _ratio(value, median):
    if value is None or median is None or float(median) <= 0:
        return None
    return round(float(value) / float(median), 2)


def _iso(day: int | None) -> str | None:
    return datetime.date.fromordinal(int(day)).isoformat() if day is not None else None


def features_of(row: tuple, window: Window, values: dict[str, Decimal]) -> dict:
    """The features of one unit as stored on its flags (plain JSON values)."""
    r = dict(zip(COLUMNS, row, strict=True))
    silent_run = int(r["lock_silent_run"])
    silent_use = int(r["lock_silent_use_days"])
    lock_silent = silent_run >= int(values["lock_silent_days"]) and silent_use >= float(
        values["lock_silent_use_share"]
    ) * max(silent_run, 1)
    elec, water = _round(r["elec_kwh_per_day"], 3), _round(r["water_m3_per_day"], 4)
    elec_median, water_median = _round(r["elec_median"], 3), _round(r["water_median"], 4)
    return {
        "window_days": window.days,
        "window_from": window.start.isoformat(),
        "window_to": window.until.isoformat(),
        "household_size": int(r["household_size"]),
        "observed_days": window.days - silent_run if lock_silent else window.days,
        "lock_days": int(r["lock_days"]),
        "registered_days": int(r["registered_days"]),
        "unregistered_days": int(r["unregistered_days"]),
        "regular_members": int(r["regular_members"]),
        "unregistered_credentials": int(r["unregistered_credentials"]),
        "regular_unregistered": int(r["regular_unregistered"]),
        "passing_visitors": int(r["passing_visitors"]),
        "passing_days": int(values["passing_days"]),
        "elec_kwh_per_day": elec,
        "elec_median": elec_median,
        "elec_ratio": _ratio(elec, elec_median),
        "water_m3_per_day": water,
        "water_median": water_median,
        "water_ratio": _ratio(water, water_median),
        "median_scope": r["median_scope"],
        "meter_days": int(r["meter_days"]),
        "meter_resets": int(r["meter_resets"]),
        "quiet_run_days": int(r["quiet_run_days"]),
        "quiet_from": _iso(r["quiet_from"]),
        "quiet_to": _iso(r["quiet_to"]),
        "lock_silent_run": silent_run,
        "lock_silent_from": _iso(r["lock_silent_from"]),
        "lock_silent_to": _iso(r["lock_silent_to"]),
        "lock_silent_use_days": silent_use,
        "lock_silent": lock_silent,
    }


def _clamp(x: float) -> float:
    return 0.0 if x < 0 else 1.0 if x > 1 else x


def _past(value: float, threshold: float, span: float) -> float:
    """How far `value` is past `threshold`, as a share of `span` (0 to 1)."""
    return _clamp((value - threshold) / span) if span > 0 else 1.0


def _score(x: float) -> Decimal:
    return Decimal(f"{min(1.0, max(0.0, x)):.3f}")


def evaluate(f: dict, values: dict[str, Decimal]) -> list[tuple[str, Decimal]]:
    """The flags the features raise: [(flag, score)], in FLAG_ORDER."""
    v = {key: float(value) for key, value in values.items()}
    out: list[tuple[str, Decimal]] = []
    window = f["window_days"]

    # Idle: nobody came in and the meters stayed at standby for a long run of days.
    run, need = f["quiet_run_days"], v["idle_quiet_days"]
    if run >= need:
        out.append((FlagKind.IDLE, _score(0.5 + 0.5 * _past(run, need, window - need))))

    # Sublet or lent: the members are (almost) never seen, someone else comes in
    # regularly, and the unit is lived in. Shares are of the days the lock reported.
    observed = f["observed_days"]
    elec_ratio = f["elec_ratio"]
    if observed > 0 and elec_ratio is not None:
        reg = f["registered_days"] / observed
        unreg = f["unregistered_days"] / observed
        reg_max, unreg_min = v["sublet_registered_max"], v["sublet_unregistered_min"]
        if reg <= reg_max and unreg >= unreg_min and elec_ratio >= v["sublet_use_min"]:
            absent = 1 - reg / reg_max if reg_max > 0 else 1.0
            out.append(
                (
                    FlagKind.SUBLET,
                    _score(0.5 + 0.25 * absent + 0.25 * _past(unreg, unreg_min, 1 - unreg_min)),
                )
            )

    # Overcrowding or group renting: several more people come and go regularly than the
    # household has members, and the water shows it.
    extra = f["regular_members"] + f["regular_unregistered"] - f["household_size"]
    water_ratio = f["water_ratio"]
    need_extra, need_water = v["overcrowding_extra"], v["overcrowding_water_min"]
    if extra >= need_extra and water_ratio is not None and water_ratio >= need_water:
        s = 0.5 + 0.25 * _past(extra, need_extra, need_extra)
        s += 0.25 * _past(water_ratio, need_water, need_water)
        out.append((FlagKind.OVERCROWDING, _score(s)))

    # Change of use: the power of a shop or a workshop, or a stream of passing visitors.
    elec_min, visitors_min = v["change_of_use_elec_min"], v["change_of_use_visitors_min"]
    by_power = elec_ratio is not None and elec_ratio >= elec_min
    by_visitors = f["passing_visitors"] >= visitors_min
    if by_power or by_visitors:
        s = max(
            _past(elec_ratio, elec_min, elec_min) if by_power else 0.0,
            _past(f["passing_visitors"], visitors_min, visitors_min) if by_visitors else 0.0,
        )
        both = 0.1 if by_power and by_visitors else 0.0
        out.append((FlagKind.CHANGE_OF_USE, _score(0.5 + 0.4 * s + both)))
    return out


# --- Evidence ------------------------------------------------------------------------


def _num(value, places: int) -> str:
    return "–" if value is None else f"{value:.{places}f}"


def _median_label(f: dict) -> str:
    return _("estate median") if f.get("median_scope") == "estate" else _("district median")


def _elec(f: dict, *, ratio: bool = False) -> str:
    text = _("electricity %(use)s kWh/day, %(median_label)s %(median)s") % {
        "use": _num(f["elec_kwh_per_day"], 1),
        "median_label": _median_label(f),
        "median": _num(f["elec_median"], 1),
    }
    if ratio and f["elec_ratio"] is not None:
        text += f" ({f['elec_ratio']:.1f}×)"
    return text


def _water(f: dict, *, ratio: bool = False) -> str:
    text = _("water %(use)s m³/day, %(median_label)s %(median)s") % {
        "use": _num(f["water_m3_per_day"], 2),
        "median_label": _median_label(f),
        "median": _num(f["water_median"], 2),
    }
    if ratio and f["water_ratio"] is not None:
        text += f" ({f['water_ratio']:.1f}×)"
    return text


def _members_seen(f: dict) -> str:
    n = f["registered_days"]
    return ngettext(
        "registered members seen on %(n)s day", "registered members seen on %(n)s days", n
    ) % {"n": n}


def _unregistered(f: dict) -> str:
    k, n = f["unregistered_credentials"], f["unregistered_days"]
    creds = ngettext("%(k)s unregistered credential", "%(k)s unregistered credentials", k) % {
        "k": k
    }
    return ngettext("%(creds)s on %(n)s day", "%(creds)s on %(n)s days", n) % {
        "creds": creds,
        "n": n,
    }


def evidence_text(flag: str, f: dict) -> str:
    """The evidence sentence of `flag` from its features, in the active language."""
    parts: list[str] = []
    if flag == FlagKind.IDLE:
        parts.append(
            _("no access and no use above standby for %(n)s days in a row (%(start)s to %(end)s)")
            % {"n": f["quiet_run_days"], "start": f["quiet_from"], "end": f["quiet_to"]}
        )
        parts += [_members_seen(f), _elec(f)]
        if f["water_m3_per_day"] is not None:
            parts.append(_water(f))
    elif flag == FlagKind.SUBLET:
        parts += [_members_seen(f), _unregistered(f), _elec(f)]
    elif flag == FlagKind.OVERCROWDING:
        people = f["regular_members"] + f["regular_unregistered"]
        parts.append(
            _(
                "%(people)s people seen regularly (%(members)s registered members, "
                "%(others)s unregistered credentials) for a household of %(size)s"
            )
            % {
                "people": people,
                "members": f["regular_members"],
                "others": f["regular_unregistered"],
                "size": f["household_size"],
            }
        )
        parts.append(_water(f, ratio=True))
    elif flag == FlagKind.CHANGE_OF_USE:
        parts.append(_elec(f, ratio=True))
        n = f["passing_visitors"]
        parts.append(
            ngettext(
                "%(n)s passing visitor (seen on at most %(days)s days)",
                "%(n)s passing visitors (seen on at most %(days)s days each)",
                n,
            )
            % {"n": n, "days": f["passing_days"]}
        )
    if f.get("lock_silent"):
        parts.append(
            _(
                "the lock sent nothing for %(n)s days (%(start)s to %(end)s) while the "
                "meters showed use"
            )
            % {
                "n": f["lock_silent_run"],
                "start": f["lock_silent_from"],
                "end": f["lock_silent_to"],
            }
        )
    if f.get("meter_resets"):
        parts.append(
            ngettext(
                "%(n)s meter register went backwards (not counted as use)",
                "%(n)s meter registers went backwards (not counted as use)",
                f["meter_resets"],
            )
            % {"n": f["meter_resets"]}
        )
    head = _("in %(n)s days:") % {"n": f["window_days"]}
    return f"{head} {'; '.join(parts)}"
