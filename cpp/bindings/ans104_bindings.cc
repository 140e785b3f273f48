// ANS-104 data item bindings (docs/python-api.md "ANS-104 data items"): the submodule
// aocore._core.ans104 (re-exported as aocore.ans104) with decode, encode, sign and verify, and
// the method Wallet.sign_item; to_message / from_message map a signed item to the message
// HyperBEAM's ans104@1.0 codec gives (an ans104 commitment keyed by the item ID) and back.
//
// An item is a dict: signature_type (int), signature and owner (bytes, 512 each; zeros and
// absent mean unsigned), target (the 43-character base64url ID, or 32 raw bytes, or None),
// anchor (32 bytes or a 32-byte str, or None), tags (a list of (name, value) pairs or
// {"name", "value"} dicts; str or bytes), data (str or bytes). decode adds id and
// owner_address. Binaries come back as str when they are valid UTF-8, else bytes, as message
// values do (convert.h); signature and owner are always bytes.
//
// Errors: malformed items and dicts raise InvalidMessageError naming the problem.
// RSA work runs with the GIL released.
#include <string>
#include <utility>
#include <vector>

#include <pybind11/pybind11.h>

#include "aocore/common/bytes.h"
#include "aocore/crypto/wallet.h"
#include "aocore/message/ans104.h"
#include "aocore/message/ans104_message.h"
#include "convert.h"
#include "errors.h"
#include "wallet_class.h"

namespace ao::py_bindings {
namespace py = pybind11;
namespace {

std::string TypeName(py::handle obj) { return py::str(py::type::handle_of(obj).attr("__name__")); }

// str (UTF-8) or a bytes-like object -> bytes; anything else is InvalidMessageError.
Bytes BinaryFromPy(py::handle obj, const std::string& what) {
  if (py::isinstance<py::str>(obj) || py::isinstance<py::bytes>(obj) ||
      py::isinstance<py::bytearray>(obj) || py::isinstance<py::memoryview>(obj)) {
    Value v = ValueFromPy(obj, what);
    if (v.is_binary()) return v.binary();
  }
  ThrowInvalidMessage("ANS-104 item: " + what + " must be str or bytes, not " +
                      TypeName(obj));
}

py::object BinaryToPy(const Bytes& b) { return ValueToPy(Value(b)); }

Tag TagFromPy(py::handle obj, size_t index) {
  const std::string where = "tags[" + std::to_string(index) + "]";
  if (py::isinstance<py::dict>(obj)) {
    py::dict d = py::reinterpret_borrow<py::dict>(obj);
    if (!d.contains("name") || !d.contains("value")) {
      ThrowInvalidMessage("ANS-104 item: " + where + " needs 'name' and 'value'");
    }
    return {BinaryFromPy(d["name"], where + ".name"), BinaryFromPy(d["value"], where + ".value")};
  }
  if ((py::isinstance<py::tuple>(obj) || py::isinstance<py::list>(obj)) && py::len(obj) == 2) {
    py::sequence s = py::reinterpret_borrow<py::sequence>(obj);
    return {BinaryFromPy(s[0], where + "[0]"), BinaryFromPy(s[1], where + "[1]")};
  }
  ThrowInvalidMessage("ANS-104 item: " + where + " must be a (name, value) pair or a dict");
}

std::optional<Bytes> OptionalField(const py::dict& d, const char* key) {
  if (!d.contains(key) || d[key].is_none()) return std::nullopt;
  return BinaryFromPy(d[key], key);
}

DataItem ItemFromPy(py::handle obj) {
  if (!py::isinstance<py::dict>(obj)) {
    ThrowInvalidMessage("an ANS-104 item must be a dict, not " +
                        TypeName(obj));
  }
  py::dict d = py::reinterpret_borrow<py::dict>(obj);
  DataItem item;
  if (d.contains("signature_type")) {
    py::handle t = d["signature_type"];
    if (!py::isinstance<py::int_>(t)) ThrowInvalidMessage("ANS-104 item: signature_type must be an int");
    long long type = t.cast<long long>();
    if (type < 0 || type > 0xffff) ThrowInvalidMessage("ANS-104 item: signature_type out of range");
    item.signature_type = static_cast<uint16_t>(type);
  }
  item.signature = OptionalField(d, "signature").value_or(Bytes(kAns104SignatureBytes, '\0'));
  item.owner = OptionalField(d, "owner").value_or(Bytes(kAns104OwnerBytes, '\0'));
  if (std::optional<Bytes> target = OptionalField(d, "target")) {
    // The 43-character text form of an ID is what callers hold; 32 bytes are taken as raw.
    if (target->size() == 43) {
      auto raw = Base64UrlDecode(*target);
      if (!raw.ok()) ThrowInvalidMessage("ANS-104 item: target is not a base64url ID");
      target = std::move(raw).value();
    }
    item.target = std::move(target);
  }
  item.anchor = OptionalField(d, "anchor");
  if (d.contains("tags") && !d["tags"].is_none()) {
    py::handle tags = d["tags"];
    if (!py::isinstance<py::list>(tags) && !py::isinstance<py::tuple>(tags)) {
      ThrowInvalidMessage("ANS-104 item: tags must be a list");
    }
    size_t i = 0;
    for (py::handle t : tags) item.tags.push_back(TagFromPy(t, i++));
  }
  if (std::optional<Bytes> data = OptionalField(d, "data")) item.data = std::move(*data);
  return item;
}

py::dict ItemToPy(const DataItem& item) {
  py::dict d;
  d["signature_type"] = item.signature_type;
  d["signature"] = py::bytes(item.signature);
  d["owner"] = py::bytes(item.owner);
  d["target"] = item.target ? py::object(py::str(Base64UrlEncode(*item.target))) : py::object(py::none());
  d["anchor"] = item.anchor ? BinaryToPy(*item.anchor) : py::object(py::none());
  py::list tags;
  for (const Tag& t : item.tags) tags.append(py::make_tuple(BinaryToPy(t.name), BinaryToPy(t.value)));
  d["tags"] = tags;
  d["data"] = BinaryToPy(item.data);
  d["id"] = DataItemId(item);
  d["owner_address"] = DataItemOwnerAddress(item);
  return d;
}

Bytes BytesArg(py::handle obj, const char* what) {
  if (py::isinstance<py::bytes>(obj) || py::isinstance<py::bytearray>(obj) ||
      py::isinstance<py::memoryview>(obj)) {
    return BinaryFromPy(obj, what);
  }
  ThrowInvalidMessage(std::string(what) + " must be bytes, not " +
                      TypeName(obj));
}

// An item given as a dict or as encoded bytes.
DataItem ItemArg(py::handle obj) {
  if (py::isinstance<py::dict>(obj)) return ItemFromPy(obj);
  Bytes bytes = BytesArg(obj, "item");
  return Unwrap(DecodeDataItem(bytes));
}

py::bytes SignItem(py::handle item_obj, const Wallet& wallet, int salt_length) {
  DataItem item = ItemArg(item_obj);
  Result<Bytes> out = [&]() -> Result<Bytes> {
    py::gil_scoped_release release;
    AO_ASSIGN_OR_RETURN(DataItem signed_item, SignDataItem(std::move(item), wallet, salt_length));
    return EncodeDataItem(signed_item);
  }();
  return py::bytes(Unwrap(std::move(out)));
}

constexpr char kSignDoc[] =
    "Signs an item (a dict, or encoded bytes whose signature is replaced) with `wallet`:\n"
    "owner = the wallet's modulus, signature = RSA-PSS-SHA256 over the deep hash with a salt of\n"
    "`salt_length` bytes (32 as HyperBEAM; 478 as aoconnect). Returns the encoded item.\n"
    "Raises InvalidMessageError for a malformed item, a public-only or non-RSA-4096 wallet, or a\n"
    "salt length out of range.";

}  // namespace

void InitAns104(py::module_& m) {
  py::module_ sub = m.def_submodule("ans104", "ANS-104 data items (ans104@1.0), byte for byte.");
  sub.def(
      "decode", [](py::handle data) { return ItemToPy(Unwrap(DecodeDataItem(BytesArg(data, "data")))); },
      py::arg("data"),
      "Parses an encoded item into a dict (see the module docs), with its id\n"
      "(base64url(SHA-256(signature))) and owner_address. Does not check the signature.\n"
      "Raises InvalidMessageError naming the problem for a truncated or malformed item, an\n"
      "unknown signature type, bad or non-canonical Avro tags, or tags over the limits.");
  sub.def(
      "encode", [](py::handle item) { return py::bytes(Unwrap(EncodeDataItem(ItemFromPy(item)))); },
      py::arg("item"),
      "Encodes an item dict to its bytes (a missing signature or owner is 512 zero bytes).\n"
      "Raises InvalidMessageError for wrong field lengths or types, or tags over the limits.");
  sub.def(
      "sign", [](py::handle item, const Wallet& wallet, int salt_length) { return SignItem(item, wallet, salt_length); },
      py::arg("item"), py::arg("wallet"), py::arg("salt_length") = kAns104DefaultSaltLength, kSignDoc);
  sub.def(
      "verify",
      [](py::handle data) {
        DataItem item = ItemArg(data);
        py::gil_scoped_release release;
        return VerifyDataItem(item).ok();
      },
      py::arg("item"),
      "Whether the item's signature verifies against its owner (any PSS salt length). The item\n"
      "is encoded bytes or a dict; malformed bytes raise InvalidMessageError.");

  sub.def(
      "to_message",
      [](py::handle data) {
        Bytes bytes = BytesArg(data, "data");
        Result<Message> msg = [&] {
          py::gil_scoped_release release;
          return MessageFromSignedItem(bytes);
        }();
        return MessageToPy(Unwrap(std::move(msg)));
      },
      py::arg("data"),
      "The message a signed item is (tags as lower-case keys, data under 'data', the target\n"
      "under 'target', an ans104@1.0 commitment keyed by the item ID, so aocore.id(m, 'all') is\n"
      "the item ID). Raises InvalidMessageError for a malformed, unsigned or tampered item.");
  sub.def(
      "from_message",
      [](py::handle message) { return py::bytes(Unwrap(SignedItemFromMessage(MessageFromPy(message)))); },
      py::arg("message"),
      "The exact bytes of the signed item behind a message's ans104@1.0 commitment (e.g. a\n"
      "scheduled message read back). NotFoundError when it has none.");
}

void BindWalletItemMethods(py::class_<Wallet>& wallet) {
  wallet.def(
      "sign_item",
      [](const Wallet& self, py::handle item, int salt_length) { return SignItem(item, self, salt_length); },
      py::arg("item"), py::arg("salt_length") = kAns104DefaultSaltLength,
      "The same as aocore.ans104.sign(item, self, salt_length).");
}

}  // namespace ao::py_bindings
