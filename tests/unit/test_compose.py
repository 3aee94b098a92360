"""docker-compose.yml cannot run here (no Docker engine); check what it promises."""

from __future__ import annotations

import yaml

from tests.paths import REPO


def test_compose_uses_official_image_with_ports_volumes_and_healthcheck() -> None:
    doc = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    svc = doc["services"]["neo4j"]
    assert svc["image"] == "neo4j:5.26-community"
    assert set(svc["ports"]) == {"127.0.0.1:7474:7474", "127.0.0.1:7687:7687"}
    mounted = {v.split(":")[0] for v in svc["volumes"]}
    assert mounted == {"neo4j-data", "neo4j-logs", "neo4j-plugins"} == set(doc["volumes"])
    assert "${NEO4J_PASSWORD" in svc["environment"]["NEO4J_AUTH"]
    assert "apoc" in svc["environment"]["NEO4J_PLUGINS"]
    assert svc["healthcheck"]["test"][0] == "CMD-SHELL"
    assert "7474" in svc["healthcheck"]["test"][1]
