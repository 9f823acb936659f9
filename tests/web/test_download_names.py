"""Download headers built from invoice numbers: one safe ASCII name, the UTF-8 name beside it (RFC 6266)."""

from __future__ import annotations

from urllib.parse import unquote

import pytest

from pagero.edge import attachment_disposition


@pytest.mark.parametrize(
    ("filename", "kind", "expected"),
    [
        (
            "ACME-2002.xml",
            "original",
            "attachment; filename=\"ACME-2002-original.xml\"; filename*=UTF-8''ACME-2002-original.xml",
        ),
        ("ACME-2002.xml", "cii", "attachment; filename=\"ACME-2002-cii.xml\"; filename*=UTF-8''ACME-2002-cii.xml"),
        ("ACME-2002.pdf", "pdf", "attachment; filename=\"ACME-2002.pdf\"; filename*=UTF-8''ACME-2002.pdf"),
        (
            "../../etc/passwd.xml",
            "original",
            "attachment; filename=\"etc-passwd-original.xml\"; filename*=UTF-8''etc-passwd-original.xml",
        ),
        (
            "\"; filename*=UTF-8''evil.sh.xml",
            "ubl",
            "attachment; filename=\"filename-UTF-8-evil.sh-ubl.xml\"; filename*=UTF-8''filename-UTF-8-evil.sh-ubl.xml",
        ),
        (
            "Ωμέγα.xml",
            "original",
            'attachment; filename="document-original.xml"; '
            "filename*=UTF-8''%CE%A9%CE%BC%CE%AD%CE%B3%CE%B1-original.xml",
        ),
        ("", "original", "attachment; filename=\"document-original.bin\"; filename*=UTF-8''document-original.bin"),
    ],
)
def test_names(filename, kind, expected):
    assert attachment_disposition(filename, kind) == expected


@pytest.mark.parametrize(
    "number",
    ["a\r\nSet-Cookie: x=1", 'x"; filename=evil.exe', "x;y", "tab\there", "nul\x00byte", "é" * 500, "\u202eexe.pdf"],
)
def test_no_header_breaking_character_survives(number):
    header = attachment_disposition(f"{number}.xml", "original")
    assert header.isascii() and header.isprintable()
    ascii_name = header.split('filename="', 1)[1].split('"', 1)[0]
    utf8_name = unquote(header.split("filename*=UTF-8''", 1)[1])
    for name in (ascii_name, utf8_name):
        assert name.endswith("-original.xml") and len(name) <= 120
        assert not set(name) & set("\r\n\"';\\/\x00\t ") and "\u202e" not in name
    assert header.count(";") == 2
