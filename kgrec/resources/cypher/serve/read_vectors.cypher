// Keys and vectors of every {{label}} of $dataset that has property $property.
MATCH (n:{{label}} {dataset: $dataset})
WHERE n[$property] IS NOT NULL
RETURN n.key AS key, n[$property] AS vec
