// Wallet and commitment bindings (docs/python-api.md, "Wallets and commitments"): aocore.Wallet,
// aocore.commit, aocore.verify, aocore.committers, aocore.committed, aocore.signature_base.
//
// RSA work (generation, loading and its key checks, signing, verifying) runs with the GIL
// released; every Python object is converted to core types before the release.
//
// Errors: a malformed JWK (dict, JSON text or file content) is InvalidMessageError naming the
// member or problem. A wallet file that does not exist is StoreError (an OSError) with
// errno ENOENT and .filename set; other read/write failures are StoreError too.
#include <cerrno>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "aocore/crypto/wallet.h"
#include "aocore/message/commitment.h"
#include "aocore/message/httpsig.h"
#include "convert.h"
#include "errors.h"
#include "wallet_class.h"

namespace ao::py_bindings {
namespace py = pybind11;
namespace {

// Load's NotFound becomes a FileNotFoundError-shaped StoreError: `except OSError` with
// e.errno == errno.ENOENT works, and it is still an aocore.Error.
[[noreturn]] void ThrowFileNotFound(const Status& status, py::handle path) {
  py::object cls = py::module_::import("aocore._core").attr("StoreError");
  py::object exc = cls(ENOENT, status.message(), path);
  exc.attr("status") = std::string(status.CodeName());
  exc.attr("details") = py::none();
  PyErr_SetObject(cls.ptr(), exc.ptr());
  throw py::error_already_set();
}


// A selector for committers / commitments: None (absent), a str, or a list of str.
std::optional<Value> SelectorFromPy(py::handle obj, const char* name) {
  if (obj.is_none()) return std::nullopt;
  return ValueFromPy(obj, name);
}

// Lower-cases ASCII and Latin-1 letters, as a signature-input's component list is written.
std::string Latin1Lower(std::string s) {
  for (char& c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if ((u >= 'A' && u <= 'Z') || (u >= 0xC0 && u <= 0xDE && u != 0xD7)) c = static_cast<char>(u + 32);
  }
  return s;
}

// The id of the one signer commitment (one with a `committer`) of `commitments`.
std::string OnlySigner(const Message* commitments) {
  std::vector<std::string> signers;
  if (commitments != nullptr) {
    for (const auto& [key, c] : *commitments) {
      if (c.is_message() && c.message().FindBinary("committer") != nullptr) signers.push_back(key);
    }
  }
  if (signers.size() != 1) {
    ThrowInvalidMessage("signature_base: the message has " + std::to_string(signers.size()) +
                        " signer commitments; name one with commitment=");
  }
  return signers.front();
}

// aocore.signature_base: the RFC 9421 signature base a commitment signs, rebuilt from the
// message's fields and the commitment's `signature-input` (`name=("c1" "c2" ...);params`, one
// member, as commitments carry it). Without commitments: the base the message's ID is the
// HMAC of.
std::string SignatureBaseOf(const Message& message, py::object commitment) {
  Message content = message;
  content.Erase("commitments");
  HttpsigEncoding enc = Unwrap(EncodeHttpsig(content));
  std::vector<std::string> all = SignatureComponents(enc);
  const Message* commitments = message.FindMessage("commitments");
  if (commitment.is_none() && (commitments == nullptr || commitments->empty())) {
    return SignatureBase(enc, all, HmacParamsLine(all));
  }
  std::string id = commitment.is_none() ? OnlySigner(commitments) : std::string(py::str(commitment));
  const Value* c = commitments == nullptr ? nullptr : commitments->Find(id);
  if (c == nullptr || !c->is_message()) ThrowStatus(Status::NotFound("the message has no commitment '" + id + "'"));
  const Bytes* input = c->message().FindBinary("signature-input");
  const size_t eq = input == nullptr ? std::string::npos : input->find('=');
  const size_t open = eq == std::string::npos ? eq : input->find('(', eq);
  const size_t close = open == std::string::npos ? open : input->find(')', open);
  if (close == std::string::npos) {
    ThrowInvalidMessage("commitment '" + id + "' has no signature-input of the form name=(\"c1\" ...);params");
  }
  std::multimap<std::string, std::string> by_lowered;
  for (const std::string& name : all) by_lowered.emplace(Latin1Lower(name), name);
  std::vector<std::string> components;
  for (size_t at = input->find('"', open); at != std::string::npos && at < close; at = input->find('"', at)) {
    const size_t end = input->find('"', at + 1);
    if (end == std::string::npos || end > close) break;
    auto it = by_lowered.find(input->substr(at + 1, end - at - 1));
    if (it == by_lowered.end()) {
      ThrowInvalidMessage("commitment '" + id + "' signs component \"" + input->substr(at + 1, end - at - 1) +
                          "\", which the message no longer has");
    }
    components.push_back(it->second);
    by_lowered.erase(it);
    at = end + 1;
  }
  return SignatureBase(enc, components, std::string_view(*input).substr(eq + 1));
}

template <typename F>
auto WithoutGil(F&& f) {
  py::gil_scoped_release release;
  return f();
}

}  // namespace

void InitWallet(py::module_& m) {
  py::class_<Wallet> wallet_class = py::class_<Wallet>(m, "Wallet",
                     "An Arweave-style RSA-4096 wallet (e = 65537) in the JWK format.\n\n"
                     "Create one with Wallet.generate(), Wallet.load(path) or Wallet.from_jwk(dict).\n"
                     "It signs with RSA-PSS/SHA-512; `address` is base64url(SHA-256(modulus)).\n"
                     "Immutable and safe to share between threads.")
      .def_static(
          "generate", [] { return Unwrap(WithoutGil([] { return Wallet::Generate(); })); },
          "A fresh RSA-4096 key pair (takes about a second; the GIL is released).")
      .def_static(
          "load",
          [](py::object path) {
            std::string p = PathFromPy(path, "path");
            Result<Wallet> wallet = WithoutGil([&] { return Wallet::Load(p); });
            if (!wallet.ok() && wallet.status().IsNotFound()) ThrowFileNotFound(wallet.status(), path);
            return Unwrap(std::move(wallet));
          },
          py::arg("path"),
          "Reads a JWK file (str, bytes or os.PathLike). A missing file raises StoreError (an OSError)\n"
          "with errno ENOENT; a malformed or truncated key raises InvalidMessageError naming\n"
          "the problem. Accepts the reference's short form (kty, n, e, d) and public-only JWKs.")
      .def_static(
          "from_jwk",
          [](py::object jwk) {
            if (py::isinstance<py::dict>(jwk)) {
              // One JWK parser (the core's): the dict goes through its JSON text.
              std::string text = py::module_::import("json").attr("dumps")(jwk).cast<std::string>();
              return Unwrap(WithoutGil([&] { return Wallet::FromJwk(std::string_view(text)); }));
            }
            if (py::isinstance<py::str>(jwk) || py::isinstance<py::bytes>(jwk)) {
              std::string text = jwk.cast<std::string>();
              return Unwrap(WithoutGil([&] { return Wallet::FromJwk(std::string_view(text)); }));
            }
            ThrowInvalidMessage("JWK must be a dict (or JSON text), not " +
                                std::string(py::str(jwk.get_type().attr("__name__"))));
          },
          py::arg("jwk"),
          "A wallet from a JWK dict (or its JSON text). Raises InvalidMessageError naming a\n"
          "missing, non-string or malformed member, a wrong kty or exponent, or an inconsistent\n"
          "key. With only kty, n and e the wallet is public-only: it verifies but cannot sign.")
      .def(
          "save",
          [](const Wallet& self, py::object path) {
            std::string p = PathFromPy(path, "path");
            Check(WithoutGil([&] { return self.Save(p); }));
          },
          py::arg("path"),
          "Writes the JWK to `path` with mode 0600, atomically (temporary file + rename).\n"
          "Raises StoreError (an OSError) when it cannot be written.")
      .def(
          "to_jwk", [](const Wallet& self) { return py::module_::import("json").attr("loads")(self.ToJwk()); },
          "The key as a JWK dict: kty, n, e and, for a private wallet, d, p, q, dp, dq, qi\n"
          "(unpadded base64url strings, RFC 7518 §6.3).")
      .def_property_readonly(
          "address", [](const Wallet& self) { return self.Address(); },
          "base64url(SHA-256(modulus bytes)), 43 characters.")
      .def_property_readonly(
          "has_private_key", [](const Wallet& self) { return self.HasPrivateKey(); },
          "False for a public-only wallet (loaded from kty, n, e), which cannot commit.")
      .def(
          "sign",
          [](const Wallet& self, py::bytes data) {
            std::string d = data;
            Result<Bytes> sig = WithoutGil([&] { return self.Sign(d); });
            return py::bytes(Unwrap(std::move(sig)));
          },
          py::arg("data"),
          "The RSA-PSS/SHA-512 signature (MGF1-SHA-512, 64-byte salt) of `data`, as long as the\n"
          "modulus. Raises InvalidMessageError for a public-only wallet.")
      .def(
          "verify",
          [](const Wallet& self, py::bytes data, py::bytes signature) {
            std::string d = data, s = signature;
            return WithoutGil([&] { return self.Verify(d, s); });
          },
          py::arg("data"), py::arg("signature"),
          "Whether `signature` is an RSA-PSS/SHA-512 signature of `data` by this key, with any salt\n"
          "length. Never raises for malformed signatures.")
      .def("__eq__",
           [](const Wallet& self, py::object other) -> py::object {
             if (!py::isinstance<Wallet>(other)) return py::reinterpret_borrow<py::object>(Py_NotImplemented);
             const Wallet& o = other.cast<const Wallet&>();
             return py::bool_(self.Modulus() == o.Modulus() && self.HasPrivateKey() == o.HasPrivateKey());
           })
      .def("__hash__", [](const Wallet& self) { return py::hash(py::str(self.Address())); })
      .def("__repr__", [](const Wallet& self) {
        // Never key material: the address identifies the wallet.
        return "<aocore.Wallet address='" + self.Address() + "'" +
               (self.HasPrivateKey() ? "" : " public-only") + ">";
      });
  BindWalletItemMethods(wallet_class);  // Wallet.sign_item (ans104_bindings.cc)

  m.def(
      "commit",
      [](py::object message, const Wallet& wallet) {
        Message msg = MessageFromPy(message);
        Result<Message> committed = WithoutGil([&] { return Commit(msg, wallet); });
        return MessageToPy(Unwrap(std::move(committed)));
      },
      py::arg("message"), py::arg("wallet"),
      "A new dict: `message` with an httpsig@1.0 RSA-PSS-SHA512 commitment by `wallet` (under\n"
      "base64url(SHA-256(signature))) and a refreshed HMAC commitment, in `commitments`.\n"
      "Existing signer commitments are kept. Raises InvalidMessageError for a message that\n"
      "cannot be encoded or a public-only wallet.");
  m.def(
      "verify",
      [](py::object message, py::object committers, py::object commitments) {
        Message msg = MessageFromPy(message);
        std::optional<Value> by_committer = SelectorFromPy(committers, "committers");
        std::optional<Value> by_id = SelectorFromPy(commitments, "commitments");
        if (!by_committer && !by_id) return WithoutGil([&] { return Verify(msg); });
        Result<bool> ok = WithoutGil([&] {
          return VerifySelected(msg, by_committer ? &*by_committer : nullptr, by_id ? &*by_id : nullptr);
        });
        return Unwrap(std::move(ok));
      },
      py::arg("message"), py::kw_only(), py::arg("committers") = py::none(),
      py::arg("commitments") = py::none(),
      "True when every signer commitment verifies (a message without signers verifies).\n"
      "Any change to a committed field, a swapped signature, a committer that is not the\n"
      "signing key's address or an unparseable commitment gives False (the reason is logged\n"
      "to the 'message' logger). Any RSA-PSS salt length is accepted.\n\n"
      "Optional selectors (as the `verify` key of message@1.0): committers=/commitments= each\n"
      "'all', 'none', one address/ID or a list; then True when every selected commitment\n"
      "verifies. A requested committer or ID the message lacks raises NotFoundError.");
  m.def(
      "signature_base",
      [](py::object message, py::object commitment) { return SignatureBaseOf(MessageFromPy(message), commitment); },
      py::arg("message"), py::kw_only(), py::arg("commitment") = py::none(),
      "The RFC 9421 signature base (text) a commitment of `message` signs: one '\"name\": value'\n"
      "line per signed component, then '\"@signature-params\": ...'. `commitment` is a commitment\n"
      "ID; by default the message's only signer commitment. A message without commitments gives\n"
      "the base its ID is the HMAC-SHA256 (key 'ao') of. For checking a signature by hand:\n"
      "wallet.verify(signature_base(m).encode(), signature bytes).");
  m.def(
      "committers", [](py::object message) { return Committers(MessageFromPy(message)); },
      py::arg("message"), "The `committer` address of every signer commitment, in commitment-key order.");
  m.def(
      "committed",
      [](py::object message, py::object committers, py::object commitments) {
        Message msg = MessageFromPy(message);
        std::optional<Value> by_committer = SelectorFromPy(committers, "committers");
        std::optional<Value> by_id = SelectorFromPy(commitments, "commitments");
        return Unwrap(
            Committed(msg, by_committer ? &*by_committer : nullptr, by_id ? &*by_id : nullptr));
      },
      py::arg("message"), py::kw_only(), py::arg("committers") = py::none(),
      py::arg("commitments") = py::none(),
      "The message keys every selected commitment covers (default: all commitments), sorted,\n"
      "then 'signature-input' and 'signature' when every selected commitment carries them.\n"
      "Empty when the message has no commitments.");
}

}  // namespace ao::py_bindings
