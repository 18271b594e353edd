"""Read CTranslate2's ``model.bin``: header, variable table, dtypes and aliases.

Layout (little endian; ``ctranslate2.specs.ModelSpec._serialize``): u32 binary version
(4 to 6); str spec name and u32 revision (version >= 2); u32 n, then n variables
{str name, u8 rank, u32 dims[rank], u8 dtype, u32 nbytes, data}; u32 n, then n aliases
{str alias, str variable} (version >= 3). ``str`` is a u16 length (the trailing NUL
included) then the bytes; scalars (rank 0) hold settings such as ``encoder/num_heads``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np
import numpy.typing as npt

from longscribe.errors import ModelFormatError

SUPPORTED_VERSIONS = range(4, 7)
DTYPES = (np.float32, np.int8, np.int16, np.int32, np.float16, None)  # ids 0..5; 5 is bfloat16
BFLOAT16 = 5


@dataclass
class Ct2Model:
    spec: str
    revision: int
    variables: dict[str, npt.NDArray[np.generic]] = field(default_factory=dict)
    aliases: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> npt.NDArray[np.generic]:
        """A variable by name or alias."""
        return self.variables[self.aliases.get(name, name)]

    def scalar(self, name: str) -> int:
        return int(self.get(name).reshape(-1)[0])


def read_ct2_model(path: str | Path) -> Ct2Model:
    """Parse ``path``; a wrong or truncated file raises ModelFormatError naming it."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            return _read(f, path)
    except OSError as exc:
        raise ModelFormatError(str(path), f"cannot read ({exc.strerror or exc})") from exc
    except (struct.error, UnicodeDecodeError, ValueError) as exc:
        raise ModelFormatError(str(path), f"not a CTranslate2 model file ({exc})") from exc


class _Reader:
    def __init__(self, f: BinaryIO, path: Path) -> None:
        self.f = f
        self.path = path

    def take(self, n: int) -> bytes:
        data = self.f.read(n)
        if len(data) != n:
            raise ModelFormatError(str(self.path), f"truncated at byte {self.f.tell()} (wanted {n} more bytes)")
        return data

    def u8(self) -> int:
        return int(self.take(1)[0])

    def u16(self) -> int:
        return int(struct.unpack("<H", self.take(2))[0])

    def u32(self) -> int:
        return int(struct.unpack("<I", self.take(4))[0])

    def string(self) -> str:
        raw = self.take(self.u16())
        if not raw.endswith(b"\0"):
            raise ValueError("string without terminator")
        return raw[:-1].decode("utf-8")


def _read(f: BinaryIO, path: Path) -> Ct2Model:
    r = _Reader(f, path)
    version = r.u32()
    if version not in SUPPORTED_VERSIONS:
        raise ModelFormatError(
            str(path), f"unsupported CTranslate2 binary version {version} (supported: 4-6); not a model.bin?"
        )
    model = Ct2Model(spec=r.string(), revision=r.u32())
    for _ in range(r.u32()):
        name = r.string()
        shape = tuple(r.u32() for _ in range(r.u8()))
        type_id = r.u8()
        nbytes = r.u32()
        data = r.take(nbytes)
        model.variables[name] = _array(data, type_id, shape, name, path)
    for _ in range(r.u32()):
        alias = r.string()
        model.aliases[alias] = r.string()
    if f.read(1):
        raise ModelFormatError(str(path), "trailing bytes after the alias table")
    return model


def _array(data: bytes, type_id: int, shape: tuple[int, ...], name: str, path: Path) -> npt.NDArray[np.generic]:
    if type_id >= len(DTYPES):
        raise ModelFormatError(str(path), f"variable {name}: unknown dtype id {type_id}")
    if type_id == BFLOAT16:  # the upper half of a float32
        raw = np.frombuffer(data, dtype=np.uint16).astype(np.uint32) << 16
        values: npt.NDArray[np.generic] = raw.view(np.float32)
    else:
        values = np.frombuffer(data, dtype=DTYPES[type_id])
    expected = int(np.prod(shape)) if shape else 1
    if values.size != expected:
        raise ModelFormatError(str(path), f"variable {name}: {values.size} values for shape {shape}")
    return values.reshape(shape)
