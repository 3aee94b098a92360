// Items the dataset's source no longer links to a KG entity lose their `entity` property. $rows: [{key}].
UNWIND $rows AS row
MATCH (i:Item {key: row.key})
WHERE i.entity IS NOT NULL
REMOVE i.entity
RETURN count(i) AS unlinked
