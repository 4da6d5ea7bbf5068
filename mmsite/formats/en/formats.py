"""Date formats for English pages (admin above all): every time to the second and labelled
with its zone (UTC, settings.TIME_ZONE), instead of Django's "Nov. 29, 2026, 1:16 p.m."."""

DATETIME_FORMAT = "Y-m-d H:i:s T"
SHORT_DATETIME_FORMAT = "Y-m-d H:i:s T"
DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
TIME_FORMAT = "H:i:s"
