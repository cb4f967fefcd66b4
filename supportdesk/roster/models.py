import secrets
from datetime import date, time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

WEEKDAYS = [0, 1, 2, 3, 4]
"""Monday..Friday as ``date.weekday()`` numbers."""


class RotationMode(models.TextChoices):
    WEEKLY_PAIR = "weekly_pair", _("One pair per week, trading duties daily")
    DAILY = "daily", _("Rotate through the whole pool day by day")


def default_vacation_reminder_days() -> list[int]:
    return [14, 3]


def validate_day_offsets(value: object) -> None:
    if not isinstance(value, list) or not all(isinstance(n, int) and 1 <= n <= 365 for n in value):
        raise ValidationError(_("Give whole numbers of days between 1 and 365."))


class RosterSettings(models.Model):
    """The team's support calendar and planning rules; a single row (pk=1)."""

    core_start = models.TimeField(_("core hours start"), default=time(9))
    core_end = models.TimeField(_("core hours end"), default=time(16))
    core_weekdays = models.JSONField(_("working weekdays"), default=list)
    """Weekday numbers (Monday = 0) that are working days; empty means Monday to Friday."""
    holiday_state = models.CharField(_("holiday state"), max_length=5, blank=True)
    """German state code for public holidays (BY, NW, …); empty uses the deployment default."""
    rotation_mode = models.CharField(
        _("rotation"), max_length=20, choices=RotationMode.choices, default=RotationMode.WEEKLY_PAIR
    )
    fairness_horizon_weeks = models.PositiveSmallIntegerField(_("fairness horizon (weeks)"), default=12)
    draft_weekday = models.PositiveSmallIntegerField(_("draft weekday"), default=0)
    draft_time = models.TimeField(_("draft time"), default=time(8))
    vacation_reminder_days = models.JSONField(
        _("vacation reminder days"), default=default_vacation_reminder_days, validators=[validate_day_offsets]
    )
    """Days before an uncovered duty of an absence on which the coordinator is reminded (R6)."""
    open_duty_notice_minutes = models.PositiveSmallIntegerField(_("open duty notice (minutes)"), default=60)
    """Minutes before the window starts at which a still-open duty of the day is reported (R7)."""

    class Meta:
        verbose_name = _("roster settings")
        verbose_name_plural = _("roster settings")

    def __str__(self) -> str:
        return "Roster settings"


class SupportWindow(models.Model):
    """The afternoon support window on one weekday (R2), in the team's time zone."""

    weekday = models.PositiveSmallIntegerField(_("weekday"), unique=True)
    start = models.TimeField(_("start"), default=time(16))
    end = models.TimeField(_("end"), default=time(18))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["weekday"]
        constraints = [
            models.CheckConstraint(condition=Q(weekday__lte=6), name="supportwindow_weekday_range"),
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="supportwindow_end_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.weekday}: {self.start:%H:%M}–{self.end:%H:%M}"


class ClosingDay(models.Model):
    """A company closing day (e.g. 24 and 31 December): no window, not a working day."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=100, blank=True)

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class Duty(models.Model):
    """One of the afternoon duties (R3); data, so both languages live in the row."""

    PHONE_DUTY = "phone_duty"
    TECHNICAL_STANDBY = "technical_standby"

    code = models.SlugField(unique=True)
    name_de = models.CharField(max_length=100)
    name_en = models.CharField(max_length=100)
    description_de = models.TextField(blank=True)
    description_en = models.TextField(blank=True)
    contact_field = models.CharField(
        max_length=20,
        choices=[("office_phone", _("office phone")), ("mobile", _("mobile"))],
        default="office_phone",
        help_text=_("Which number of the holder callers need."),
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]
        verbose_name_plural = _("duties")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if translation.get_language() == "en" else self.name_de

    @property
    def description(self) -> str:
        return self.description_en if translation.get_language() == "en" else self.description_de


class PoolMember(models.Model):
    """A person in the afternoon pool, with the weekdays they can serve."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pool_membership")
    weekdays = models.JSONField(_("available weekdays"), default=list)
    """Weekday numbers (Monday = 0) the person can serve; a part-timer has fewer."""
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["user__display_name", "user__username"]

    def __str__(self) -> str:
        return f"{self.user} {self.weekdays}"

    def available_on(self, day: date) -> bool:
        return self.active and day.weekday() in self.weekdays


class AbsenceKind(models.TextChoices):
    VACATION = "vacation", _("Vacation")
    SICK = "sick", _("Sick")
    OTHER = "other", _("Other")


class Absence(models.Model):
    """A person is away on whole days ``start``..``end`` (inclusive)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="absences")
    kind = models.CharField(_("kind"), max_length=20, choices=AbsenceKind.choices)
    start = models.DateField(_("from"))
    end = models.DateField(_("until"))
    note = models.CharField(_("note"), max_length=200, blank=True)
    external_uid = models.CharField(max_length=255, blank=True)
    """UID of the iCalendar event it was imported from; makes re-imports idempotent."""
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    duties_hit = models.JSONField(default=list, blank=True)
    """``[[date ISO, duty code], …]`` the person held when the absence was entered; the cover
    status is computed from these and the current plan (``selectors.absence_cover``)."""

    class Meta:
        ordering = ["start", "user_id"]
        indexes = [models.Index(fields=["start", "end"])]
        constraints = [
            models.CheckConstraint(condition=Q(end__gte=models.F("start")), name="absence_end_not_before_start"),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.kind} {self.start}–{self.end}"


class WeekStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class RosterWeek(models.Model):
    """The plan of one week (Monday ``week_start``), drafted and then published (R9)."""

    week_start = models.DateField(unique=True)
    """Always a Monday."""
    status = models.CharField(max_length=20, choices=WeekStatus.choices, default=WeekStatus.DRAFT)
    version = models.PositiveIntegerField(default=0)
    """0 while never published; +1 on every publish and on every later change."""
    problems = models.JSONField(default=list, blank=True)
    """What the generator could not fill: ``[{"date", "duty", "reason"}]``."""
    drafted_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["week_start"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(version__gte=1), name="rosterweek_published_has_version"
            )
        ]

    def __str__(self) -> str:
        return f"Week of {self.week_start} ({self.status} v{self.version})"

    @property
    def is_published(self) -> bool:
        return self.status == WeekStatus.PUBLISHED


class Assignment(models.Model):
    """Who holds one duty on one support day; ``user`` is None while the duty is open."""

    week = models.ForeignKey(RosterWeek, on_delete=models.CASCADE, related_name="assignments")
    date = models.DateField()
    duty = models.ForeignKey(Duty, on_delete=models.PROTECT, related_name="assignments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="assignments"
    )
    is_substitute = models.BooleanField(default=False)
    """Held by a third person because one of the week's pair could not serve that day."""
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["date", "duty__order"]
        constraints = [
            models.UniqueConstraint(fields=["date", "duty"], name="assignment_one_holder_per_duty_day"),
            # Only two duties a day: one person can never hold both.
            models.UniqueConstraint(
                fields=["date", "user"], condition=Q(user__isnull=False), name="assignment_one_duty_per_person_day"
            ),
        ]
        indexes = [models.Index(fields=["user", "date"])]

    def __str__(self) -> str:
        return f"{self.date} {self.duty.code}: {self.user or 'open'}"


class PlanVersion(models.Model):
    """A snapshot of a week as it was published."""

    week = models.ForeignKey(RosterWeek, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    snapshot = models.JSONField()
    """``[{"date", "duty", "username"}]`` as published."""
    published_at = models.DateTimeField()
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["week", "version"]
        constraints = [models.UniqueConstraint(fields=["week", "version"], name="planversion_unique")]

    def __str__(self) -> str:
        return f"{self.week.week_start} v{self.version}"


class ChangeReason(models.TextChoices):
    """Why a cell of a published week changed; stored as a code, worded when read.

    ``selectors.change_reason_text`` words a change in the reader's language from the
    code and ``AssignmentChange.reason_params``.
    """

    NOTE = "note", _("Written by the coordinator")
    SICK_REPORT = "sick_report", _("Sick report")
    SWAP_ACCEPTED = "swap_accepted", _("Swap accepted")
    TAKEOVER_ACCEPTED = "takeover_accepted", _("Takeover accepted")


class AssignmentChange(models.Model):
    """Who changed which cell of a published week, when and why."""

    week = models.ForeignKey(RosterWeek, on_delete=models.CASCADE, related_name="changes")
    date = models.DateField()
    duty = models.ForeignKey(Duty, on_delete=models.PROTECT, related_name="+")
    old_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    new_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    changed_at = models.DateTimeField()
    reason_code = models.CharField(max_length=30, choices=ChangeReason.choices, default=ChangeReason.NOTE)
    reason_params = models.JSONField(default=dict, blank=True)
    """What the reason's sentence names: ``{"start", "end"}`` (ISO dates) of a sick report,
    ``{"request"}`` (the request's id) of an accepted swap or takeover; empty for a note."""
    reason = models.CharField(max_length=300, blank=True)
    """The coordinator's own words (``reason_code`` "note"), shown as written; empty otherwise."""
    version = models.PositiveIntegerField()
    """The week's version after this change."""

    class Meta:
        ordering = ["-changed_at"]

    def __str__(self) -> str:
        return f"{self.date} {self.duty_id}: {self.old_user_id} → {self.new_user_id}"


class FeedToken(models.Model):
    """Secret of a calendar feed URL; renewing replaces the row, so the old URL dies."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="feed_token"
    )
    """None for the team feed."""
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(user__isnull=True), name="feedtoken_one_team_feed")
        ]

    def __str__(self) -> str:
        return f"feed {self.user or 'team'}"

    @staticmethod
    def generate() -> str:
        return secrets.token_urlsafe(32)


# --- Absence cover (R6, R7) and swaps (R5) --------------------------------------------------------


class AbsenceStatus(models.TextChoices):
    """Computed by ``selectors.absence_cover`` from the current plan, never stored (cannot drift)."""

    CONFIRMED = "confirmed", _("Confirmed")
    COVER_MISSING = "cover_missing", _("Cover missing")
    COVERED = "covered", _("Covered")


class SwapKind(models.TextChoices):
    TAKEOVER = "takeover", _("Takeover")
    SWAP = "swap", _("Swap")


class SwapStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


class SwapRequest(models.Model):
    """Someone asks a colleague (or everyone eligible) to take over or swap one duty (R5).

    The system itself asks for a duty freed by a sick report (R7): ``requester`` is then
    None and ``absence`` the sick report. Cells are named by date and duty, not by
    ``Assignment`` row, because redrafting a week replaces its rows.
    """

    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="swap_requests"
    )
    """None: a system offer for an open duty."""
    kind = models.CharField(max_length=20, choices=SwapKind.choices, default=SwapKind.TAKEOVER)
    date = models.DateField()
    duty = models.ForeignKey(Duty, on_delete=models.PROTECT, related_name="+")
    candidate = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="swap_requests_received"
    )
    """The colleague asked; None asks everyone eligible (first accept wins)."""
    target_date = models.DateField(null=True, blank=True)
    target_duty = models.ForeignKey(Duty, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    """For a swap: the candidate's duty the requester takes in return."""
    absence = models.ForeignKey(Absence, null=True, blank=True, on_delete=models.SET_NULL, related_name="duty_offers")
    offered_to = models.JSONField(default=list, blank=True)
    """User ids asked, fairest first (for offers to everyone)."""
    declined_by = models.JSONField(default=list, blank=True)
    """User ids who declined an offer to everyone; it stays open for the others."""
    note = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=20, choices=SwapStatus.choices, default=SwapStatus.OPEN)
    token = models.CharField(max_length=64, unique=True)
    """Secret of the one-click accept/decline links in the notice."""
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["date", "duty"], condition=Q(status="open"), name="swaprequest_one_open_per_duty_day"
            ),
            models.CheckConstraint(
                condition=Q(kind="takeover", target_date__isnull=True, target_duty__isnull=True)
                | Q(kind="swap", target_date__isnull=False, target_duty__isnull=False, candidate__isnull=False),
                name="swaprequest_swap_has_target",
            ),
        ]
        indexes = [models.Index(fields=["status", "date"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.date} {self.duty_id} by {self.requester_id or 'system'} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status == SwapStatus.OPEN

    @property
    def is_system_offer(self) -> bool:
        return self.requester_id is None

    @staticmethod
    def generate_token() -> str:
        return secrets.token_urlsafe(32)


# --- Reminders (R6, R7) ----------------------------------------------------------------------------


class ReminderKind(models.TextChoices):
    VACATION_COVER = "vacation_cover", _("Vacation cover reminder")
    OPEN_DUTY = "open_duty", _("Open duty notice")


class ReminderSent(models.Model):
    """A reminder that went out, so that a second run of the same job sends nothing."""

    kind = models.CharField(max_length=30, choices=ReminderKind.choices)
    key = models.CharField(max_length=100)
    """What the reminder was about, e.g. ``2026-12-14/phone_duty`` (a duty) or ``2026-12-01`` (a day)."""
    date = models.DateField()
    """The team's calendar day the reminder was sent on."""
    sent_at = models.DateTimeField()

    class Meta:
        ordering = ["-sent_at"]
        constraints = [models.UniqueConstraint(fields=["kind", "key", "date"], name="remindersent_once_per_day")]

    def __str__(self) -> str:
        return f"{self.kind} {self.key} on {self.date}"
