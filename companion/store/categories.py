"""Which tables hold which category of personal data (used by export, erasure and retention).

Each capability lists its tables here when it adds a migration. Tables that do not exist (yet) are skipped.
Erase categories are the DESIGN.md contract: measurements, health-data, messages, location, diagnostics, all.
"""

from __future__ import annotations

CATEGORY_TABLES: dict[str, tuple[str, ...]] = {
    "measurements": ("measurement", "milestone", "metric_goal", "ble_reading_seen", "ble_user_slot", "ble_device",
                     "body_measurement", "programme_goal"),
    # the programme's day-to-day health records (companion.store.programme) go with the imported health data
    "health-data": ("sample", "sample_rollup", "sleep_stage", "sleep_session", "workout", "import_file",
                    "medication_log", "medication_plan", "water_intake", "symptom_checkin", "programme_note",
                    "reminder_fired", "reminder", "progress_photo"),
    "messages": ("message", "message_edit", "attachment", "outbox", "matrix_room", "matrix_sync", "matrix_account",
                 # end-to-end encryption: keys, sessions and devices go with the conversation
                 "e2ee_account", "e2ee_olm_session", "e2ee_device", "e2ee_tracked_user", "e2ee_inbound_group",
                 "e2ee_outbound_group", "e2ee_seen_index", "e2ee_message_trust", "e2ee_pending_event",
                 "e2ee_attachment_key", "e2ee_room",
                 # support requests and their answers (companion.care.support)
                 "support_answer", "support_request"),
    "location": ("geocode_cache", "saved_location"),
    "diagnostics": ("diagnostic_log", "ble_decode_error"),
}
