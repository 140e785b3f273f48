"""ANS-104 data items (the ``ans104@1.0`` wire format AO clients such as aoconnect send).

``decode(bytes) -> dict``, ``encode(dict) -> bytes``, ``sign(item, wallet, salt_length=32)
-> bytes`` and ``verify(item) -> bool``; ``Wallet.sign_item`` is ``sign`` as a method. The
codec is the C++ one (cpp/aocore/message/ans104.h); docs/python-api.md describes the dict.
"""

from __future__ import annotations

from ._core import ans104 as _native

decode = _native.decode
encode = _native.encode
sign = _native.sign
verify = _native.verify

__all__ = ["decode", "encode", "sign", "verify"]
