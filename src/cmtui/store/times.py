"""Times as the store writes them: UTC, ISO 8601, to the second."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def stamp(dt: datetime | None = None) -> str:
    """A precise UTC time for our own events (seen, done, muted, opened): they are compared with each other,
    often within the same second, so they keep microseconds. Feed dates use `iso`."""
    return (dt or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(value)


def hours_between(start: str | None, end: datetime) -> float:
    begun = parse_iso(start)
    return max(0.0, (end - begun).total_seconds() / 3600) if begun else 0.0
