// Which of $keys have no {{label}} node (to name them in an error).
UNWIND $keys AS key
OPTIONAL MATCH (n:{{label}} {key: key})
WITH key, n WHERE n IS NULL
RETURN collect(key)[..5] AS missing, count(key) AS count
