// PathSim's |paths(a, a)| for the symmetric metapath T0-T1-T2-T1-T0, for the next key-ordered batch of T0
// nodes: sum over x in T2 of c(a, x)², c(a, x) = number of walks a-T1-x (binary adjacency; a U-I hop counts
// only when the pair is in $train, a map user key -> {item key: true} of the TRAINING interactions).
// ALLOW markers (Tj:u:Tk:v = the hop between variables u and v; kgrec.metapath_edges.fill_statement): $train[user.key][item.key] on a U-I hop, else true.
MATCH (a:{{T0}}) WHERE a.key STARTS WITH $prefix AND a.key > $after
WITH a ORDER BY a.key LIMIT $limit
WITH collect(a) AS starts
CALL (starts) {
  UNWIND starts AS a
  CALL (a) {
    MATCH (a)-[r1:{{R1}}]-(y:{{T1}})
    WHERE {{ALLOW:T0:a:T1:y}}
    WITH DISTINCT y
    MATCH (y)-[r2:{{R2}}]-(x:{{T2}})
    WHERE {{ALLOW:T1:y:T2:x}}
    WITH DISTINCT y, x
    WITH x, count(y) AS walks
    RETURN sum(walks * walks) AS paths
  }
  RETURN collect(a.key) AS keys, collect(paths) AS self_paths
}
RETURN starts[-1].key AS last, size(starts) AS n, keys, self_paths
