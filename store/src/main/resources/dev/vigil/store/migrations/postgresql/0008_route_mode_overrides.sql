-- Route modes set in the console: they outlast restarts and configuration reloads until they are
-- reset there. One row per route name; a row whose route is no longer configured is kept (see
-- RouteModes in the console). The time is epoch milliseconds.
CREATE TABLE route_mode_overrides (
  route TEXT PRIMARY KEY,
  mode TEXT NOT NULL,
  changed_by TEXT NOT NULL,
  changed_at_ms BIGINT NOT NULL
);
