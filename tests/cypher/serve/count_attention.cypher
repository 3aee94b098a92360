// How many relationships carry KG attention property $property.
MATCH ()-[r]->()
WHERE r[$property] IS NOT NULL
RETURN count(r) AS count
