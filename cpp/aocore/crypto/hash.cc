#include "aocore/crypto/hash.h"

#include <new>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

namespace ao {
namespace {

Bytes Digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1) throw std::bad_alloc();
  return Bytes(reinterpret_cast<char*>(out), len);
}

}  // namespace

Bytes Sha256(std::string_view data) { return Digest(EVP_sha256(), data); }
Bytes Sha512(std::string_view data) { return Digest(EVP_sha512(), data); }

Bytes HmacSha256(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
           reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len) == nullptr) {
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
