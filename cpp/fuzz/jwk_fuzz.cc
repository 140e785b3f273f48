// libFuzzer target: JWK parsing (crypto/wallet.h), the wallet files and keys a node is given.
// Any input must give a wallet or a typed error; a parsed key serialises and parses back.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "aocore/crypto/wallet.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto wallet = ao::Wallet::FromJwk(text);
  (void)ao::Wallet::VerifyWithJwk(text, "data", "signature");
  if (!wallet.ok()) return 0;
  auto back = ao::Wallet::FromJwk(wallet->ToJwk());
  if (!back.ok() || back->Address() != wallet->Address()) std::abort();
  return 0;
}
