// Names of all loaded datasets.
MATCH (d:KgrecDataset)
RETURN d.name AS name ORDER BY name
