"""Pure formats of the E2EE module: recovery keys, backed-up sessions, encrypted attachments."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from companion.messaging.crypto.attachments import AttachmentKeyError, decrypt_attachment, encrypt_attachment
from companion.messaging.crypto.backup import (
    BackupError,
    decode_recovery_key,
    decrypt_session,
    encode_recovery_key,
    encrypt_session,
    public_key_of,
)


@given(st.binary(min_size=32, max_size=32))
def test_recovery_key_round_trip(key: bytes) -> None:
    text = encode_recovery_key(key)
    assert all(len(group) <= 4 for group in text.split(" "))
    assert decode_recovery_key(text) == key
    assert decode_recovery_key(text.replace(" ", "")) == key


@given(st.text(max_size=80))
def test_recovery_key_decoder_never_crashes(text: str) -> None:
    try:
        decode_recovery_key(text)
    except BackupError as exc:
        assert str(exc)


def test_a_typing_mistake_is_caught_by_the_parity_byte() -> None:
    text = encode_recovery_key(bytes(range(32)))
    assert text.startswith("Es")  # 0x8B 0x01 always encodes to "Es..." (spec example keys start so)
    i = next(i for i, ch in enumerate(text) if i > 6 and ch not in " 1")
    swapped = text[:i] + ("2" if text[i] != "2" else "3") + text[i + 1 :]
    with pytest.raises(BackupError):
        decode_recovery_key(swapped)


def test_backed_up_session_round_trip_and_wrong_key() -> None:
    private = bytes(range(1, 33))
    data = encrypt_session(public_key_of(private), {"session_key": "abc", "sender_key": "k"})
    assert set(data) == {"ciphertext", "mac", "ephemeral"}
    assert decrypt_session(private, data)["session_key"] == "abc"
    with pytest.raises(ValueError):
        decrypt_session(bytes(32), data)
    with pytest.raises(ValueError):
        decrypt_session(private, {**data, "mac": "AAAAAAAAAAA"})


@given(st.binary(max_size=5000))
def test_attachment_round_trip(data: bytes) -> None:
    ciphertext, file = encrypt_attachment(data)
    assert file["v"] == "v2" and file["key"]["alg"] == "A256CTR" and len(file["iv"]) == 22
    assert decrypt_attachment(ciphertext, file) == data
    if len(data) >= 16:  # a short ciphertext can equal its plaintext by chance (1 in 256 for one byte)
        assert ciphertext != data


def test_damaged_attachment_or_key_is_refused() -> None:
    ciphertext, file = encrypt_attachment(b"lab results")
    with pytest.raises(AttachmentKeyError, match="checksum"):
        decrypt_attachment(ciphertext + b"x", file)
    for broken in ({**file, "key": {"alg": "A256CTR", "kty": "oct", "k": "!!"}}, {**file, "v": "v9"}, {}, {
            **file, "iv": "AAAA"}):
        with pytest.raises(AttachmentKeyError):
            decrypt_attachment(ciphertext, broken)
