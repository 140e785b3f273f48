// libFuzzer target: the glue's time functions (wasm/js_strftime.h) and the lossy UTF-8 decoding
// (wasm/utf8.h) the host applies to a module's strings first. A module controls every field of
// the `struct tm` it passes to strftime, its format and its zone name, and the time it passes to
// gmtime/localtime: any of them must give a string or the glue's JS error, never undefined
// behaviour, and in bounded time.
//
// Input: 8 int32 fields (sec min hour mday mon year wday yday) and an int64 (tm_gmtoff, also
// the time for gmtime/localtime), little-endian; a byte n; n bytes of zone name; the format.
//
// Properties checked, beyond "no crash, no sanitizer report":
//   * ReplaceInvalidUtf8 is idempotent and leaves valid UTF-8 as it is;
//   * strftime fails only with a TypeError or RangeError, as the glue throws;
//   * gmtime and localtime give the same fields but yday, which is zero for a date JS cannot hold.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

#include "aocore/wasm/js_date.h"
#include "aocore/wasm/js_strftime.h"
#include "aocore/wasm/utf8.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  constexpr size_t kFixed = 8 * 4 + 8 + 1;
  if (size < kFixed) return 0;
  int32_t fields[8];
  int64_t gmtoff;
  std::memcpy(fields, data, sizeof fields);
  std::memcpy(&gmtoff, data + 32, sizeof gmtoff);
  const size_t zone_size = std::min<size_t>(data[40], size - kFixed);
  const std::string_view zone(reinterpret_cast<const char*>(data) + kFixed, zone_size);
  const std::string_view format(reinterpret_cast<const char*>(data) + kFixed + zone_size, size - kFixed - zone_size);

  ao::wasm::JsTm tm;
  tm.sec = fields[0], tm.min = fields[1], tm.hour = fields[2], tm.mday = fields[3];
  tm.mon = fields[4], tm.year = fields[5], tm.wday = fields[6], tm.yday = fields[7];
  tm.gmtoff = gmtoff;
  tm.zone = ao::wasm::ReplaceInvalidUtf8(zone);
  const std::string valid_format = ao::wasm::ReplaceInvalidUtf8(format);
  if (ao::wasm::ReplaceInvalidUtf8(valid_format) != valid_format) std::abort();
  if (ao::wasm::ReplaceInvalidUtf8(tm.zone) != tm.zone) std::abort();

  auto out = ao::wasm::JsStrftime(valid_format, tm);
  if (!out.ok()) {
    const std::string& m = out.status().message();
    if (m.rfind("TypeError: ", 0) != 0 && m.rfind("RangeError: ", 0) != 0) std::abort();
  }

  const double seconds = ao::wasm::js::BigIntToI53Checked(gmtoff);
  const ao::wasm::JsTm g = ao::wasm::JsGmtime(seconds), l = ao::wasm::JsLocaltime(seconds);
  if (g.sec != l.sec || g.min != l.min || g.hour != l.hour || g.mday != l.mday || g.mon != l.mon ||
      g.year != l.year || g.wday != l.wday) {
    std::abort();
  }
  if (!ao::wasm::JsDateIsValid(seconds) && (g.yday != 0 || l.yday != 0 || g.year != 0)) std::abort();
  return 0;
}
