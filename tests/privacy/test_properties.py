"""Property tests for the export's hand-written encoders (they replace slower library calls)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given
from hypothesis import strategies as st

from companion.privacy.export import _csv, _iso_local, _iso_utc, _ValueEncoder
from companion.privacy.fhir import MEASUREMENT_CODES, ObservationTemplate, UuidSource


@given(
    st.integers(min_value=-2_000_000_000, max_value=8_000_000_000),
    st.integers(min_value=-14 * 60, max_value=14 * 60),
)
def test_iso_times_match_datetime(ts: int, offset: int) -> None:
    assert (
        _iso_local(ts, offset) == datetime.fromtimestamp(ts, timezone(timedelta(minutes=offset))).isoformat()
    )
    assert _iso_utc(ts) == datetime.fromtimestamp(ts, UTC).isoformat()


@given(st.text())
def test_csv_fields_round_trip(text: str) -> None:
    encoded = _csv(text)
    (row,) = list(csv.reader(io.StringIO(encoded + "\r\n"))) or [[""]]
    value = row[0] if row else ""
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        assert value == "'" + text  # neutralised for spreadsheets (OWASP CSV injection), otherwise unchanged
    else:
        assert value == text


@given(
    st.one_of(
        st.none(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(),
        st.binary(max_size=64),
    )
)
def test_json_values(value: object) -> None:
    encoded = _ValueEncoder()(value)
    decoded = json.loads(encoded)
    if isinstance(value, bytes):
        import base64

        assert base64.b64decode(decoded["base64"]) == value
    else:
        assert decoded == value


@given(
    st.floats(min_value=0.1, max_value=500, allow_nan=False),
    st.integers(min_value=0, max_value=4_000_000_000),
)
def test_observation_template_is_json(value: float, ts: int) -> None:
    uid = UuidSource()
    for code in MEASUREMENT_CODES.values():
        entry = json.loads(ObservationTemplate(code, uid(), uid()).render(uid(), _iso_utc(ts), value))
        resource = entry["resource"]
        assert resource["effectiveDateTime"].endswith("+00:00")
        number = resource.get("valueQuantity", {}).get("value", resource.get("valueInteger"))
        assert number == value or number == int(value)
