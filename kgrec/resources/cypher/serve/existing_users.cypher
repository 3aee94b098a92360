// How many of $keys are existing users.
UNWIND $keys AS key
MATCH (u:User {key: key})
RETURN count(u) AS count
