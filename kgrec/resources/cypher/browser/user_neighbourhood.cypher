// A user's neighbourhood: the items they consumed, how many KG links each has, and the names of the
// linked nodes that have one (other films such as sequels, named entities). Titles and names only:
// no node, key or Freebase id is returned (ml-100k's Freebase entities have no names).
// In Neo4j Browser first run:  :param user_key => 'ml100k:1'
MATCH (u:User {key: $user_key})-[ev:INTERACTED]->(i:Item)
OPTIONAL MATCH (i)-[r]-(e)
WHERE NOT type(r) IN ['INTERACTED', 'FRIEND']
WITH i, ev, count(r) AS kg_links, collect(DISTINCT coalesce(e.name, e.title)) AS names
RETURN i.title AS item, i.year AS year, ev.rating AS rating, kg_links,
       [n IN names WHERE NOT n =~ '(.*:)?[mg][.][0-9a-z_]+'][..5] AS linked_names
ORDER BY kg_links DESC, item
LIMIT 60
