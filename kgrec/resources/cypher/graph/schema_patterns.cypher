// Exact (start label, type, end label) patterns with counts, from the data (db.schema.visualization over-approximates).
MATCH (a)-[r]->(b)
RETURN labels(a)[0] AS start, type(r) AS type, labels(b)[0] AS end, count(*) AS count
ORDER BY start, type, end
