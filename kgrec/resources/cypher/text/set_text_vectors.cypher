// Store encoded text vectors as a float vector property (one batch of rows {key, vector}).
UNWIND $rows AS row
MATCH (n:{{label}} {key: row.key})
CALL db.create.setNodeVectorProperty(n, 'text_vec', row.vector)
SET n.text_vec_model = $model
