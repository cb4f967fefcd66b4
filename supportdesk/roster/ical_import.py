"""Read absences out of an iCalendar file (an exported vacation calendar).

Pure parsing: no database; problems are worded in the active language.
``services.absences_import_ical`` matches the mail addresses to people and
writes the absences.
"""

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import icalendar
from django.utils.translation import gettext as _

MAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")


class NotICalendar(ValueError):
    """The bytes are not an iCalendar file."""


@dataclass
class Event:
    uid: str
    summary: str
    emails: list[str] = field(default_factory=list)
    """Lower-cased addresses in the order they are tried: SUMMARY, ORGANIZER, ATTENDEE."""
    start: date | None = None
    end: date | None = None
    """Inclusive (iCalendar's DTEND is exclusive)."""
    problem: str = ""
    """Why the event cannot become an absence (in the active language); empty if it can."""


def _mailto(value: object) -> str:
    text = str(value).strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    return text.strip().lower()


def _addresses(component: icalendar.cal.Component) -> list[str]:
    found: list[str] = [m.lower() for m in MAIL.findall(str(component.get("SUMMARY", "")))]
    for name in ("ORGANIZER", "ATTENDEE"):
        values = component.get(name)
        if values is None:
            continue
        for value in values if isinstance(values, list) else [values]:
            address = _mailto(value)
            if MAIL.fullmatch(address):
                found.append(address)
    return list(dict.fromkeys(found))


def _event(component: icalendar.cal.Component) -> Event:
    summary = str(component.get("SUMMARY", "")).strip()
    event = Event(uid=str(component.get("UID", "")).strip(), summary=summary[:200], emails=_addresses(component))
    if not event.uid:
        event.problem = _("event without UID")
        return event
    dtstart = component.get("DTSTART")
    if dtstart is None:
        event.problem = _("event without a start")
        return event
    start = dtstart.dt
    if isinstance(start, datetime) or not isinstance(start, date):
        event.problem = _("not an all-day event")
        return event
    dtend = component.get("DTEND")
    if dtend is not None:
        end = dtend.dt
        if isinstance(end, datetime) or not isinstance(end, date):
            event.problem = _("not an all-day event")
            return event
        last = end - timedelta(days=1)
    elif component.get("DURATION") is not None:
        last = start + component.get("DURATION").dt - timedelta(days=1)
    else:
        last = start  # RFC 5545: an all-day event without an end lasts one day
    if last < start:
        event.problem = _("event ends before it starts")
        return event
    if component.get("RRULE") is not None:
        event.problem = _("repeating events are not imported")
        return event
    event.start, event.end = start, last
    return event


def parse_events(data: bytes) -> list[Event]:
    """Every VEVENT of the file; raises :class:`NotICalendar` for anything else."""
    if not data.lstrip().upper().startswith(b"BEGIN:VCALENDAR"):
        raise NotICalendar(_("The file is not an iCalendar file (it must start with BEGIN:VCALENDAR)."))
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except ValueError as exc:
        raise NotICalendar(_("The iCalendar file cannot be read: %(detail)s") % {"detail": exc}) from exc
    events = []
    for component in calendar.walk("VEVENT"):
        if str(component.get("STATUS", "")).upper() == "CANCELLED":
            continue
        try:
            events.append(_event(component))
        except (ValueError, TypeError, AttributeError) as exc:
            uid = str(component.get("UID", ""))
            events.append(
                Event(
                    uid=uid,
                    summary=str(component.get("SUMMARY", "")),
                    problem=_("unreadable: %(detail)s") % {"detail": exc},
                )
            )
    return events
