"""Human summary of an import (CLI and TUI share it)."""

from __future__ import annotations

from companion.health.model import ImportReport
from companion.i18n import _, ngettext


def summary_lines(report: ImportReport, name: str) -> list[str]:
    if report.already_imported:
        return [_("{name} was imported before; nothing new to add (use --force to read it again).").format(name=name)]
    lines = []
    if report.cancelled:
        lines.append(_("Import of {name} stopped; {added} new items are stored. Run the same import again to "
                       "continue where it stopped.").format(name=name, added=f"{report.added:,}"))
    else:
        lines.append(ngettext(
            "Imported {added} new item from {name} ({records} records read).",
            "Imported {added} new items from {name} ({records} records read).", report.added,
        ).format(added=f"{report.added:,}", name=name, records=f"{report.records:,}"))
    if report.resumed_from:
        lines.append(_("Continued after {count} records stored by an earlier, interrupted run.").format(
            count=f"{report.resumed_from:,}"))
    if report.duplicates:
        lines.append(_("{count} items were already stored and were skipped.").format(count=f"{report.duplicates:,}"))
    if report.errors:
        lines.append(ngettext(
            "{count} record could not be imported:", "{count} records could not be imported:", report.error_count,
        ).format(count=f"{report.error_count:,}"))
        for reason, count in report.errors.most_common():
            where = report.examples.get(reason)
            detail = _(" (first: {where})").format(where=where) if where else ""
            lines.append(f"  {count:>8,}  {_(reason)}{detail}")
    if report.skipped_types:
        total = sum(report.skipped_types.values())
        lines.append(_("{count} records of types Companion does not use were left out:").format(count=f"{total:,}"))
        for kind, count in report.skipped_types.most_common(8):
            lines.append(f"  {count:>8,}  {kind}")
        if len(report.skipped_types) > 8:
            lines.append("  " + _("... and {more} other types").format(more=len(report.skipped_types) - 8))
    if report.fatal:
        lines.append(_("The import stopped early: {reason} What was read before that is stored.").format(
            reason=report.fatal))
    return lines
