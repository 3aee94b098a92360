// Walks T0-T1-T2 counted as sum over middle nodes x of deg(x, T0) * deg(x, T2) (degree store, no path expansion).
MATCH (x:{{T1}}) WHERE x.dataset = $dataset
WITH x, COUNT { (x)-[:{{R1}}]-(:{{T0}}) } AS l, COUNT { (x)-[:{{R2}}]-(:{{T2}}) } AS r
RETURN sum(l * r) AS instances
