-- Schema 9: a measurement is the same reading again only when everything it measured is the same.
-- Until now (profile_id, ts, source) was unique, so two readings in the same minute of a minute-resolution
-- file (two people on one scale, a re-weigh) lost the second. SQLite cannot drop a table constraint, so
-- the table is rebuilt with the same columns and ids; the unique index below replaces the constraint.
-- BMI is left out of the key: it follows from the weight and the height (an import computes it from the
-- profile's height, which may have changed between two runs). NULL is not a value to UNIQUE, hence ifnull
-- with -1, which no metric can be.
CREATE TABLE measurement_rebuilt (
    id             INTEGER PRIMARY KEY,
    profile_id     INTEGER NOT NULL REFERENCES profile(id) ON DELETE CASCADE,
    ts             INTEGER NOT NULL,
    tz_offset      INTEGER NOT NULL DEFAULT 0,
    source         TEXT NOT NULL,
    device         TEXT,
    weight_kg      REAL,
    body_fat_pct   REAL,
    body_water_pct REAL,
    bone_mass_kg   REAL,
    muscle_mass_kg REAL,
    bmi            REAL,
    bmr_kcal       REAL,
    visceral_fat   REAL,
    impedance_ohm  REAL,
    derived_mask   INTEGER NOT NULL DEFAULT 0,
    note           TEXT
);

INSERT INTO measurement_rebuilt (id, profile_id, ts, tz_offset, source, device, weight_kg, body_fat_pct,
    body_water_pct, bone_mass_kg, muscle_mass_kg, bmi, bmr_kcal, visceral_fat, impedance_ohm, derived_mask, note)
SELECT id, profile_id, ts, tz_offset, source, device, weight_kg, body_fat_pct, body_water_pct, bone_mass_kg,
    muscle_mass_kg, bmi, bmr_kcal, visceral_fat, impedance_ohm, derived_mask, note FROM measurement;

-- Dropping the old table sets ble_reading_seen.measurement_id to NULL (ON DELETE SET NULL, foreign keys are
-- on during migrations): keep the links and put them back, the ids are unchanged.
CREATE TABLE measurement_links_0009 AS
SELECT address, fingerprint, measurement_id FROM ble_reading_seen WHERE measurement_id IS NOT NULL;

DROP TABLE measurement;

ALTER TABLE measurement_rebuilt RENAME TO measurement;

UPDATE ble_reading_seen SET measurement_id = (
    SELECT l.measurement_id FROM measurement_links_0009 l
    WHERE l.address = ble_reading_seen.address AND l.fingerprint = ble_reading_seen.fingerprint)
WHERE EXISTS (SELECT 1 FROM measurement_links_0009 l
              WHERE l.address = ble_reading_seen.address AND l.fingerprint = ble_reading_seen.fingerprint);

DROP TABLE measurement_links_0009;

CREATE UNIQUE INDEX measurement_reading ON measurement (
    profile_id, ts, source, ifnull(weight_kg, -1), ifnull(body_fat_pct, -1), ifnull(body_water_pct, -1),
    ifnull(bone_mass_kg, -1), ifnull(muscle_mass_kg, -1), ifnull(bmr_kcal, -1), ifnull(visceral_fat, -1),
    ifnull(impedance_ohm, -1));
