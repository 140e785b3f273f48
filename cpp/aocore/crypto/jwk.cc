#include "aocore/crypto/jwk.h"

#include <nlohmann/json.hpp>

namespace ao {

Result<Jwk> ParseJwk(std::string_view json) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(json);
  } catch (const nlohmann::json::exception& ex) {
    return Status::InvalidArgument(std::string("JWK is not valid JSON: ") + ex.what());
  }
  if (!doc.is_object()) return Status::InvalidArgument("JWK is not a JSON object");
  Jwk jwk;
  jwk.kty.clear();
  struct Member {
    const char* name;
    std::string* out;
  };
  const Member members[] = {{"kty", &jwk.kty}, {"n", &jwk.n},   {"e", &jwk.e},
                            {"d", &jwk.d},     {"p", &jwk.p},   {"q", &jwk.q},
                            {"dp", &jwk.dp},   {"dq", &jwk.dq}, {"qi", &jwk.qi}};
  for (const Member& m : members) {
    auto it = doc.find(m.name);
    if (it == doc.end()) continue;
    if (!it->is_string()) {
      return Status::InvalidArgument(std::string("JWK member '") + m.name + "' is not a string");
    }
    *m.out = it->get<std::string>();
    if (m.out->empty()) {
      return Status::InvalidArgument(std::string("JWK member '") + m.name + "' is empty");
    }
  }
  if (jwk.kty.empty()) return Status::InvalidArgument("JWK member 'kty' is missing");
  return jwk;
}

std::string SerializeJwk(const Jwk& jwk) {
  nlohmann::ordered_json doc;
  doc["kty"] = jwk.kty;
  doc["n"] = jwk.n;
  doc["e"] = jwk.e;
  if (!jwk.d.empty()) {
    doc["d"] = jwk.d;
    doc["p"] = jwk.p;
    doc["q"] = jwk.q;
    doc["dp"] = jwk.dp;
    doc["dq"] = jwk.dq;
    doc["qi"] = jwk.qi;
  }
  return doc.dump();
}

}  // namespace ao
