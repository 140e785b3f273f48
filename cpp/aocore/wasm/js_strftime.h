// A port of the JS strftime in emscripten's glue (the one ao-loader runs for the module's
// `strftime` import), so os.date gives the CU's strings: its own %c, %x, %X expansions, its
// two-pass replacement, its C-locale names and its week numbers (%U %V %W %g %G, quirks
// included). Time zone: UTC, as the rest of aocore's host.
//
// Thread-safety: pure function, safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ao::wasm {

// The fields of a C `struct tm` the JS reads.
struct JsTm {
  int32_t sec = 0, min = 0, hour = 0, mday = 1, mon = 0, year = 70, wday = 4, yday = 0;
  int64_t gmtoff = 0;
  std::string zone;
};

// The expansion of `format` for `tm`, as the glue's strftime builds it before writing it out.
std::string JsStrftime(std::string_view format, const JsTm& tm);

}  // namespace ao::wasm
