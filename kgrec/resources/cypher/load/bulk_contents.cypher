// May `kgrec load --bulk` replace the store? Only when no node but migration records exists.
// Also the names of the datasets recorded, for the refusal message.
RETURN EXISTS { MATCH (n) WHERE NOT n:KgrecMigration } AS found,
       COLLECT { MATCH (d:KgrecDataset) RETURN d.name ORDER BY d.name } AS datasets
