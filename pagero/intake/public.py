"""The intake context's facade: documents that arrive by other ways than the API and the portal.

The SFTP drop (`server.py`, run by `manage.py serve_sftp`): an organisation logs in with a key it authorised in the
portal, uploads documents to `in/` and finds `<name>.result.json` in `out/` for each.
"""

from __future__ import annotations

from .drop import RESULT_SUFFIX, DatabaseThread, Limits, submit_upload
from .server import ServerIdentity, ensure_host_key, host_key_path, serve, server_identity, start_server

__all__ = [
    "RESULT_SUFFIX",
    "DatabaseThread",
    "Limits",
    "ServerIdentity",
    "ensure_host_key",
    "host_key_path",
    "serve",
    "server_identity",
    "start_server",
    "submit_upload",
]
