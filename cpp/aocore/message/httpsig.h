// The httpsig@1.0 encoding of a message and its RFC 9421 signature base: the port of
// dev_codec_httpsig_conv:to/1 and the base builder of dev_codec_httpsig, as the reference uses
// them for commitments.
//
// EncodeHttpsig runs steps A-D: the message becomes a TABM (structured.h), then httpsig fields:
// ID-shaped top-level keys are grouped into `ao-ids`, binaries of <= 4096 bytes become fields,
// and nested messages, larger binaries and the inline body key go into one body (raw bytes, or
// multipart/form-data with a content-derived boundary), which is represented in the signed set
// by `content-digest`. The result is the signed field set F plus the body bytes.
//
// Signing (the message ID, and the RSA commitment of the wallet helper):
//
//   HttpsigEncoding enc = EncodeHttpsig(msg).value();
//   std::vector<std::string> components = SignatureComponents(enc);
//   std::string params = ComponentList(components) + <params>;
//   std::string base = SignatureBase(enc, params);
//   signature = Sign(base)
//
// where <params> is `;alg="hmac-sha256";keyid="ao"` for the ID (HMAC-SHA256 with key "ao", see
// id.h), and `;alg="rsa-pss-sha512";keyid="..."` (plus whatever parameters the signer adds) for
// an RSA-PSS commitment. The same params text (after the component list) is what goes into the
// commitment's `signature-input`.
//
// Thread-safety: pure functions, safe from any thread.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aocore/common/result.h"
#include "aocore/message/message.h"

namespace ao {

struct HttpsigEncoding {
  // The signed field set F: every httpsig field except `body` and `body-keys`. Names are
  // normalised; `content-digest` is present whenever `body` is.
  std::map<std::string, Bytes> fields;
  // The body (raw bytes, or the multipart/form-data document described by F's content-type).
  std::optional<Bytes> body;
};

// Steps A-D for `message`. InvalidArgument (naming the key) for the inputs the reference cannot
// encode, including a top-level `@name` key without a `name` twin.
Result<HttpsigEncoding> EncodeHttpsig(const Message& message);

// Steps C-D for a TABM as IdTabm (structured.h) produces it.
Result<HttpsigEncoding> TabmToHttpsig(const Message& tabm);

// The signature's component identifiers: each field name with one leading `@` removed and `@`
// put back for the derived components (method, target-uri, authority, scheme, request-target,
// path, query, query-param, status), sorted bytewise, duplicates kept.
std::vector<std::string> SignatureComponents(const HttpsigEncoding& encoding);

// `("c1" "c2" ...)`: the inner list of the identifiers as the params line writes them (each
// byte lower-cased as Latin-1, as the reference does).
std::string ComponentList(const std::vector<std::string>& components);

// The params line of the ID's HMAC commitment: ComponentList + `;alg="hmac-sha256";keyid="ao"`.
std::string HmacParamsLine(const std::vector<std::string>& components);

// The RFC 9421 signature base: one line `"name": value` per component of SignatureComponents
// (value trimmed of spaces, LF replaced by space), then `"@signature-params": ` + params line.
// `signature_params_line` is the full text after `"@signature-params": `, e.g.
// `("a" "b");alg="hmac-sha256";keyid="ao"`.
// REQUIRES: `encoding` comes from EncodeHttpsig/TabmToHttpsig (every component has a field).
std::string SignatureBase(const HttpsigEncoding& encoding, std::string_view signature_params_line);
// The same with the components already computed (they must be SignatureComponents(encoding)).
std::string SignatureBase(const HttpsigEncoding& encoding,
                          const std::vector<std::string>& components,
                          std::string_view signature_params_line);

}  // namespace ao
