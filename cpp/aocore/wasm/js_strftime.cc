#include "aocore/wasm/js_strftime.h"

#include <array>
#include <cstdlib>
#include <utility>
#include <vector>

namespace ao::wasm {
namespace {

void ReplaceAll(std::string& s, std::string_view from, std::string_view to) {
  for (size_t p = 0; (p = s.find(from, p)) != std::string::npos; p += to.size()) {
    s.replace(p, from.size(), to);
  }
}

std::string Pad(int64_t v, size_t width, char fill = '0') {
  std::string x = std::to_string(v);
  return x.size() < width ? std::string(width - x.size(), fill) + x : x;
}

constexpr std::array<const char*, 7> kWeekdays = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                  "Thursday", "Friday", "Saturday"};
constexpr std::array<const char*, 12> kMonths = {"January", "February", "March",     "April",
                                                 "May",     "June",     "July",      "August",
                                                 "September", "October", "November", "December"};
// JS indexes its arrays with whatever the module wrote; an index outside gives `undefined`.
std::string Name(const auto& names, int32_t i) {
  return i >= 0 && static_cast<size_t>(i) < names.size() ? names[i] : "undefined";
}

bool IsLeap(int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = FloorDiv(y, 400);
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int64_t YearOfDays(int64_t days) {
  // Inverse of DaysFromCivil for the year only (civil_from_days).
  const int64_t z = days + 719468;
  const int64_t era = FloorDiv(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  return yoe + era * 400 + (mp >= 10 ? 1 : 0);
}

// The glue's getWeekBasedYear (ISO 8601 week-numbering year), on day numbers instead of JS Dates.
int64_t WeekBasedYear(const JsTm& tm) {
  const int64_t day = DaysFromCivil(int64_t{tm.year} + 1900, 1, 1) + tm.yday;
  const int64_t year = YearOfDays(day);
  auto first_week_start = [](int64_t y) {
    const int64_t jan4 = DaysFromCivil(y, 1, 4);
    const int64_t weekday = ((jan4 + 4) % 7 + 7) % 7;  // 1970-01-01 was a Thursday
    return jan4 - (weekday + 6) % 7;                   // the Monday of that week
  };
  if (first_week_start(year) <= day) return first_week_start(year + 1) <= day ? year + 1 : year;
  return year - 1;
}

// The glue's %V, including its isLeapYear(tm_year % 400 - 1) on tm_year (not the full year).
int64_t IsoWeek(const JsTm& tm) {
  int64_t val = FloorDiv(int64_t{tm.yday} + 7 - (tm.wday + 6) % 7, 7);
  if ((int64_t{tm.wday} + 371 - tm.yday - 2) % 7 <= 2) ++val;
  if (!val) {
    val = 52;
    const int64_t dec31 = (int64_t{tm.wday} + 7 - tm.yday - 1) % 7;
    if (dec31 == 4 || (dec31 == 5 && IsLeap(int64_t{tm.year} % 400 - 1))) ++val;
  } else if (val == 53) {
    const int64_t jan1 = (int64_t{tm.wday} + 371 - tm.yday) % 7;
    if (jan1 != 4 && (jan1 != 3 || !IsLeap(tm.year))) val = 1;
  }
  return val;
}

}  // namespace

std::string JsStrftime(std::string_view format, const JsTm& tm) {
  std::string pat(format);
  // EXPANSION_RULES_1, in the glue's order.
  static constexpr std::pair<const char*, const char*> kRules1[] = {
      {"%c", "%a %b %d %H:%M:%S %Y"}, {"%D", "%m/%d/%y"}, {"%F", "%Y-%m-%d"}, {"%h", "%b"},
      {"%r", "%I:%M:%S %p"}, {"%R", "%H:%M"}, {"%T", "%H:%M:%S"}, {"%x", "%m/%d/%y"},
      {"%X", "%H:%M:%S"}, {"%Ec", "%c"}, {"%EC", "%C"}, {"%Ex", "%m/%d/%y"}, {"%EX", "%H:%M:%S"},
      {"%Ey", "%y"}, {"%EY", "%Y"}, {"%Od", "%d"}, {"%Oe", "%e"}, {"%OH", "%H"}, {"%OI", "%I"},
      {"%Om", "%m"}, {"%OM", "%M"}, {"%OS", "%S"}, {"%Ou", "%u"}, {"%OU", "%U"}, {"%OV", "%V"},
      {"%Ow", "%w"}, {"%OW", "%W"}, {"%Oy", "%y"}};
  for (const auto& [from, to] : kRules1) ReplaceAll(pat, from, to);

  const int64_t year = int64_t{tm.year} + 1900;
  static constexpr int kDaysLeap[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  static constexpr int kDaysRegular[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int64_t jday = tm.mday;
  for (int m = 0; m < tm.mon && m < 12; ++m) jday += IsLeap(year) ? kDaysLeap[m] : kDaysRegular[m];
  const int32_t h12 = tm.hour == 0 ? 12 : (tm.hour > 12 ? tm.hour - 12 : tm.hour);
  int64_t off = std::llabs(tm.gmtoff) / 60;
  off = off / 60 * 100 + off % 60;
  const std::string year_text = std::to_string(year);
  const std::string week_year_text = std::to_string(WeekBasedYear(tm));
  // EXPANSION_RULES_2, in the glue's order ("%%" is protected first and restored last).
  const std::vector<std::pair<std::string, std::string>> rules2 = {
      {"%a", Name(kWeekdays, tm.wday).substr(0, 3)},
      {"%A", Name(kWeekdays, tm.wday)},
      {"%b", Name(kMonths, tm.mon).substr(0, 3)},
      {"%B", Name(kMonths, tm.mon)},
      {"%C", Pad(year / 100, 2)},
      {"%d", Pad(tm.mday, 2)},
      {"%e", Pad(tm.mday, 2, ' ')},
      {"%g", week_year_text.size() > 2 ? week_year_text.substr(2) : std::string()},
      {"%G", week_year_text},
      {"%H", Pad(tm.hour, 2)},
      {"%I", Pad(h12, 2)},
      {"%j", Pad(jday, 3)},
      {"%m", Pad(int64_t{tm.mon} + 1, 2)},
      {"%M", Pad(tm.min, 2)},
      {"%n", "\n"},
      {"%p", tm.hour >= 0 && tm.hour < 12 ? "AM" : "PM"},
      {"%S", Pad(tm.sec, 2)},
      {"%t", "\t"},
      {"%u", std::to_string(tm.wday ? tm.wday : 7)},
      {"%U", Pad(FloorDiv(int64_t{tm.yday} + 7 - tm.wday, 7), 2)},
      {"%V", Pad(IsoWeek(tm), 2)},
      {"%w", std::to_string(tm.wday)},
      {"%W", Pad(FloorDiv(int64_t{tm.yday} + 7 - (tm.wday + 6) % 7, 7), 2)},
      {"%y", year_text.size() > 2 ? year_text.substr(2) : std::string()},
      {"%Y", year_text},
      {"%z", std::string(tm.gmtoff >= 0 ? "+" : "-") + Pad(off, 4)},
      {"%Z", tm.zone},
  };
  const std::string guard("\0\0", 2);
  ReplaceAll(pat, "%%", guard);
  for (const auto& [from, to] : rules2) ReplaceAll(pat, from, to);
  ReplaceAll(pat, guard, "%");
  return pat;
}

}  // namespace ao::wasm
