// libFuzzer target: the HTTP/1.1 request parser (http/request_parser.h), the first reader of
// every byte a client sends. The input is fed in pieces (the first byte picks the piece size),
// as a socket delivers it; any input must give requests, "need more" or a refusal with a status.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "aocore/http/request_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t piece = 1 + data[0] % 64;
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  ao::RequestParser parser(ao::RequestLimits{.max_header_bytes = 4096, .max_headers = 32, .max_body_bytes = 8192});
  while (!rest.empty()) {
    auto state = parser.Feed(rest.substr(0, piece));
    rest.remove_prefix(std::min(piece, rest.size()));
    while (state == ao::RequestParser::State::kComplete) {
      ao::HttpRequest request = parser.TakeRequest();
      if (request.body.size() > 8192) std::abort();  // the body limit holds
      state = parser.Parse();
    }
    if (state == ao::RequestParser::State::kError) {
      if (parser.error_status() < 400) std::abort();
      return 0;
    }
  }
  return 0;
}
