// The KG relation names (r.relation) on relationships touching items of $dataset.
MATCH (i:Item {dataset: $dataset})-[r]-()
WHERE r.relation IS NOT NULL
RETURN DISTINCT r.relation AS relation
