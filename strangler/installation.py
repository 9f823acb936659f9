"""What the strangler installs at startup: its routed adapters in the documents context's ports, and the remote
formats service as a shadow candidate."""

from __future__ import annotations

from pagero.documents import public as documents
from shadow import public as shadow

from .adapters import RoutedFormats, RoutedRouting


def install() -> None:
    from .router import call_remote

    documents.install_formats_port(RoutedFormats())
    documents.install_routing_port(RoutedRouting())
    # In shadow mode the extracted formats service runs as the candidate of the local conversion.
    shadow.register_implementation(
        "formats.convert.remote",
        lambda payload, params: call_remote("formats.convert", payload, params["target"]).data,
    )
