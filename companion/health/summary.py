"""Human summary of an import (CLI and TUI share it)."""

from __future__ import annotations

from companion.health.model import ImportReport
from companion.i18n import _, ngettext
from companion.text import visible


def summary_lines(report: ImportReport, name: str) -> list[str]:
    if report.already_imported:
        return [_("{name} was imported before; nothing new to add (use --force to read it again).").format(name=name)]
    lines = []
    if report.cancelled:
        lines.append(ngettext(
            "Import of {name} stopped; {added} new item is stored. Run the same import again to continue where "
            "it stopped.",
            "Import of {name} stopped; {added} new items are stored. Run the same import again to continue where "
            "it stopped.", report.added).format(name=name, added=f"{report.added:,}"))
    else:
        read = ngettext("{records} record read", "{records} records read", report.records).format(
            records=f"{report.records:,}")
        lines.append(ngettext(
            "Imported {added} new item from {name} ({read}).",
            "Imported {added} new items from {name} ({read}).", report.added,
        ).format(added=f"{report.added:,}", name=name, read=read))
    if report.resumed_from:
        lines.append(ngettext(
            "Continued after {count} record stored by an earlier, interrupted run.",
            "Continued after {count} records stored by an earlier, interrupted run.", report.resumed_from,
        ).format(count=f"{report.resumed_from:,}"))
    if report.duplicates:
        lines.append(ngettext(
            "{count} item was already stored and was skipped.", "{count} items were already stored and were skipped.",
            report.duplicates).format(count=f"{report.duplicates:,}"))
    if report.errors:
        lines.append(ngettext(
            "{count} record could not be imported:", "{count} records could not be imported:", report.error_count,
        ).format(count=f"{report.error_count:,}"))
        for reason, count in report.errors.most_common():
            where = report.examples.get(reason)
            detail = _(" (first: {where})").format(where=where) if where else ""
            lines.append(f"  {count:>8,}  {_(reason)}{detail}")
    if report.refused_fields:
        total = sum(report.refused_fields.values())
        lines.append(ngettext(
            "{count} value was left out of readings that were otherwise imported:",
            "{count} values were left out of readings that were otherwise imported:", total,
        ).format(count=f"{total:,}"))
        for reason, count in report.refused_fields.most_common():
            where = report.examples.get(reason)
            detail = _(" (first: {where})").format(where=where) if where else ""
            lines.append(f"  {count:>8,}  {_(reason)}{detail}")
    if report.skipped_types:
        total = sum(report.skipped_types.values())
        lines.append(ngettext(
            "{count} record of a type Companion does not use was left out:",
            "{count} records of types Companion does not use were left out:", total).format(count=f"{total:,}"))
        for kind, count in report.skipped_types.most_common(8):
            # type names come from the file: XML allows C1 controls, so they are shown neutralised
            lines.append(f"  {count:>8,}  {visible(kind, max_length=120, single_line=True)}")
        if len(report.skipped_types) > 8:
            lines.append("  " + _("... and {more} other types").format(more=len(report.skipped_types) - 8))
    if report.fatal:
        lines.append(_("The import stopped early: {reason} What was read before that is stored.").format(
            reason=report.fatal))
    return lines
