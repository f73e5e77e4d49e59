"""Bind keys of encrypted scales: OS keyring when usable, else the encrypted store; never a plain file."""

from __future__ import annotations

from pathlib import Path

import pytest

from companion.ble import keys
from companion.store.ble import BleRepository

KEY = bytes.fromhex("0728974d657a4b60964c1b1677f35f7c")
ADDRESS = "8C:D0:B2:F6:BE:EF"


def _files_contain(home: Path, needle: bytes) -> list[str]:
    return [str(p) for p in home.rglob("*") if p.is_file() and needle in p.read_bytes()]


def test_without_keyring_the_key_is_in_the_encrypted_store(store, home: Path) -> None:  # type: ignore[no-untyped-def]
    scale = keys.remember_scale_with_key(store, ADDRESS, "Xiaomi Scale S400", "xiaomi-s400", "broadcast", KEY)
    assert scale.protocol == "xiaomi-s400"
    assert BleRepository(store).key_entry(ADDRESS) == ("store", KEY)
    assert keys.bind_key(store, ADDRESS) == KEY
    store.close()
    # nowhere in the data directory in the clear: neither raw nor as hex text
    assert _files_contain(home, KEY) == [] and _files_contain(home, KEY.hex().encode()) == []


def test_with_a_keyring_the_store_only_says_where(store, memory_keyring) -> None:  # type: ignore[no-untyped-def]
    keys.remember_scale_with_key(store, ADDRESS, None, "xiaomi-s400", "broadcast", KEY)
    assert BleRepository(store).key_entry(ADDRESS) == ("keyring", None)
    assert memory_keyring.secrets[("companion", "ble-bind-key:" + ADDRESS)] == KEY.hex()
    assert keys.bind_key(store, ADDRESS) == KEY
    keys.forget_key(store, ADDRESS)
    assert memory_keyring.secrets == {}
    assert keys.bind_key(store, ADDRESS) is None


def test_forgetting_the_scale_drops_its_stored_key(store) -> None:  # type: ignore[no-untyped-def]
    keys.remember_scale_with_key(store, ADDRESS, None, "xiaomi-s400", "broadcast", KEY)
    assert BleRepository(store).forget(ADDRESS)
    assert BleRepository(store).key_entry(ADDRESS) is None and keys.bind_key(store, ADDRESS) is None


def test_a_failed_transaction_leaves_no_keyring_entry(store, memory_keyring, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def broken(*_args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(BleRepository, "remember_with_key", broken)
    with pytest.raises(RuntimeError):
        keys.remember_scale_with_key(store, ADDRESS, None, "xiaomi-s400", "broadcast", KEY)
    assert memory_keyring.secrets == {}


def test_the_schema_refuses_a_key_of_the_wrong_size(store) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Exception, match="CHECK"):
        BleRepository(store).remember_with_key(ADDRESS, None, "xiaomi-s400", "broadcast", "store", b"short")
    assert BleRepository(store).get(ADDRESS) is None  # the device row rolled back with it


def test_erasing_measurements_removes_the_keyring_entry_too(store, memory_keyring) -> None:  # type: ignore[no-untyped-def]
    from companion.privacy.erasure import erase_category

    keys.remember_scale_with_key(store, ADDRESS, None, "xiaomi-s400", "broadcast", KEY)
    assert memory_keyring.secrets
    erase_category(store, "measurements")
    assert memory_keyring.secrets == {} and BleRepository(store).key_entry(ADDRESS) is None
