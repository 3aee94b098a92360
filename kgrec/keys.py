"""Node keys: every User/Item/Entity node is keyed ``"<dataset>:<id>"``. The one place that builds them."""

from __future__ import annotations

SEPARATOR = ":"


def prefix(dataset: str) -> str:
    """The key prefix shared by every node of ``dataset``."""
    return f"{dataset}{SEPARATOR}"


def node_key(dataset: str, node_id: object) -> str:
    """The key of the node with external id ``node_id`` in ``dataset``."""
    return f"{dataset}{SEPARATOR}{node_id}"


def qualify(dataset: str, value: str) -> str:
    """``value`` as a key of ``dataset``: an id gets the prefix, a key of that dataset is kept."""
    return value if value.startswith(prefix(dataset)) else node_key(dataset, value)


def node_id(dataset: str, key: str) -> str:
    """The external id inside a key of ``dataset``."""
    return key[len(prefix(dataset)):] if key.startswith(prefix(dataset)) else key
