"""A small Synapse module for clinic homeservers: retention only by staff (optionally: no redactions).

Clinic conversations have a fixed two-year retention and are end-to-end encrypted (Companion and Element
both speak Megolm), so encryption is allowed by default; ``block_encryption: true`` restores the old
"plain rooms only" policy for a clinic that must archive message text on the server. Power levels
already stop the patient (the clinic creates each room, see ``companion clinic provision``); this module is
the
belt to those braces, using ``check_event_allowed`` because it also sees createRoom's ``initial_state``
(the spam-checker callback ``user_may_send_state_event`` does not).

Self-contained on purpose: it runs inside Synapse's own environment and imports nothing from Companion.
Install by putting this file on Synapse's ``PYTHONPATH`` as ``companion_synapse_module.py`` and adding::

    modules:
      - module: companion_synapse_module.CompanionRoomPolicy
        config:
          staff_users: ["@clinic:example.org"]     # may set m.room.retention
          staff_user_regex: "^@staff-.*:example\\\\.org$"   # optional
          block_encryption: false                  # reject m.room.encryption everywhere (default false)
          block_redactions: false                  # TI-M Löschkonzept v2 style "no deletion" (default false)

Synapse module API: https://element-hq.github.io/synapse/latest/modules/third_party_rules_callbacks.html
"""

from __future__ import annotations

import re
from typing import Any

ENCRYPTION = "m.room.encryption"
RETENTION = "m.room.retention"
REDACTION = "m.room.redaction"


class CompanionRoomPolicy:
    def __init__(self, config: dict[str, Any], api: Any) -> None:
        self._staff = frozenset(config.get("staff_users", []))
        pattern = config.get("staff_user_regex")
        self._staff_re = re.compile(pattern) if pattern else None
        self._block_encryption = bool(config.get("block_encryption", False))
        self._block_redactions = bool(config.get("block_redactions", False))
        api.register_third_party_rules_callbacks(check_event_allowed=self.check_event_allowed)

    @staticmethod
    def parse_config(config: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(config, dict):
            raise ValueError("companion_synapse_module: config must be a mapping")
        staff = config.get("staff_users", [])
        if not isinstance(staff, list) or not all(isinstance(s, str) for s in staff):
            raise ValueError("companion_synapse_module: staff_users must be a list of user ids")
        return config

    def is_staff(self, user_id: str) -> bool:
        return user_id in self._staff or bool(self._staff_re and self._staff_re.match(user_id))

    def decide(self, event_type: str, sender: str, is_state: bool) -> bool:
        """Pure policy, testable without Synapse: True when the event may pass."""
        if event_type == ENCRYPTION and self._block_encryption:
            return False
        if event_type == RETENTION and is_state and not self.is_staff(sender):
            return False
        if event_type == REDACTION and self._block_redactions:
            return False
        return True

    async def check_event_allowed(self, event: Any, state_events: Any) -> tuple[bool, dict[str, Any] | None]:
        is_state = getattr(event, "state_key", None) is not None
        return self.decide(event.type, event.sender, is_state), None
