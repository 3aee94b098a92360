// Users of $dataset with at least one interaction but no vector in property $property.
MATCH (u:User {dataset: $dataset})
WHERE u[$property] IS NULL AND EXISTS { (u)-[:INTERACTED]->(:Item) }
RETURN u.key AS key
