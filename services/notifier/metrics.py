"""The notifier's Prometheus metrics, served at `/metrics` with everything else in the registry."""

from prometheus_client import Counter, Histogram

EMAILS_SENT = Counter(
    "notifier_emails_sent_total", "Emails accepted by the mail server.", ["state"]
)
EMAILS_FAILED = Counter(
    "notifier_emails_failed_total", "Emails that failed permanently (not retried).", ["state"]
)
EMAILS_RETRIED = Counter(
    "notifier_emails_retried_total", "SMTP attempts that failed transiently and were retried."
)
SMTP_SECONDS = Histogram(
    "notifier_smtp_seconds",
    "Duration of one SMTP delivery attempt.",
    ["outcome"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
CALENDAR_REPLIES = Counter(
    "notifier_calendar_replies_total",
    "Messages at the inbound endpoint: counted as answers, ignored, or deferred (451).",
    ["outcome"],
)
