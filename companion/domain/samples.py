"""Kinds of time-series samples (heart rate, steps...): shared by the importers and the store.

Kept out of :mod:`companion.store` so an import's reader process can name them without loading the database
driver (SQLCipher and its OpenSSL cost about 10 MB of memory).
"""

from __future__ import annotations

from enum import StrEnum


class SampleKind(StrEnum):
    HEART_RATE = "heart_rate"  # beats per minute
    RESTING_HEART_RATE = "resting_heart_rate"  # beats per minute
    HRV_SDNN = "hrv_sdnn"  # milliseconds
    RR_INTERVAL = "rr_interval"  # milliseconds (from BLE heart-rate straps)
    STEPS = "steps"  # count in the interval ending at ts
    ACTIVE_ENERGY = "active_energy"  # kcal
    BODY_MASS = "body_mass"  # kg, for imports that are not full weigh-ins
    LEAN_BODY_MASS = "lean_body_mass"  # kg
    HEIGHT = "height"  # cm
    WALKING_HEART_RATE = "walking_heart_rate"  # beats per minute (Apple's walking average)
