"""Writes of the notifications app; ``notify()`` is the one call other apps use to tell a person something.

- ``notices``: rendering a notice and queueing its deliveries (``notify``, ``notify_many``);
- ``deliveries``: sending one, retries, the next channel when one fails, the coordinators told
  when none is left (at most once an hour per coordinator and person), the leases and sweeps
  that send again what a killed worker lost (Prio 1 notices within about a minute), the log of
  every attempt (``DeliveryAttempt``) and its pruning;
- ``user_channels``: a person's own channels and quiet hours.

Everything is re-exported here: ``from supportdesk.notifications.services import notify`` and
``services.<name>`` keep working.
"""

from supportdesk.notifications.services.deliveries import (
    ATTEMPT_RETENTION,
    FALLBACK_AFTER_RETRIES,
    RETRY_DELAYS,
    SENDING_LEASE,
    UNREACHABLE_NOTICE_MINUTES,
    UNREACHABLE_TEMPLATE,
    URGENT_GRACE,
    URGENT_SENDING_LEASE,
    coordinators_tell_unreachable,
    delivery_attempt,
    delivery_attempts_prune,
    delivery_chain,
    delivery_fall_back,
    delivery_lease_check,
    delivery_requeue_if_lost,
    delivery_sweep,
    sending_lease,
    unreachable_notice_period,
)
from supportdesk.notifications.services.notices import (
    DEFAULT_CHANNELS,
    SUBJECT_MAX,
    channels,
    delivery_queue,
    notify,
    notify_many,
    quiet_hours_end,
    recipient_channels,
    render_notice,
)
from supportdesk.notifications.services.user_channels import (
    InvalidChannel,
    quiet_hours_set,
    user_channel_create,
    user_channel_delete,
    user_channel_move,
    user_channel_test,
    webhook_secret_new,
)

__all__ = [
    "ATTEMPT_RETENTION",
    "DEFAULT_CHANNELS",
    "FALLBACK_AFTER_RETRIES",
    "RETRY_DELAYS",
    "SENDING_LEASE",
    "SUBJECT_MAX",
    "UNREACHABLE_NOTICE_MINUTES",
    "UNREACHABLE_TEMPLATE",
    "URGENT_GRACE",
    "URGENT_SENDING_LEASE",
    "InvalidChannel",
    "channels",
    "coordinators_tell_unreachable",
    "delivery_attempt",
    "delivery_attempts_prune",
    "delivery_chain",
    "delivery_fall_back",
    "delivery_lease_check",
    "delivery_queue",
    "delivery_requeue_if_lost",
    "delivery_sweep",
    "notify",
    "notify_many",
    "quiet_hours_end",
    "quiet_hours_set",
    "recipient_channels",
    "render_notice",
    "sending_lease",
    "unreachable_notice_period",
    "user_channel_create",
    "user_channel_delete",
    "user_channel_move",
    "user_channel_test",
    "webhook_secret_new",
]
