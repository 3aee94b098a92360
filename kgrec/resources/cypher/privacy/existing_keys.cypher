// Which of $keys are User nodes.
UNWIND $keys AS key
MATCH (u:User {key: key})
RETURN u.key AS key
