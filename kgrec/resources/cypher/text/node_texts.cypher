// Text to encode for one label: {{label}} and {{property}} are whitelisted splices.
MATCH (n:{{label}})
WHERE ($dataset IS NULL OR n.dataset = $dataset) AND n.{{property}} IS NOT NULL
RETURN n.key AS key, toString(n.{{property}}) AS text
ORDER BY n.key
