-- Schema 8: trends — programme milestones and per-profile goals for any metric.
-- Placement and removal dates also live on the profile; rows here add clinic visits, custom events and, when
-- a person has a second balloon, further placements/removals. day: ISO date (local).
CREATE TABLE milestone (
    id         INTEGER PRIMARY KEY,
    profile_id INTEGER NOT NULL REFERENCES profile(id) ON DELETE CASCADE,
    day        TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('placement', 'removal', 'visit', 'custom')),
    label      TEXT NOT NULL DEFAULT ''
);

CREATE INDEX milestone_by_profile ON milestone (profile_id, day);

-- A target per metric (metric: domain Metric values, e.g. body_fat_pct). The weight goal stays on the profile
-- (profile.goal_weight_kg) so onboarding and the profile screen keep working; this table holds the others.
CREATE TABLE metric_goal (
    profile_id INTEGER NOT NULL REFERENCES profile(id) ON DELETE CASCADE,
    metric     TEXT NOT NULL,
    target     REAL NOT NULL,
    set_on     TEXT NOT NULL,
    PRIMARY KEY (profile_id, metric)
) WITHOUT ROWID;
