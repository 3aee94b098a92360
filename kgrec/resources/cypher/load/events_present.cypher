// Does the dataset (node keys '<dataset>:…') have any events yet? No: the loader may CREATE them.
RETURN EXISTS { MATCH (u:User)-[:INTERACTED]->(:Item) WHERE u.key STARTS WITH $prefix } AS present
