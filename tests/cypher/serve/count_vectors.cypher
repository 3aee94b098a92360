// How many nodes (any label) carry property $property (checks for leftovers of a version).
MATCH (n)
WHERE n[$property] IS NOT NULL
RETURN count(n) AS n
