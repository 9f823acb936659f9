"""An organisation's SFTP drop: what a logged-in client sees and what an upload becomes.

The tree is virtual and has two folders: `in/` takes uploads (write only, always listed empty) and `out/` holds one
`<name>.result.json` per upload (read and delete only). No other path exists: a path is normalised against the root
("../.." stays at the root), every name is checked, and nothing the client sends ever names a file on our disk except
a checked result name inside the organisation's own `out/` folder, opened without following links. Links, renames,
folders and attribute changes are refused.

An upload is held in memory up to MAX_DOCUMENT_BYTES and submitted when the client closes it, as the organisation,
through the same entry as the API and the portal (same size limit, same detection and validation, the same
submission budget); the result file names the document id and its status, or the reason it was refused.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import posixpath
import re
import stat
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import asyncssh
from django.conf import settings
from django.db import close_old_connections, connections

from pagero import edge
from pagero.documents import public as documents
from pagero.formats import public as formats

log = logging.getLogger(__name__)

RESULT_SUFFIX = ".result.json"
IN, OUT = "in", "out"
# A file name: letters, digits and . _ - + @ and blanks, not starting with a dot; at most 200 characters.
_NAME = re.compile(r"^[\w@+-][\w.@+ -]{0,199}$")


@dataclass(frozen=True)
class Limits:
    """Bounds of one SSH connection, and of what the drop keeps."""

    max_document_bytes: int
    files_per_connection: int = 100  # uploads in one connection
    open_uploads: int = 4  # uploads in memory at once, per connection
    results_kept: int = 1000  # result files kept per organisation (the oldest go first)

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            max_document_bytes=settings.MAX_DOCUMENT_BYTES,
            files_per_connection=int(getattr(settings, "SFTP_FILES_PER_CONNECTION", 100)),
            open_uploads=int(getattr(settings, "SFTP_OPEN_UPLOADS", 4)),
            results_kept=int(getattr(settings, "SFTP_RESULTS_KEPT", 1000)),
        )


class DatabaseThread:
    """The one thread a server talks to the database from: the ORM and the pipeline are synchronous, the event loop
    must stay free. Closing it closes its database connections."""

    def __init__(self) -> None:
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sftp-db")

    async def run(self, function: Callable[..., object], *args: object) -> object:
        return await asyncio.get_running_loop().run_in_executor(self._executor, functools.partial(function, *args))

    async def close(self) -> None:
        await self.run(connections.close_all)
        self._executor.shutdown(wait=True)


class Quota:
    """What one connection has used (shared by its SFTP sessions)."""

    def __init__(self) -> None:
        self.uploads = 0
        self.open = 0


class Upload:
    """A file being uploaded to in/: its bytes in memory, bounded."""

    def __init__(self, name: str, limit: int) -> None:
        self.name, self.limit = name, limit
        self.data = bytearray()
        self.too_large = False

    def write(self, offset: int, chunk: bytes) -> int:
        if self.too_large or offset + len(chunk) > self.limit:
            self.too_large, self.data = True, bytearray()  # the document is refused: keep nothing of it
            raise asyncssh.SFTPFailure(f"the document is over the limit of {self.limit} bytes")
        if offset > len(self.data):
            self.data.extend(b"\0" * (offset - len(self.data)))
        self.data[offset : offset + len(chunk)] = chunk
        return len(chunk)


def organisation_folder(organisation_id: int) -> Path:
    root = Path(getattr(settings, "SFTP_ROOT", Path(settings.BASE_DIR) / "var" / "sftp"))
    return root / str(int(organisation_id))


def results_folder(organisation_id: int) -> Path:
    folder = organisation_folder(organisation_id) / OUT
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    return folder


def _submit(organisation_id: int, data: bytes) -> dict[str, object]:
    """Submit as the API does; the answer is what the result file says."""
    wait = edge.submission_wait(organisation_id)
    if wait is not None:
        return {
            "accepted": False,
            "error": "too_many_submissions",
            "reason": f"too many submissions: upload it again in {int(wait) + 1} s",
        }
    try:
        document_id, status, reason = documents.submit_document(organisation_id, data)
    except formats.FormatError as exc:
        return {"accepted": False, "error": exc.code, "reason": exc.message}
    return {"accepted": status != "rejected", "document_id": document_id, "status": status, "reason": reason}


def submit_upload(organisation_id: int, name: str, data: bytes | None, refusal: str = "") -> dict[str, object]:
    """Submit one uploaded file and write its result file; returns the result. `data` None with a `refusal` records
    a file that was refused before submission (e.g. over the size limit)."""
    close_old_connections()
    try:
        if data is None:
            result: dict[str, object] = {"accepted": False, "error": "document_too_large", "reason": refusal}
        else:
            try:
                result = _submit(organisation_id, data)
            except Exception:
                # The client must learn that its file did not go through, not just see its upload hang or fail.
                log.exception("SFTP upload %r of organisation %s could not be submitted", name, organisation_id)
                result = {
                    "accepted": False,
                    "error": "internal_error",
                    "reason": "the document could not be "
                    "submitted because of an error on our side; upload it again later",
                }
    finally:
        close_old_connections()
    result = {"file": name, **result}
    write_result(organisation_id, name, result)
    return result


def write_result(organisation_id: int, name: str, result: dict[str, object]) -> None:
    folder = results_folder(organisation_id)
    fd, temporary = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(result, out, indent=2)
        out.write("\n")
    os.replace(temporary, folder / f"{name}{RESULT_SUFFIX}")  # whole or not at all, for a client polling out/
    _prune(folder, Limits.from_settings().results_kept)


def _prune(folder: Path, keep: int) -> None:
    entries = sorted(
        (
            entry
            for entry in os.scandir(folder)
            if entry.is_file(follow_symlinks=False) and entry.name.endswith(RESULT_SUFFIX)
        ),
        key=lambda entry: entry.stat(follow_symlinks=False).st_mtime,
    )
    for entry in entries[: max(0, len(entries) - keep)]:
        os.unlink(entry.path)


def _folder_attrs() -> asyncssh.SFTPAttrs:
    now = int(time.time())
    return asyncssh.SFTPAttrs(
        type=asyncssh.FILEXFER_TYPE_DIRECTORY, permissions=stat.S_IFDIR | 0o755, size=0, atime=now, mtime=now
    )


class DropServer(asyncssh.SFTPServer):
    """One SFTP session of a logged-in organisation (the connection carries its id and quota)."""

    def __init__(self, chan: asyncssh.SSHServerChannel) -> None:
        super().__init__(chan)
        connection = chan.get_connection()
        self.organisation_id: int = connection.get_extra_info("organisation_id")
        self.quota: Quota = connection.get_extra_info("quota")
        self.limits: Limits = connection.get_extra_info("limits")
        self.database: DatabaseThread = connection.get_extra_info("database")

    # -- paths ------------------------------------------------------------------------------------------------------
    @staticmethod
    def _parts(path: bytes) -> tuple[str, ...]:
        """The client's path as parts below the root: () the root, ("in",), ("out", name), ..."""
        try:
            text = path.decode("utf-8")
        except UnicodeDecodeError:
            raise asyncssh.SFTPNoSuchFile("no such file: names are UTF-8") from None
        if "\0" in text or len(text) > 1024:
            raise asyncssh.SFTPNoSuchFile("no such file")
        normal = posixpath.normpath(posixpath.join("/", text))
        return tuple(part for part in normal.split("/") if part)

    def _file(self, path: bytes, folder: str) -> str:
        parts = self._parts(path)
        if len(parts) != 2 or parts[0] != folder:
            raise asyncssh.SFTPPermissionDenied(f"only files directly in {IN}/ (upload) and {OUT}/ (results) exist")
        name = parts[1]
        if not _NAME.match(name):
            raise asyncssh.SFTPPermissionDenied(
                "file names are letters, digits, '.', '_', '-', '+', '@' and blanks, up to 200, not starting with '.'"
            )
        return name

    def _result_path(self, path: bytes) -> Path:
        name = self._file(path, OUT)
        if not name.endswith(RESULT_SUFFIX):
            raise asyncssh.SFTPNoSuchFile("no such file")
        return results_folder(self.organisation_id) / name

    def realpath(self, path: bytes) -> bytes:
        return ("/" + "/".join(self._parts(path))).encode()

    def stat(self, path: bytes) -> asyncssh.SFTPAttrs | os.stat_result:
        parts = self._parts(path)
        if len(parts) == 0 or parts in {(IN,), (OUT,)}:
            return _folder_attrs()
        if len(parts) == 2 and parts[0] == OUT:
            result = os.lstat(self._result_path(path))  # FileNotFoundError: the client sees "no such file"
            if not stat.S_ISREG(result.st_mode):
                raise asyncssh.SFTPNoSuchFile("no such file")
            return result
        raise asyncssh.SFTPNoSuchFile("no such file")

    lstat = stat

    async def scandir(self, path: bytes):  # type: ignore[override]
        parts = self._parts(path)
        if parts not in {(), (IN,), (OUT,)}:
            raise asyncssh.SFTPNoSuchFile("no such folder")
        for name in (".", ".."):
            yield asyncssh.SFTPName(name.encode(), attrs=_folder_attrs())
        if parts == ():
            for name in (IN, OUT):
                yield asyncssh.SFTPName(name.encode(), attrs=_folder_attrs())
        elif parts == (OUT,):
            folder = results_folder(self.organisation_id)
            with os.scandir(folder) as entries:
                for count, entry in enumerate(entries):
                    if count >= self.limits.results_kept + 10:
                        break
                    if entry.name.endswith(RESULT_SUFFIX) and entry.is_file(follow_symlinks=False):
                        yield asyncssh.SFTPName(
                            entry.name.encode(), attrs=asyncssh.SFTPAttrs.from_local(entry.stat(follow_symlinks=False))
                        )

    # -- files ------------------------------------------------------------------------------------------------------
    def open(self, path: bytes, pflags: int, attrs: asyncssh.SFTPAttrs) -> object:
        if pflags & asyncssh.FXF_WRITE:
            if pflags & asyncssh.FXF_READ or pflags & asyncssh.FXF_APPEND:
                raise asyncssh.SFTPPermissionDenied(f"files in {IN}/ are uploaded whole: open them for writing only")
            name = self._file(path, IN)
            if self.quota.uploads >= self.limits.files_per_connection:
                raise asyncssh.SFTPFailure(
                    f"at most {self.limits.files_per_connection} files per connection: connect again for more"
                )
            if self.quota.open >= self.limits.open_uploads:
                raise asyncssh.SFTPFailure(f"at most {self.limits.open_uploads} uploads at once")
            self.quota.uploads += 1
            self.quota.open += 1
            return Upload(name, self.limits.max_document_bytes)
        target = self._result_path(path)
        try:
            fd = os.open(target, os.O_RDONLY | os.O_NOFOLLOW)
        except FileNotFoundError:
            raise asyncssh.SFTPNoSuchFile("no such file") from None
        except OSError:
            raise asyncssh.SFTPPermissionDenied("cannot open this file") from None
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise asyncssh.SFTPNoSuchFile("no such file")
        return os.fdopen(fd, "rb", buffering=0)

    def read(self, file_obj: object, offset: int, size: int) -> bytes:
        if isinstance(file_obj, Upload):
            raise asyncssh.SFTPPermissionDenied("an upload cannot be read back")
        return super().read(file_obj, offset, size)  # type: ignore[return-value]

    def write(self, file_obj: object, offset: int, data: bytes) -> int:
        if not isinstance(file_obj, Upload):
            raise asyncssh.SFTPPermissionDenied("result files are read only")
        return file_obj.write(offset, data)

    async def close(self, file_obj: object) -> None:  # type: ignore[override]
        if not isinstance(file_obj, Upload):
            super().close(file_obj)
            return
        self.quota.open -= 1
        if file_obj.too_large:
            data, refusal = None, f"the document is over the limit of {file_obj.limit} bytes (MAX_DOCUMENT_BYTES)"
        else:
            data, refusal = bytes(file_obj.data), ""
        file_obj.data = bytearray()
        await self.database.run(submit_upload, self.organisation_id, file_obj.name, data, refusal)

    def fstat(self, file_obj: object) -> asyncssh.SFTPAttrs | os.stat_result:
        if isinstance(file_obj, Upload):
            return asyncssh.SFTPAttrs(
                type=asyncssh.FILEXFER_TYPE_REGULAR, permissions=stat.S_IFREG | 0o600, size=len(file_obj.data)
            )
        return super().fstat(file_obj)  # type: ignore[return-value]

    def fsetstat(self, file_obj: object, attrs: asyncssh.SFTPAttrs) -> None:
        """Times and modes sent after an upload (`put -p`) are accepted and mean nothing here."""
        if not isinstance(file_obj, Upload):
            raise asyncssh.SFTPPermissionDenied("result files cannot be changed")

    def fsync(self, file_obj: object) -> None:
        return None

    def remove(self, path: bytes) -> None:
        """A result file may be deleted once fetched; nothing else."""
        target = self._result_path(path)
        try:
            if not stat.S_ISREG(os.lstat(target).st_mode):
                raise asyncssh.SFTPNoSuchFile("no such file")
            os.unlink(target)
        except FileNotFoundError:
            raise asyncssh.SFTPNoSuchFile("no such file") from None

    # -- refused ----------------------------------------------------------------------------------------------------
    def _refuse(self, *args: object, **kwargs: object) -> None:
        raise asyncssh.SFTPPermissionDenied("not allowed here: upload to in/, fetch and delete results in out/")

    setstat = mkdir = rmdir = rename = posix_rename = symlink = link = _refuse  # type: ignore[assignment]

    def readlink(self, path: bytes) -> bytes:
        raise asyncssh.SFTPNoSuchFile("there are no links here")

    def statvfs(self, path: bytes) -> asyncssh.SFTPVFSAttrs:
        raise asyncssh.SFTPOpUnsupported("not supported")

    fstatvfs = statvfs  # type: ignore[assignment]

    def lock(self, file_obj: object, offset: int, length: int, flags: int) -> None:
        raise asyncssh.SFTPOpUnsupported("not supported")

    def unlock(self, file_obj: object, offset: int, length: int) -> None:
        raise asyncssh.SFTPOpUnsupported("not supported")

    def exit(self) -> None:
        return None
