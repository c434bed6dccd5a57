"""The names an ELF shared library exports, read from its ``.dynsym`` without loading it.

Only what the pre-load symbol check needs: the ELF header, the section headers, the
dynamic symbol table and its string table, for 32/64-bit and either byte order. This
replaces pyelftools, whose import alone (about 20 ms) cost more than a whole cold
extraction; everything here is ``struct`` over at most a few small reads.
"""

from __future__ import annotations

import struct

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (see errors.py)
if TYPE_CHECKING:
    from typing import BinaryIO

__all__ = ["NotElf", "defined_dynamic_symbols"]

_ET_DYN = 3
_ELF_TYPES = {1: "object file (.o)", 2: "executable", 4: "core dump"}
_SHT_DYNSYM = 11
_SHN_UNDEF = 0


class NotElf(ValueError):
    """The file is not a well-formed ELF object (the message says what is wrong)."""


def _read(fh: BinaryIO, offset: int, size: int) -> bytes:
    fh.seek(offset)
    data = fh.read(size)
    if len(data) != size:
        raise NotElf(f"truncated at offset {offset} (wanted {size} bytes)")
    return data


def defined_dynamic_symbols(fh: BinaryIO) -> set[str]:
    """Names of the symbols ``fh`` defines in ``.dynsym`` (what ``dlsym`` can find)."""
    ident = _read(fh, 0, 16)
    if ident[:4] != b"\x7fELF" or ident[4] not in (1, 2) or ident[5] not in (1, 2):
        raise NotElf("bad ELF identification bytes")
    wide = ident[4] == 2
    end = "<" if ident[5] == 1 else ">"
    (e_type,) = struct.unpack(end + "H", _read(fh, 16, 2))
    if e_type != _ET_DYN:
        kind = _ELF_TYPES.get(e_type, f"type {e_type}")
        raise NotElf(f"an ELF {kind}")
    if wide:
        shoff, shentsize, shnum = struct.unpack(end + "40xQ10xHH", _read(fh, 0, 64)[:62])
        section, symbol = struct.Struct(end + "IIQQQQIIQQ"), struct.Struct(end + "IBBHQQ")
    else:
        shoff, shentsize, shnum = struct.unpack(end + "32xI10xHH", _read(fh, 0, 52)[:50])
        section, symbol = struct.Struct(end + "IIIIIIIIII"), struct.Struct(end + "IIIBBH")
    if shoff == 0 or shentsize < section.size:
        raise NotElf("no section headers")
    if shnum == 0:  # extended numbering: the count is in section 0's sh_size
        shnum = section.unpack(_read(fh, shoff, section.size))[5]
    if shnum > 65536:
        raise NotElf(f"implausible section count {shnum}")
    headers = _read(fh, shoff, shentsize * shnum)
    sections = [section.unpack_from(headers, i * shentsize) for i in range(shnum)]
    dynsym = next((s for s in sections if s[1] == _SHT_DYNSYM), None)
    if dynsym is None:
        return set()
    sym_offset, sym_size, link = dynsym[4], dynsym[5], dynsym[6]
    if link >= shnum:
        raise NotElf("the symbol table's string table index is out of range")
    strtab = _read(fh, sections[link][4], sections[link][5])
    table = _read(fh, sym_offset, sym_size)
    names = set()
    for fields in symbol.iter_unpack(table[: len(table) - len(table) % symbol.size]):
        name_at, shndx = fields[0], fields[3] if wide else fields[5]
        if shndx != _SHN_UNDEF and name_at < len(strtab):
            names.add(strtab[name_at : strtab.index(b"\0", name_at)].decode("utf-8", "replace"))
    return names
