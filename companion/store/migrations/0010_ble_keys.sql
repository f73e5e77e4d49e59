-- Schema 9: per-device keys of encrypted scales (the Xiaomi S400 / S200 / S800 bind key). Where an OS keyring
-- is usable the key lives there (service "companion") and this row only says so (storage 'keyring', key
-- NULL); without a keyring the key is kept here, inside the encrypted database. Never in plain files.
CREATE TABLE ble_device_key (
    address  TEXT PRIMARY KEY REFERENCES ble_device(address) ON DELETE CASCADE,
    storage  TEXT NOT NULL CHECK (storage IN ('keyring', 'store')),
    key      BLOB CHECK (key IS NULL OR length(key) = 16),
    CHECK ((storage = 'store') = (key IS NOT NULL))
);
