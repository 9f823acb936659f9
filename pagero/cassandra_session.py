"""One Cassandra session per process, created lazily.

The driver's Cluster owns threads and sockets that do not survive fork(), so the session is
built on first use inside the process that uses it (web worker or Celery child), never at import.
"""

from __future__ import annotations

import socket
import threading

from django.conf import settings

_lock = threading.Lock()
_session = None


class CassandraNotConfigured(RuntimeError):
    """CASSANDRA_HOSTS is empty: the deployment runs without Cassandra."""


def is_configured() -> bool:
    return bool(settings.CASSANDRA_HOSTS)


def get_session(connect_timeout: float = 5.0):
    """Return the process-wide session (no keyspace bound; statements name their keyspace)."""
    global _session
    if not is_configured():
        raise CassandraNotConfigured("CASSANDRA_HOSTS is not set")
    if _session is not None and not _session.is_shutdown:
        return _session
    with _lock:
        if _session is None or _session.is_shutdown:
            from cassandra import ConsistencyLevel
            from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
            from cassandra.policies import DCAwareRoundRobinPolicy, ExponentialReconnectionPolicy, TokenAwarePolicy

            profile = ExecutionProfile(
                # Token-aware: a prepared statement goes straight to a replica of its partition (no extra hop
                # through a coordinator that holds no copy); the local data centre's nodes only.
                load_balancing_policy=TokenAwarePolicy(DCAwareRoundRobinPolicy()),
                consistency_level=ConsistencyLevel.name_to_value[settings.CASSANDRA_CONSISTENCY],
                request_timeout=10.0,
            )
            cluster = Cluster(
                contact_points=settings.CASSANDRA_HOSTS,
                port=settings.CASSANDRA_PORT,
                execution_profiles={EXEC_PROFILE_DEFAULT: profile},
                protocol_version=5,
                connect_timeout=connect_timeout,
                # A node that comes back is used again within seconds, not after the default 10 minutes.
                reconnection_policy=ExponentialReconnectionPolicy(base_delay=0.5, max_delay=5.0),
                # Without TCP_NODELAY a request split over two segments waits for the peer's delayed ACK
                # (~40 ms on Linux): a dual write cost +48 ms per payload before, +2 ms after (bench/payloads.py).
                sockopts=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
            )
            _session = cluster.connect()
        return _session


def shutdown() -> None:
    """Close the session (tests and management commands that fork call this)."""
    global _session
    with _lock:
        if _session is not None:
            _session.cluster.shutdown()
            _session = None
