// MERGE nodes of one (whitelisted) label on their unique key; $rows: [{key, props}].
UNWIND $rows AS row
MERGE (n:{{label}} {key: row.key})
SET n += row.props
