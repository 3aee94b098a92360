// First load of a dataset's events (load/events_present was false): validation already made each
// identity (user, item, kind, ts) unique -- the identity shared with merge_events_* and
// `kgrec ingest-events` -- so CREATE skips MERGE's per-row relationship scan.
// A null ts leaves the property unset, as in merge_events_untimed. $rows as in merge_events_timed.
UNWIND $rows AS row
MATCH (u:User {key: row.user})
MATCH (i:Item {key: row.item})
CREATE (u)-[:INTERACTED {kind: row.kind, ts: row.ts, rating: row.rating, weight: row.weight,
                         split: row.split}]->(i)
