// Delete Entity nodes the dataset's source no longer has (with any relationship left on them). $rows: [{key}].
UNWIND $rows AS row
MATCH (e:Entity {key: row.key})
DETACH DELETE e
