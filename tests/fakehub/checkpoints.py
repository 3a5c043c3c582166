"""Pickle-family weight files for the fake Hub, built from raw bytes (never produced by pickle.dumps
of a live object, never loaded): a torch zip checkpoint whose ``data.pkl`` names a global, laid out
like ``torch.save`` writes it (``archive/data.pkl`` first, tensor storages, central directory last)."""

from __future__ import annotations

import struct
import zlib

from fakehub.content import Virtual

# protocol-2 pickle: GLOBAL 'os system', BINUNICODE 'id', TUPLE1, REDUCE, STOP -> os.system("id") if loaded
OS_SYSTEM_PICKLE = b"\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03."
# protocol-2 pickle of an OrderedDict built from collections.OrderedDict (allowlisted), empty
CLEAN_PICKLE = b"\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01."


def _crc_zeros(n: int) -> int:
    crc, chunk = 0, bytes(1 << 22)
    while n > 0:
        k = min(n, len(chunk))
        crc = zlib.crc32(chunk[:k], crc)
        n -= k
    return crc


def _local(name: bytes, crc: int, size: int) -> bytes:
    return struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0, crc, size, size, len(name), 0) + name


def _central(name: bytes, crc: int, size: int, off: int) -> bytes:
    return (
        struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 0, 0, 0, crc, size, size, len(name), 0, 0, 0, 0, 0, off
        )
        + name
    )


def torch_zip(pickle_bytes: bytes, storage_bytes: int, name: str = "archive") -> Virtual:
    """A stored (uncompressed) torch-style zip of ``storage_bytes`` zero bytes of tensor data after a
    ``data.pkl`` holding ``pickle_bytes``; the zeros are virtual, so a multi-GB file costs no memory."""
    if storage_bytes + 1024 >= 1 << 32:
        raise ValueError("keep it under 4 GiB (no zip64 here)")
    members = [(f"{name}/data.pkl".encode(), pickle_bytes), (f"{name}/version".encode(), b"3\n")]
    prefix, central = b"", b""
    for mname, data in members:
        crc = zlib.crc32(data)
        central += _central(mname, crc, len(data), len(prefix))
        prefix += _local(mname, crc, len(data)) + data
    big = f"{name}/data/0".encode()
    crc = _crc_zeros(storage_bytes)
    central += _central(big, crc, storage_bytes, len(prefix))
    prefix += _local(big, crc, storage_bytes)
    cd_off = len(prefix) + storage_bytes
    eocd = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 3, 3, len(central), cd_off, 0)
    suffix = central + eocd
    return Virtual(prefix, cd_off + len(suffix), suffix)
