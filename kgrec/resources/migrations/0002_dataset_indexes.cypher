// Per-dataset scans (export, stats) and item <-> KG entity links.
CREATE INDEX user_dataset IF NOT EXISTS FOR (u:User) ON (u.dataset, u.id);
CREATE INDEX item_dataset IF NOT EXISTS FOR (i:Item) ON (i.dataset, i.id);
CREATE INDEX entity_dataset IF NOT EXISTS FOR (e:Entity) ON (e.dataset, e.id);
CREATE INDEX item_entity IF NOT EXISTS FOR (i:Item) ON (i.entity);
CREATE INDEX interacted_kind IF NOT EXISTS FOR ()-[r:INTERACTED]-() ON (r.kind);
