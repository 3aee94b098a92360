// State and population progress of one index.
SHOW INDEXES YIELD name, state, populationPercent
WHERE name = $name
RETURN state, populationPercent
