// Users of $dataset with a vector in property $property (candidates for the fidelity sample).
MATCH (u:User {dataset: $dataset})
WHERE u[$property] IS NOT NULL
RETURN u.key AS key
ORDER BY key
