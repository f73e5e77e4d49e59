"""Catalogue rows for Soehnle Shape / Style (names as matched by openScale's SoehnleHandler.kt@0cb4064)."""

from __future__ import annotations

from tests.ble.catalogue import Row

_SERVICE = "352e3000-28e9-40b8-a361-6db4cca4147c"
_SRC = "oliexdev/openScale@0cb4064 SoehnleHandler.kt supportFor()"

ROWS = [
    Row("Soehnle Shape200", "soehnle", "Shape200-1A2B", source=_SRC),
    Row("Soehnle Shape100 with its vendor service", "soehnle", "Shape100", (_SERVICE,), source=_SRC),
    Row("Soehnle Shape50", "soehnle", "Shape50", source=_SRC),
    Row("Soehnle Style100 (also lists the User Data service)", "soehnle", "Style100", ("181c", _SERVICE), source=_SRC),
]
