#include "aocore/wasm/js_date.h"

#include <charconv>
#include <cmath>
#include <limits>

namespace ao::wasm::js {
namespace {

constexpr double kMsPerDay = 86'400'000;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// V8's MakeDay gives NaN outside these bounds (the time clip would refuse most of them anyway).
constexpr double kMinYear = -1'000'000, kMaxYear = 1'000'000;
constexpr double kMinMonth = -10'000'000, kMaxMonth = 10'000'000;

double TimeClip(double t) {
  if (!std::isfinite(t) || std::fabs(t) > 8.64e15) return kNaN;
  return std::trunc(t) + 0.0;  // + 0.0: -0 is +0
}

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Days since 1970-01-01 of a proleptic Gregorian date, month 1-12 (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = FloorDiv(y, 400);
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

struct Civil {
  int64_t year, month, day;  // month 0-11, day 1-31
};

// The inverse (civil_from_days).
Civil CivilFromDays(int64_t days) {
  const int64_t z = days + 719468;
  const int64_t era = FloorDiv(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  const int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const int64_t month = mp < 10 ? mp + 3 : mp - 9;
  return {yoe + era * 400 + (month <= 2), month - 1, day};
}

// MakeDay(year, month, date): NaN when one is not finite (V8 also bounds the year and month).
double MakeDay(double year, double month, double date) {
  if (!(year >= kMinYear && year <= kMaxYear && month >= kMinMonth && month <= kMaxMonth) ||
      !std::isfinite(date)) {
    return kNaN;
  }
  int64_t y = static_cast<int64_t>(year), m = static_cast<int64_t>(month);
  date = std::trunc(date);
  y += FloorDiv(m, 12);
  m -= FloorDiv(m, 12) * 12;
  return static_cast<double>(DaysFromCivil(y, m + 1, 1)) + date - 1;
}

int64_t DayNumber(double t) { return static_cast<int64_t>(std::floor(t / kMsPerDay)); }
double TimeWithinDay(double t) { return t - std::floor(t / kMsPerDay) * kMsPerDay; }

}  // namespace

Date Date::FromTime(double ms) { return Date(TimeClip(ms)); }

Date Date::FromYearMonthDay(double year, double month, double day) {
  if (std::isnan(year)) return Date(kNaN);
  double y = std::trunc(year);
  if (y >= 0 && y <= 99) y += 1900;
  return Date(TimeClip(MakeDay(y, std::trunc(month), day) * kMsPerDay));
}

bool Date::valid() const { return !std::isnan(time_); }

double Date::FullYear() const { return valid() ? static_cast<double>(CivilFromDays(DayNumber(time_)).year) : kNaN; }
double Date::Month() const { return valid() ? static_cast<double>(CivilFromDays(DayNumber(time_)).month) : kNaN; }
double Date::DayOfMonth() const { return valid() ? static_cast<double>(CivilFromDays(DayNumber(time_)).day) : kNaN; }
double Date::WeekDay() const {
  if (!valid()) return kNaN;
  const int64_t wd = (DayNumber(time_) + 4) % 7;  // 1970-01-01 was a Thursday
  return static_cast<double>(wd < 0 ? wd + 7 : wd);
}
double Date::Hours() const { return valid() ? std::floor(TimeWithinDay(time_) / 3'600'000) : kNaN; }
double Date::Minutes() const { return valid() ? std::fmod(std::floor(TimeWithinDay(time_) / 60'000), 60) : kNaN; }
double Date::Seconds() const { return valid() ? std::fmod(std::floor(TimeWithinDay(time_) / 1000), 60) : kNaN; }

double BigIntToI53Checked(int64_t value) {
  constexpr int64_t kMaxSafeInteger = (int64_t{1} << 53) - 1;  // Number.MAX_SAFE_INTEGER
  return value > kMaxSafeInteger || value < -kMaxSafeInteger ? kNaN : static_cast<double>(value);
}

int32_t ToInt32(double value) {
  if (!std::isfinite(value)) return 0;
  const double modulo = std::fmod(std::trunc(value), 4294967296.0);  // sign of `value`
  const auto bits = static_cast<uint32_t>(static_cast<int64_t>(modulo < 0 ? modulo + 4294967296.0 : modulo));
  return static_cast<int32_t>(bits);
}

std::string NumberToString(double value) {
  if (std::isnan(value)) return "NaN";
  if (value == 0) return "0";
  if (std::isinf(value)) return value < 0 ? "-Infinity" : "Infinity";
  std::string sign = value < 0 ? "-" : "";
  // The shortest round-trip digits, from the exponent form "d.ddde±x".
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, std::fabs(value), std::chars_format::scientific);
  const std::string sci(buf, r.ptr);
  const size_t e = sci.find('e');
  std::string digits = sci.substr(0, e);
  if (digits.size() > 1) digits.erase(1, 1);  // drop the point
  const int k = static_cast<int>(digits.size());
  const int n = std::stoi(sci.substr(e + 1)) + 1;  // value = 0.digits × 10^n
  if (k <= n && n <= 21) return sign + digits + std::string(n - k, '0');
  if (0 < n && n <= 21) return sign + digits.substr(0, n) + "." + digits.substr(n);
  if (-6 < n && n <= 0) return sign + "0." + std::string(-n, '0') + digits;
  const std::string exponent = (n - 1 < 0 ? "-" : "+") + std::to_string(std::abs(n - 1));
  if (k == 1) return sign + digits + "e" + exponent;
  return sign + digits.substr(0, 1) + "." + digits.substr(1) + "e" + exponent;
}

uint64_t Utf16Length(std::string_view text) {
  uint64_t units = 0;
  for (const char c : text) {
    const auto b = static_cast<uint8_t>(c);
    if ((b & 0xC0) != 0x80) ++units;  // a lead or ASCII byte starts a code point
    if (b >= 0xF0) ++units;           // four bytes: a surrogate pair
  }
  return units;
}

}  // namespace ao::wasm::js
