"""Forms of the roster pages: they parse and validate input, the services decide."""

from collections.abc import Iterable
from datetime import time

from django import forms
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from supportdesk.accounts.models import User
from supportdesk.roster.models import AbsenceKind, RosterSettings, RotationMode, SwapKind

WEEKDAY_CHOICES = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]

# German states as the ``holidays`` package codes them; the names are proper nouns.
HOLIDAY_STATE_CHOICES = [
    ("", _("Deployment default")),
    ("BW", "Baden-Württemberg"),
    ("BY", "Bayern"),
    ("BE", "Berlin"),
    ("BB", "Brandenburg"),
    ("HB", "Bremen"),
    ("HH", "Hamburg"),
    ("HE", "Hessen"),
    ("MV", "Mecklenburg-Vorpommern"),
    ("NI", "Niedersachsen"),
    ("NW", "Nordrhein-Westfalen"),
    ("RP", "Rheinland-Pfalz"),
    ("SL", "Saarland"),
    ("SN", "Sachsen"),
    ("ST", "Sachsen-Anhalt"),
    ("SH", "Schleswig-Holstein"),
    ("TH", "Thüringen"),
]

OPEN = ""
"""The select value for "nobody holds the duty"."""


def _time_field(label: StrOrPromise) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        input_formats=["%H:%M", "%H:%M:%S"],
        # A text field, not type=time: browsers with an English locale would show 04:00 PM.
        widget=forms.TimeInput(
            format="%H:%M",
            attrs={
                "inputmode": "numeric",
                "pattern": "([01]?[0-9]|2[0-3]):[0-5][0-9]",
                "placeholder": "16:00",
                "maxlength": "5",
                "class": "time-input",
            },
        ),
    )


class CellForm(forms.Form):
    """Who holds one duty on one day; a published week needs a reason for the change."""

    user = forms.ChoiceField(label=_("Holder"), required=False)
    reason = forms.CharField(label=_("Reason for the change"), max_length=300, required=False)

    def __init__(self, *args: object, eligible: Iterable[User], published: bool, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.eligible = {str(user.pk): user for user in eligible}
        self.published = published
        user_field: forms.ChoiceField = self.fields["user"]  # type: ignore[assignment]
        user_field.choices = [(OPEN, _("— open —")), *((pk, u.name) for pk, u in self.eligible.items())]
        if published:
            self.fields["reason"].required = True
            self.fields["reason"].error_messages["required"] = _("A change to a published plan needs a reason.")

    def clean_user(self) -> User | None:
        value = self.cleaned_data["user"]
        return self.eligible[value] if value else None


class PoolMemberForm(forms.Form):
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Weekdays"),
        choices=WEEKDAY_CHOICES[:5],
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    active = forms.BooleanField(label=_("In the afternoon pool"), required=False)


class SupportWindowForm(forms.Form):
    """The window of one weekday; the page shows one of these per weekday (prefix ``w<weekday>``)."""

    active = forms.BooleanField(label=_("Support"), required=False)
    start = _time_field(_("From"))
    end = _time_field(_("Until"))

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if isinstance(start, time) and isinstance(end, time) and end <= start:
            raise forms.ValidationError(_("The window must end after it starts."))
        return cleaned


class RosterSettingsForm(forms.Form):
    core_start = _time_field(_("Core hours from"))
    core_end = _time_field(_("Core hours until"))
    core_weekdays = forms.TypedMultipleChoiceField(
        label=_("Working weekdays"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
    )
    holiday_state = forms.ChoiceField(label=_("Public holidays of"), choices=HOLIDAY_STATE_CHOICES, required=False)
    rotation_mode = forms.ChoiceField(label=_("Rotation"), choices=RotationMode.choices)
    fairness_horizon_weeks = forms.IntegerField(label=_("Fairness horizon (weeks)"), min_value=1, max_value=104)
    draft_weekday = forms.TypedChoiceField(label=_("Draft next week on"), choices=WEEKDAY_CHOICES, coerce=int)
    draft_time = _time_field(_("at"))

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("core_start"), cleaned.get("core_end")
        if isinstance(start, time) and isinstance(end, time) and end <= start:
            raise forms.ValidationError(_("Core hours must end after they start."))
        return cleaned

    @classmethod
    def initial_from(cls, cfg: RosterSettings) -> dict[str, object]:
        return {
            "core_start": cfg.core_start,
            "core_end": cfg.core_end,
            "core_weekdays": cfg.core_weekdays or [0, 1, 2, 3, 4],
            "holiday_state": cfg.holiday_state,
            "rotation_mode": cfg.rotation_mode,
            "fairness_horizon_weeks": cfg.fairness_horizon_weeks,
            "draft_weekday": cfg.draft_weekday,
            "draft_time": cfg.draft_time,
        }


class ClosingDayForm(forms.Form):
    date = forms.DateField(
        label=_("Date"),
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    name = forms.CharField(label=_("Name"), max_length=100, required=False)


class FeedRenewForm(forms.Form):
    scope = forms.ChoiceField(choices=[("personal", "personal"), ("team", "team")])


# --- plan changes: absences, sick reports, the calendar import, swap requests ---------------------


def _date_field(label: StrOrPromise, *, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=required,
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )


class _PersonMixin:
    """A "person" select for coordinators (anyone active); others enter absences for themselves only."""

    fields: dict[str, forms.Field]

    def _set_people(self, people: Iterable[User] | None) -> None:
        self.people = {str(u.pk): u for u in people or []}
        if not self.people:
            del self.fields["user"]
            return
        user_field: forms.ChoiceField = self.fields["user"]  # type: ignore[assignment]
        user_field.choices = [(pk, u.name) for pk, u in self.people.items()]

    def clean_user(self) -> User | None:
        value = self.cleaned_data["user"]  # type: ignore[attr-defined]
        return self.people.get(value)


class _RangeCleanMixin:
    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}  # type: ignore[misc]
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end < start:
            raise forms.ValidationError(_("The end date must not be before the start date."))
        return cleaned


class AbsenceForm(_RangeCleanMixin, _PersonMixin, forms.Form):
    """Enter a vacation, sick report or other absence; ``people`` only for coordinators."""

    user = forms.ChoiceField(label=_("Person"))
    kind = forms.ChoiceField(label=_("Kind"), choices=AbsenceKind.choices, initial=AbsenceKind.VACATION)
    start = _date_field(_("From"))
    end = _date_field(_("Until"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: object, people: Iterable[User] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._set_people(people)


class SickForm(_RangeCleanMixin, _PersonMixin, forms.Form):
    user = forms.ChoiceField(label=_("Who is sick"))
    start = _date_field(_("Sick from"))
    end = _date_field(_("Probably until"))
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: object, people: Iterable[User] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._set_people(people)


ICAL_MAX_BYTES = 2 * 1024 * 1024


class IcalImportForm(forms.Form):
    file = forms.FileField(label=_("iCalendar file (.ics)"), required=False)
    url = forms.URLField(label=_("or the calendar's address"), required=False, assume_scheme="https")
    kind = forms.ChoiceField(label=_("Import as"), choices=AbsenceKind.choices, initial=AbsenceKind.VACATION)

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        upload, url = cleaned.get("file"), cleaned.get("url")
        if bool(upload) == bool(url):
            raise forms.ValidationError(_("Choose a file or enter an address (one of the two)."))
        if upload is not None and getattr(upload, "size", 0) > ICAL_MAX_BYTES:
            raise forms.ValidationError(_("The file is too large (at most 2 MB)."))
        return cleaned


EVERYONE = ""
"""The candidate value for "everyone eligible"."""


class SwapRequestForm(forms.Form):
    """Ask for a takeover (a named colleague or everyone eligible) or a swap with a colleague's duty."""

    kind = forms.ChoiceField(
        label=_("What do you want?"), choices=SwapKind.choices, initial=SwapKind.TAKEOVER, widget=forms.RadioSelect
    )
    candidate = forms.ChoiceField(label=_("Ask"), required=False)
    target = forms.ChoiceField(label=_("In exchange for"), required=False)
    note = forms.CharField(label=_("Message"), max_length=300, required=False)

    def __init__(
        self,
        *args: object,
        candidates: Iterable[User],
        targets: Iterable[tuple[str, str]],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.candidates = {str(u.pk): u for u in candidates}
        candidate_field: forms.ChoiceField = self.fields["candidate"]  # type: ignore[assignment]
        candidate_field.choices = [
            (EVERYONE, _("Everyone eligible (the first to accept takes it)")),
            *((pk, u.name) for pk, u in self.candidates.items()),
        ]
        target_field: forms.ChoiceField = self.fields["target"]  # type: ignore[assignment]
        target_field.choices = [("", _("— choose a colleague's duty —")), *targets]

    def clean_candidate(self) -> User | None:
        return self.candidates.get(self.cleaned_data["candidate"])

    def clean(self) -> dict[str, object]:
        cleaned = super().clean() or {}
        if cleaned.get("kind") == SwapKind.SWAP:
            if not cleaned.get("target"):
                self.add_error("target", _("A swap needs the colleague's duty you take in return."))
        else:
            cleaned["target"] = ""
        return cleaned


class RequestDecisionForm(forms.Form):
    action = forms.ChoiceField(choices=[("accept", "accept"), ("decline", "decline")])
