// The part of JavaScript's Date (ECMA-262 §21.4, as V8 runs it) that emscripten's time glue
// uses, for a host whose local time zone is UTC: a time value in milliseconds as a double, NaN
// for an invalid date (beyond ±8.64e15 ms), the constructor's two-digit-year rule and the getters
// the glue calls. The glue's gmtime, localtime and strftime are built on these, so out-of-range
// times and odd `struct tm` fields give what ao-loader gives (zeros, "NaN", or a thrown
// TypeError), not what a C library would.
//
// Thread-safety: a plain value; the functions are pure.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ao::wasm::js {

class Date {
 public:
  // new Date(ms).
  static Date FromTime(double ms);
  // new Date(year, month, day) and Date.UTC(year, month, day) (identical in UTC): a year whose
  // integer part is 0-99 means 1900-1999.
  static Date FromYearMonthDay(double year, double month, double day);

  bool valid() const;
  double Time() const { return time_; }  // getTime(): NaN when invalid

  // getFullYear, getMonth (0-11), getDate (1-31), getDay (0 Sunday), getHours, getMinutes,
  // getSeconds: NaN when invalid.
  double FullYear() const;
  double Month() const;
  double DayOfMonth() const;
  double WeekDay() const;
  double Hours() const;
  double Minutes() const;
  double Seconds() const;

 private:
  explicit Date(double time) : time_(time) {}
  double time_;
};

// bigintToI53Checked: a signed 64-bit value (a wasm i64 as the glue receives it, a BigInt) as a
// number, NaN beyond ±(2^53 - 1).
double BigIntToI53Checked(int64_t value);

// ToInt32: what storing a number into an Int32Array (HEAP32) or `x | 0` gives (NaN is 0).
int32_t ToInt32(double value);

// Number.prototype.toString() (radix 10): the shortest digits that read back as `value`, in
// fixed notation from 1e-6 to 1e21 and exponent notation outside ("1e+21").
std::string NumberToString(double value);

// V8's longest string, in UTF-16 code units (String::kMaxLength on 64-bit hosts); building a
// longer one throws RangeError: Invalid string length.
inline constexpr uint64_t kMaxStringLength = (uint64_t{1} << 29) - 24;

// The length of UTF-8 `text` in UTF-16 code units (a 4-byte sequence is two).
uint64_t Utf16Length(std::string_view text);

}  // namespace ao::wasm::js
