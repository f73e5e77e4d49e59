"""Retention rules, enforced on start and daily (``companion.tui.services.retention``) with an injectable
clock.

The rules are the notice's: clinic messages two years; measurements and account data until the user deletes
them; diagnostic logs 14 days. A rule covers the tables of its category that exist, on the time column named
here (tables or columns that are missing are skipped). After purging, the WAL is checkpointed and the file
vacuumed, as for any deletion.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from companion.i18n import N_
from companion.store.privacy import PrivacyRepo

if TYPE_CHECKING:
    from companion.clock import Clock
    from companion.store import Store


@dataclass(frozen=True, slots=True)
class RetentionTarget:
    table: str
    column: str
    unit: str  # "ms" | "s" (Unix time) | "iso" (ISO 8601 text)


@dataclass(frozen=True, slots=True)
class RetentionRule:
    id: str
    title: str  # untranslated
    keep: str  # untranslated, how long
    years: int = 0
    days: int = 0
    targets: tuple[RetentionTarget, ...] = ()

    @property
    def expires(self) -> bool:
        return bool(self.years or self.days)

    def cutoff(self, now: datetime) -> datetime:
        """The moment before which data is purged."""
        moment = now.astimezone(UTC)
        if self.years:
            try:
                moment = moment.replace(year=moment.year - self.years)
            except ValueError:  # 29 February
                moment = moment.replace(year=moment.year - self.years, day=28)
        return moment - timedelta(days=self.days)

    def after(self, created: datetime) -> datetime:
        """When something created at ``created`` is purged."""
        moment = created.astimezone(UTC)
        if self.years:
            try:
                moment = moment.replace(year=moment.year + self.years)
            except ValueError:
                moment = moment.replace(year=moment.year + self.years, day=28)
        return moment + timedelta(days=self.days)


RULES: tuple[RetentionRule, ...] = (
    RetentionRule(
        "messages",
        N_("Messages with your clinic"),
        N_("2 years"),
        years=2,
        targets=(RetentionTarget("message", "ts", "ms"),),
    ),
    RetentionRule(
        "diagnostics",
        N_("Diagnostic logs"),
        N_("14 days"),
        days=14,
        targets=(
            RetentionTarget("diagnostic_log", "ts", "s"),
            RetentionTarget("ble_decode_error", "ts", "s"),
        ),
    ),
    RetentionRule("measurements", N_("Measurements and health data"), N_("until you delete them")),
    RetentionRule("account", N_("Account and profile"), N_("until you delete your account")),
)


def _threshold(target: RetentionTarget, cutoff: datetime) -> object:
    if target.unit == "ms":
        return int(cutoff.timestamp() * 1000)
    if target.unit == "s":
        return int(cutoff.timestamp())
    return cutoff.isoformat()


def _as_datetime(target: RetentionTarget, value: object) -> datetime | None:
    if value is None:
        return None
    try:
        if target.unit == "ms":
            return datetime.fromtimestamp(float(value) / 1000, UTC)  # type: ignore[arg-type]
        if target.unit == "s":
            return datetime.fromtimestamp(float(value), UTC)  # type: ignore[arg-type]
        return datetime.fromisoformat(str(value))
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def _usable(repo: PrivacyRepo, target: RetentionTarget) -> bool:
    return repo.table_exists(target.table) and target.column in repo.columns(target.table)


@dataclass(frozen=True, slots=True)
class PurgeResult:
    rule: str
    deleted: int


def enforce(store: Store, clock: Clock | None = None) -> list[PurgeResult]:
    """Delete everything past its retention period; returns what was removed per rule."""
    from companion.privacy.ledger import is_restricted

    if is_restricted(store):
        # GDPR Art. 18: restricted data is only stored; the user may need it kept (e.g. for a legal claim).
        return []
    now = (clock or store.clock).now()
    repo = PrivacyRepo(store)
    results: list[PurgeResult] = []
    for rule in RULES:
        if not rule.expires:
            continue
        cutoff = rule.cutoff(now)
        deleted = 0
        for target in rule.targets:
            if _usable(repo, target):
                deleted += repo.delete_older(target.table, target.column, _threshold(target, cutoff))
        repo.record_retention_run(rule.id, deleted)
        results.append(PurgeResult(rule.id, deleted))
    if any(r.deleted for r in results):
        repo.scrub()
    return results


def next_purge(store: Store, rule: RetentionRule) -> datetime | None:
    """When the oldest item under ``rule`` will be purged (None: nothing to purge, or the rule never
    purges)."""
    if not rule.expires:
        return None
    repo = PrivacyRepo(store)
    oldest: datetime | None = None
    for target in rule.targets:
        if not _usable(repo, target):
            continue
        found = _as_datetime(target, repo.minimum(target.table, target.column))
        if found is not None and (oldest is None or found < oldest):
            oldest = found
    return None if oldest is None else rule.after(oldest)


def last_run(store: Store) -> datetime | None:
    return PrivacyRepo(store).last_retention_run()
