// libFuzzer target: the JSON codec of the HTTP layer (http/json_codec.h), which decodes every
// request body the server accepts. Any input must give a value or a typed error; a decoded value
// must encode again and decode to a value that encodes to the same text (the codec round-trips).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "aocore/http/json_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto value = ao::DecodeJson(text);
  (void)ao::DecodeJsonMessage(text);
  if (!value.ok()) return 0;
  std::string encoded = ao::EncodeJson(*value);
  auto again = ao::DecodeJson(encoded);
  if (!again.ok() || ao::EncodeJson(*again) != encoded) std::abort();
  return 0;
}
