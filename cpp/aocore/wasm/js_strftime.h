// The time functions of emscripten's glue, as ao-loader runs them for the module's imports:
// `strftime` (a JS port of its own: its %c, %x, %X expansions, its two-pass replacement, its
// C-locale names, its week numbers with their quirks) and the `struct tm` that `_gmtime_js` and
// `_localtime_js` fill from a JS Date. Both follow JS Date (js_date.h), so times beyond its range,
// years 0-99 and fields out of range give what ao-loader gives. Time zone: UTC, as the rest of
// aocore's host.
//
// Thread-safety: pure functions, safe from any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "aocore/common/result.h"

namespace ao::wasm {

// The fields of a C `struct tm` the glue reads or writes.
struct JsTm {
  int32_t sec = 0, min = 0, hour = 0, mday = 1, mon = 0, year = 70, wday = 4, yday = 0;
  int64_t gmtoff = 0;
  std::string zone;
};

// The expansion of `format` for `tm`, as the glue's strftime builds it before writing it out.
// InvalidArgument with the JS error's text where the glue throws: %a or %b of a day or month
// out of range ("TypeError: Cannot read properties of undefined (reading 'substring')"), %G or
// %g of a year JS Date cannot hold (reading 'getFullYear'), and a result longer than a JS
// string can be ("RangeError: Invalid string length").
Result<std::string> JsStrftime(std::string_view format, const JsTm& tm);

// `seconds` is the time as the glue reads its argument (js::BigIntToI53Checked: NaN beyond 2^53).
// The fields `_gmtime_js` writes for new Date(seconds * 1000): all zero when the date is invalid;
// yday from Date.UTC(year, 0, 1), which reads years 0-99 as 1900-1999.
JsTm JsGmtime(double seconds);
// The fields `_localtime_js` writes in a UTC host: as JsGmtime, but yday from the month table.
JsTm JsLocaltime(double seconds);
// Whether new Date(seconds * 1000) is a valid date (the wasm64 `_localtime_js` throws when not).
bool JsDateIsValid(double seconds);

}  // namespace ao::wasm
