"""Which tables hold which category of personal data (used by export, erasure and retention).

Each capability lists its tables here when it adds a migration. Tables that do not exist (yet) are skipped.
Erase categories are the DESIGN.md contract: measurements, health-data, messages, location, diagnostics, all.
"""

from __future__ import annotations

CATEGORY_TABLES: dict[str, tuple[str, ...]] = {
    "measurements": ("measurement", "milestone", "metric_goal", "ble_reading_seen", "ble_user_slot", "ble_device"),
    "health-data": ("sample", "sample_rollup", "sleep_stage", "sleep_session", "workout", "import_file"),
    "messages": ("message", "message_edit", "attachment", "outbox", "matrix_room", "matrix_sync", "matrix_account"),
    "location": ("geocode_cache", "saved_location"),
    "diagnostics": ("diagnostic_log", "ble_decode_error"),
}
