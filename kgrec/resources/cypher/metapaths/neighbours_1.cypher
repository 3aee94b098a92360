// Top-$top_n neighbours b != a along the symmetric metapath T0-T1-T0 for the next key-ordered batch of T0
// nodes a, as parallel lists. |paths(a, b)| = number of shared T1 neighbours (binary adjacency; a U-I hop
// counts only when the pair is in $train, a map user key -> {item key: true} of the TRAINING interactions).
// weight: 'pathsim' = 2|paths(a,b)| / (|paths(a,a)| + |paths(b,b)|) with $self_paths (key -> |paths(x,x)|),
// 'count' = |paths(a,b)|. Ties are broken by neighbour key.
// ALLOW markers (Tj:u:Tk:v = the hop between variables u and v; kgrec.metapath_edges.fill_statement): $train[user.key][item.key] on a U-I hop, else true.
MATCH (a:{{T0}}) WHERE a.key STARTS WITH $prefix AND a.key > $after
WITH a ORDER BY a.key LIMIT $limit
WITH collect(a) AS starts
CALL (starts) {
  UNWIND starts AS a
  CALL (a) {
    MATCH (a)-[r1:{{R1}}]-(x:{{T1}})
    WHERE {{ALLOW:T0:a:T1:x}}
    WITH DISTINCT a, x
    MATCH (x)-[r2:{{R1}}]-(b:{{T0}})
    WHERE b <> a AND {{ALLOW:T1:x:T0:b}}
    WITH DISTINCT a, x, b
    WITH a, b, count(x) AS paths
    WITH b, CASE $weighting WHEN 'pathsim' THEN 2.0 * paths / ($self_paths[a.key] + $self_paths[b.key])
                            ELSE toFloat(paths) END AS weight
    ORDER BY weight DESC, b.key
    LIMIT $top_n
    RETURN b.key AS neighbour, weight
  }
  RETURN collect(a.key) AS start_keys, collect(neighbour) AS neighbour_keys, collect(weight) AS weights
}
RETURN starts[-1].key AS last, size(starts) AS n, start_keys, neighbour_keys, weights
