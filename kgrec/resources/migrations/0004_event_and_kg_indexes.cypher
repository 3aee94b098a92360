// Event identity (user, item, kind, ts) lookups and per-dataset scans of social / KG edges.
CREATE INDEX interacted_kind_ts IF NOT EXISTS FOR ()-[r:INTERACTED]-() ON (r.kind, r.ts);
CREATE INDEX interacted_split IF NOT EXISTS FOR ()-[r:INTERACTED]-() ON (r.split);
CREATE INDEX friend_dataset IF NOT EXISTS FOR ()-[r:FRIEND]-() ON (r.dataset);
