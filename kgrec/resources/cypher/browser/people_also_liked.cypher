// "People who liked X also liked it": items the user liked that other users liked together with
// $item_key, ranked by the active model's similarity of X to the item (its own evidence), with the
// number of such people. Titles and counts only.
// In Neo4j Browser first run:  :params {user_key: 'ml100k:1', item_key: 'ml100k:50', dataset: 'ml100k'}
MATCH (m:KgrecModel {dataset: $dataset, active: true})
MATCH (u:User {key: $user_key}), (rec:Item {key: $item_key})
MATCH (u)-[:INTERACTED]->(x:Item)<-[:INTERACTED]-(v:User)-[:INTERACTED]->(rec)
WHERE v <> u AND x <> rec
WITH m, rec, x, count(DISTINCT v) AS people
WITH rec, x, people, x[m.property] AS xv, rec[m.property] AS rv
RETURN rec.title AS recommended, x.title AS because_you_liked, people AS people_who_liked_both,
       round(reduce(s = 0.0, j IN range(0, size(xv) - 2) | s + xv[j] * rv[j]), 4) AS similarity
ORDER BY similarity DESC, because_you_liked
LIMIT 5
