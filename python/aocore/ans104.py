"""ANS-104 data items (the ``ans104@1.0`` wire format AO clients such as aoconnect send).

The codec is the C++ one (cpp/aocore/message/ans104.h); docs/python-api.md describes the item
dict. ``Wallet.sign_item(item, salt_length=32)`` is ``sign`` as a method. Malformed items raise
``aocore.InvalidMessageError`` naming the problem.
"""

from __future__ import annotations

from typing import Any, Union

from ._core import Wallet
from ._core import ans104 as _native

Item = dict[str, Any]


def decode(data: bytes) -> Item:
    """The item encoded in ``data`` (with ``id`` and ``owner_address``); the signature is not checked."""
    return _native.decode(data)


def encode(item: Item) -> bytes:
    """The bytes of ``item`` (a missing signature or owner is 512 zero bytes)."""
    return _native.encode(item)


def sign(item: Union[Item, bytes], wallet: Wallet, salt_length: int = 32) -> bytes:
    """``item`` signed by ``wallet`` (RSA-PSS-SHA256, ``salt_length`` bytes of salt), encoded."""
    return _native.sign(item, wallet, salt_length)


def verify(item: Union[Item, bytes]) -> bool:
    """Whether the item's signature verifies against its owner, whatever the salt length."""
    return _native.verify(item)


def to_message(data: bytes) -> dict[str, Any]:
    """The message a signed item is; its ``aocore.id(m, "all")`` is the item ID. Refuses tampered items."""
    return _native.to_message(data)


def from_message(message: dict[str, Any]) -> bytes:
    """The exact bytes of the signed item behind the message's ``ans104@1.0`` commitment."""
    return _native.from_message(message)


__all__ = ["Item", "decode", "encode", "from_message", "sign", "to_message", "verify"]
