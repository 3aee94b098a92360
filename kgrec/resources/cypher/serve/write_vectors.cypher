// Write one batch of vectors of label {{label}} as property $property; returns how many keys matched.
UNWIND $rows AS row
MATCH (n:{{label}} {key: row.key})
CALL db.create.setNodeVectorProperty(n, $property, row.vec)
RETURN count(n) AS written
