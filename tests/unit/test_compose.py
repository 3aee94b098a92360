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
    assert mounted == {"neo4j-data", "neo4j-logs", "neo4j-plugins"} <= set(doc["volumes"])
    assert "${NEO4J_PASSWORD" in svc["environment"]["NEO4J_AUTH"]
    assert "apoc" in svc["environment"]["NEO4J_PLUGINS"]
    assert svc["healthcheck"]["test"][0] == "CMD-SHELL"
    assert "7474" in svc["healthcheck"]["test"][1]


def test_the_cluster_profile_has_three_primaries_and_one_secondary_behind_the_enterprise_image() -> None:
    doc = yaml.safe_load((REPO / "docker-compose.yml").read_text())
    members = {name: svc for name, svc in doc["services"].items() if "cluster" in svc.get("profiles", [])}
    assert "profiles" not in doc["services"]["neo4j"]                 # `docker compose up` stays the single server
    modes = sorted(svc["environment"]["NEO4J_initial_server_mode__constraint"] for svc in members.values())
    assert modes == ["PRIMARY", "PRIMARY", "PRIMARY", "SECONDARY"]
    bolt = set()
    for name, svc in members.items():
        env = svc["environment"]
        assert svc["image"] == "neo4j:5.26-enterprise" and env["NEO4J_ACCEPT_LICENSE_AGREEMENT"] == "yes"
        assert env["NEO4J_dbms_cluster_discovery_endpoints"] == "primary1:5000,primary2:5000,primary3:5000"
        port = env["NEO4J_server_bolt_listen__address"].rsplit(":", 1)[1]
        assert env["NEO4J_server_bolt_advertised__address"] == f"127.0.0.1:{port}"     # reachable from the host
        assert f"127.0.0.1:{port}:{port}" in svc["ports"]
        assert f"{name}-data" in doc["volumes"]
        bolt.add(port)
    assert len(bolt) == 4 and "7687" not in bolt                      # no clash with the single server
