// libFuzzer target: HTTP path parsing (node/path_request.h), the request target of every HTTP
// request ("/<id>/compute?slot=3"). Any input must give steps or a typed error.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "aocore/node/path_request.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)ao::ParsePathRequest(text);
  (void)ao::ParseQuery(text);
  (void)ao::PercentDecode(text, /*plus_is_space=*/true);
  return 0;
}
