#include "aocore/crypto/hash.h"

#include <cstring>
#include <memory>
#include <new>
#include <string>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "aocore/crypto/openssl_handles.h"

namespace ao {
namespace {

Bytes Digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1) throw std::bad_alloc();
  return Bytes(reinterpret_cast<char*>(out), len);
}

// HMAC-SHA256 (RFC 2104) over pre-keyed digest states. OpenSSL 3's one-shot HMAC() sets up its
// provider objects on every call (~2 us, most of a message ID's cost); IDs always use the key
// "ao", so each thread keeps the inner/outer states of the last key it used and copies them.
using MdCtx = MdCtxPtr;

MdCtx NewCtx() {
  MdCtx ctx(EVP_MD_CTX_new());
  if (ctx == nullptr) throw std::bad_alloc();
  return ctx;
}

const EVP_MD* FetchedSha256() {
  // Fetched once for the process lifetime (never freed), so no per-call provider lookup.
  static const EVP_MD* md = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched != nullptr ? fetched : EVP_sha256();
  }();
  return md;
}

struct HmacState {
  bool keyed = false;
  std::string key;
  MdCtx inner = NewCtx();
  MdCtx outer = NewCtx();
  MdCtx work = NewCtx();

  void Key(std::string_view k) {
    if (keyed && key == k) return;
    constexpr size_t kBlock = 64;
    unsigned char block[kBlock] = {};
    if (k.size() > kBlock) {
      Bytes digest = Digest(FetchedSha256(), k);
      std::memcpy(block, digest.data(), digest.size());
    } else {
      std::memcpy(block, k.data(), k.size());
    }
    unsigned char ipad[kBlock];
    unsigned char opad[kBlock];
    for (size_t i = 0; i < kBlock; ++i) {
      ipad[i] = block[i] ^ 0x36;
      opad[i] = block[i] ^ 0x5c;
    }
    keyed = false;
    if (EVP_DigestInit_ex2(inner.get(), FetchedSha256(), nullptr) != 1 ||
        EVP_DigestUpdate(inner.get(), ipad, kBlock) != 1 ||
        EVP_DigestInit_ex2(outer.get(), FetchedSha256(), nullptr) != 1 ||
        EVP_DigestUpdate(outer.get(), opad, kBlock) != 1) {
      throw std::bad_alloc();
    }
    key.assign(k);
    keyed = true;
  }
};

HmacState& ThreadHmacState() {
  thread_local HmacState state;
  return state;
}

}  // namespace

Bytes Sha256(std::string_view data) { return Digest(EVP_sha256(), data); }
Bytes Sha384(std::string_view data) { return Digest(EVP_sha384(), data); }
Bytes Sha512(std::string_view data) { return Digest(EVP_sha512(), data); }

Bytes HmacSha256(std::string_view key, std::string_view data) {
  HmacState& state = ThreadHmacState();
  state.Key(key);
  unsigned char inner[EVP_MAX_MD_SIZE];
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int inner_len = 0;
  unsigned int len = 0;
  EVP_MD_CTX* work = state.work.get();
  if (EVP_MD_CTX_copy_ex(work, state.inner.get()) != 1 ||
      EVP_DigestUpdate(work, data.data(), data.size()) != 1 ||
      EVP_DigestFinal_ex(work, inner, &inner_len) != 1 ||
      EVP_MD_CTX_copy_ex(work, state.outer.get()) != 1 ||
      EVP_DigestUpdate(work, inner, inner_len) != 1 || EVP_DigestFinal_ex(work, out, &len) != 1) {
    throw std::bad_alloc();
  }
  return Bytes(reinterpret_cast<char*>(out), len);
}

Bytes RandomBytes(size_t n) {
  Bytes out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    throw std::bad_alloc();
  }
  return out;
}

}  // namespace ao
