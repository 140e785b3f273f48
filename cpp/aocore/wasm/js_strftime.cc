#include "aocore/wasm/js_strftime.h"

#include <array>
#include <cmath>
#include <functional>
#include <optional>
#include <utility>

#include "aocore/wasm/js_date.h"

namespace ao::wasm {
namespace {

using js::Date;

Status TypeErrorReading(std::string_view property) {
  return Status::InvalidArgument("TypeError: Cannot read properties of undefined (reading '" + std::string(property) +
                                 "')");
}

Status InvalidStringLength() { return Status::InvalidArgument("RangeError: Invalid string length"); }

// The text after `$` in a replacement string, as String.prototype.replace reads it for a regular
// expression without groups: $$, $&, $` and $' are the only patterns, anything else is literal.
void AppendSubstitution(std::string& out, std::string_view subject, size_t position, size_t matched,
                        std::string_view replacement) {
  for (size_t i = 0; i < replacement.size(); ++i) {
    if (replacement[i] != '$' || i + 1 == replacement.size()) {
      out.push_back(replacement[i]);
      continue;
    }
    switch (replacement[i + 1]) {
      case '$': out.push_back('$'); break;
      case '&': out.append(subject.substr(position, matched)); break;
      case '`': out.append(subject.substr(0, position)); break;
      case '\'': out.append(subject.substr(position + matched)); break;
      default: out.push_back('$'); continue;
    }
    ++i;
  }
}

// pattern.replace(new RegExp(from, "g"), replacement) for a `from` without regular-expression
// syntax; RangeError once the result would be longer than a JS string can be.
Status ReplaceAll(std::string& subject, std::string_view from, std::string_view replacement) {
  const size_t first = subject.find(from);
  if (first == std::string::npos) return Status::OK();
  const bool substitutes = replacement.find('$') != std::string_view::npos;
  if (!substitutes) {
    // The result's length is known before it is built, so a too long one is refused without
    // allocating it. With $-patterns each substitution's length depends on where it is: counted
    // as the result is built.
    uint64_t matches = 0;
    for (size_t p = first; p != std::string::npos; p = subject.find(from, p + from.size())) ++matches;
    const uint64_t units = js::Utf16Length(subject) - matches * js::Utf16Length(from) +
                           matches * js::Utf16Length(replacement);
    if (units > js::kMaxStringLength) return InvalidStringLength();
  }
  std::string out;
  uint64_t units = 0;
  size_t copied = 0;
  for (size_t position = first; position != std::string::npos; position = subject.find(from, position + from.size())) {
    const std::string_view between(subject.data() + copied, position - copied);
    out.append(between);
    if (substitutes) {
      const size_t before = out.size();
      AppendSubstitution(out, subject, position, from.size(), replacement);
      units += js::Utf16Length(between) + js::Utf16Length(std::string_view(out).substr(before));
      if (units > js::kMaxStringLength) return InvalidStringLength();
    } else {
      out.append(replacement);
    }
    copied = position + from.size();
  }
  const std::string_view rest = std::string_view(subject).substr(copied);
  if (substitutes && units + js::Utf16Length(rest) > js::kMaxStringLength) return InvalidStringLength();
  out.append(rest);
  subject = std::move(out);
  return Status::OK();
}

// leadingSomething(value, digits, character): `text` padded on the left to `width`.
std::string Pad(std::string text, size_t width, char fill = '0') {
  return text.size() < width ? std::string(width - text.size(), fill) + text : text;
}
std::string Pad(int64_t v, size_t width, char fill = '0') { return Pad(std::to_string(v), width, fill); }

constexpr std::array<const char*, 7> kWeekdays = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                                  "Thursday", "Friday", "Saturday"};
constexpr std::array<const char*, 12> kMonths = {"January", "February", "March",     "April",
                                                 "May",     "June",     "July",      "August",
                                                 "September", "October", "November", "December"};
constexpr int kDaysLeap[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
constexpr int kDaysRegular[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

// NAMES[i]: undefined (nullptr) outside the array.
const char* Name(const auto& names, int32_t i) {
  return i >= 0 && static_cast<size_t>(i) < names.size() ? names[i] : nullptr;
}

bool IsLeap(int64_t y) { return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0); }
// isLeapYear on a JS number that may be NaN (NaN % 4 === 0 is false).
bool IsLeap(double y) { return !std::isnan(y) && IsLeap(static_cast<int64_t>(y)); }

int64_t FloorDiv(int64_t a, int64_t b) { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

// The glue's addDays(new Date(year, 0, 1), days). It walks month by month (setDate(1), setMonth,
// setFullYear), and every step lands between the start and the end; from a valid January 1st
// (year -271820 or later: JS Date starts on April 20, -271821) no step leaves JS Date's range
// before the end does, so the walk ends where day arithmetic does (invalid past the range).
Date AddDaysFromNewYear(const Date& new_year, double days) {
  if (days <= 0 || !new_year.valid()) return new_year;
  return Date::FromTime(new_year.Time() + days * 86'400'000);
}

// getFirstWeekStartDate: the Monday starting ISO week 1; undefined (nullopt) for an invalid date.
std::optional<Date> FirstWeekStart(const Date& jan4) {
  const double y = jan4.FullYear();
  const double weekday = jan4.WeekDay();
  if (std::isnan(weekday)) return std::nullopt;
  switch (static_cast<int>(weekday)) {
    case 0: return Date::FromYearMonthDay(y - 1, 11, 29);
    case 1: return jan4;
    case 2: return Date::FromYearMonthDay(y, 0, 3);
    case 3: return Date::FromYearMonthDay(y, 0, 2);
    case 4: return Date::FromYearMonthDay(y, 0, 1);
    case 5: return Date::FromYearMonthDay(y - 1, 11, 31);
    default: return Date::FromYearMonthDay(y - 1, 11, 30);
  }
}

int Sign(double v) { return v < 0 ? -1 : v > 0 ? 1 : 0; }  // NaN is 0, as the glue's sgn

Result<int> CompareByDay(const std::optional<Date>& first, const Date& second) {
  if (!first) return TypeErrorReading("getFullYear");
  int compare = Sign(first->FullYear() - second.FullYear());
  if (compare == 0) compare = Sign(first->Month() - second.Month());
  if (compare == 0) compare = Sign(first->DayOfMonth() - second.DayOfMonth());
  return compare;
}

// getWeekBasedYear (ISO 8601 week-numbering year), on JS dates: years 0-99 are read as 19xx.
Result<double> WeekBasedYear(const JsTm& tm) {
  const Date day = AddDaysFromNewYear(Date::FromYearMonthDay(static_cast<double>(tm.year) + 1900, 0, 1), tm.yday);
  const std::optional<Date> this_year = FirstWeekStart(Date::FromYearMonthDay(day.FullYear(), 0, 4));
  const std::optional<Date> next_year = FirstWeekStart(Date::FromYearMonthDay(day.FullYear() + 1, 0, 4));
  AO_ASSIGN_OR_RETURN(const int vs_this_year, CompareByDay(this_year, day));
  if (vs_this_year > 0) return day.FullYear() - 1;
  AO_ASSIGN_OR_RETURN(const int vs_next_year, CompareByDay(next_year, day));
  return vs_next_year <= 0 ? day.FullYear() + 1 : day.FullYear();
}

// The glue's %V, including its isLeapYear(tm_year % 400 - 1) on tm_year (not the full year).
int64_t IsoWeek(const JsTm& tm) {
  const int64_t wday = tm.wday, yday = tm.yday;
  int64_t val = FloorDiv(yday + 7 - (wday + 6) % 7, 7);
  if ((wday + 371 - yday - 2) % 7 <= 2) ++val;
  if (!val) {
    val = 52;
    const int64_t dec31 = (wday + 7 - yday - 1) % 7;
    if (dec31 == 4 || (dec31 == 5 && IsLeap(int64_t{tm.year} % 400 - 1))) ++val;
  } else if (val == 53) {
    const int64_t jan1 = (wday + 371 - yday) % 7;
    if (jan1 != 4 && (jan1 != 3 || !IsLeap(int64_t{tm.year}))) val = 1;
  }
  return val;
}

// The days of the months before `month` (at most 12) in a leap or regular year.
int DaysBeforeMonth(bool leap, int32_t month) {
  const int* days = leap ? kDaysLeap : kDaysRegular;
  int sum = 0;
  for (int m = 0; m < month; ++m) sum += days[m];
  return sum;
}

// %j: tm_mday plus the days of the months before tm_mon (arraySum reads `undefined`, so NaN,
// past December).
std::string DayOfYear(const JsTm& tm) {
  if (int64_t{tm.mon} - 1 >= 12) return "NaN";
  return Pad(tm.mday + int64_t{DaysBeforeMonth(IsLeap(int64_t{tm.year} + 1900), tm.mon)}, 3);
}

// %z: the glue divides in floating point, so an offset that is not whole hours reads oddly.
std::string ZoneOffset(int64_t gmtoff) {
  double off = static_cast<double>(gmtoff);
  const bool ahead = off >= 0;
  off = std::fabs(off) / 60;
  off = off / 60 * 100 + std::fmod(off, 60);
  std::string text(4, '0');  // "0000" + off
  text += js::NumberToString(off);
  return (ahead ? "+" : "-") + text.substr(text.size() - 4);
}

}  // namespace

Result<std::string> JsStrftime(std::string_view format, const JsTm& tm) {
  if (js::Utf16Length(format) > js::kMaxStringLength) return InvalidStringLength();
  std::string pat(format);
  // EXPANSION_RULES_1, in the glue's order.
  static constexpr std::pair<const char*, const char*> kRules1[] = {
      {"%c", "%a %b %d %H:%M:%S %Y"}, {"%D", "%m/%d/%y"}, {"%F", "%Y-%m-%d"}, {"%h", "%b"},
      {"%r", "%I:%M:%S %p"}, {"%R", "%H:%M"}, {"%T", "%H:%M:%S"}, {"%x", "%m/%d/%y"},
      {"%X", "%H:%M:%S"}, {"%Ec", "%c"}, {"%EC", "%C"}, {"%Ex", "%m/%d/%y"}, {"%EX", "%H:%M:%S"},
      {"%Ey", "%y"}, {"%EY", "%Y"}, {"%Od", "%d"}, {"%Oe", "%e"}, {"%OH", "%H"}, {"%OI", "%I"},
      {"%Om", "%m"}, {"%OM", "%M"}, {"%OS", "%S"}, {"%Ou", "%u"}, {"%OU", "%U"}, {"%OV", "%V"},
      {"%Ow", "%w"}, {"%OW", "%W"}, {"%Oy", "%y"}};
  for (const auto& [from, to] : kRules1) AO_RETURN_IF_ERROR(ReplaceAll(pat, from, to));

  const int64_t year = int64_t{tm.year} + 1900;
  const std::string year_text = std::to_string(year);
  auto name = [](const char* n) { return std::string(n ? n : "undefined"); };
  auto abbreviation = [](const char* n) -> Result<std::string> {
    if (!n) return TypeErrorReading("substring");
    return std::string(n).substr(0, 3);
  };
  auto week_based_year = [&tm]() -> Result<std::string> {
    AO_ASSIGN_OR_RETURN(const double y, WeekBasedYear(tm));
    return js::NumberToString(y);
  };
  using Rule = std::pair<const char*, std::function<Result<std::string>()>>;
  // EXPANSION_RULES_2, in the glue's order; a rule's text is made only when the pattern holds
  // it, as the glue does (some throw, and %G can walk a long way).
  const Rule rules2[] = {
      {"%a", [&] { return abbreviation(Name(kWeekdays, tm.wday)); }},
      {"%A", [&]() -> Result<std::string> { return name(Name(kWeekdays, tm.wday)); }},
      {"%b", [&] { return abbreviation(Name(kMonths, tm.mon)); }},
      {"%B", [&]() -> Result<std::string> { return name(Name(kMonths, tm.mon)); }},
      {"%C", [&]() -> Result<std::string> { return Pad(year / 100, 2); }},
      {"%d", [&]() -> Result<std::string> { return Pad(tm.mday, 2); }},
      {"%e", [&]() -> Result<std::string> { return Pad(tm.mday, 2, ' '); }},
      {"%g", [&]() -> Result<std::string> {
         AO_ASSIGN_OR_RETURN(const std::string y, week_based_year());
         return y.size() > 2 ? y.substr(2) : std::string();
       }},
      {"%G", week_based_year},
      {"%H", [&]() -> Result<std::string> { return Pad(tm.hour, 2); }},
      {"%I", [&]() -> Result<std::string> {
         return Pad(tm.hour == 0 ? 12 : (tm.hour > 12 ? tm.hour - 12 : tm.hour), 2);
       }},
      {"%j", [&]() -> Result<std::string> { return DayOfYear(tm); }},
      {"%m", [&]() -> Result<std::string> { return Pad(int64_t{tm.mon} + 1, 2); }},
      {"%M", [&]() -> Result<std::string> { return Pad(tm.min, 2); }},
      {"%n", []() -> Result<std::string> { return std::string("\n"); }},
      {"%p", [&]() -> Result<std::string> { return std::string(tm.hour >= 0 && tm.hour < 12 ? "AM" : "PM"); }},
      {"%S", [&]() -> Result<std::string> { return Pad(tm.sec, 2); }},
      {"%t", []() -> Result<std::string> { return std::string("\t"); }},
      {"%u", [&]() -> Result<std::string> { return std::to_string(tm.wday ? tm.wday : 7); }},
      {"%U", [&]() -> Result<std::string> { return Pad(FloorDiv(int64_t{tm.yday} + 7 - tm.wday, 7), 2); }},
      {"%V", [&]() -> Result<std::string> { return Pad(IsoWeek(tm), 2); }},
      {"%w", [&]() -> Result<std::string> { return std::to_string(tm.wday); }},
      {"%W", [&]() -> Result<std::string> {
         return Pad(FloorDiv(int64_t{tm.yday} + 7 - (int64_t{tm.wday} + 6) % 7, 7), 2);
       }},
      {"%y", [&]() -> Result<std::string> { return year_text.size() > 2 ? year_text.substr(2) : std::string(); }},
      {"%Y", [&]() -> Result<std::string> { return year_text; }},
      {"%z", [&]() -> Result<std::string> { return ZoneOffset(tm.gmtoff); }},
      {"%Z", [&]() -> Result<std::string> { return tm.zone; }},
      {"%%", []() -> Result<std::string> { return std::string("%"); }},
  };
  const std::string guard("\0\0", 2);
  AO_RETURN_IF_ERROR(ReplaceAll(pat, "%%", guard));
  for (const auto& [from, text] : rules2) {
    if (pat.find(from) == std::string::npos) continue;
    AO_ASSIGN_OR_RETURN(const std::string replacement, text());
    AO_RETURN_IF_ERROR(ReplaceAll(pat, from, replacement));
  }
  AO_RETURN_IF_ERROR(ReplaceAll(pat, guard, "%"));
  return pat;
}

bool JsDateIsValid(double seconds) { return Date::FromTime(seconds * 1e3).valid(); }

namespace {

// The fields both glue functions read from the date; HEAP32 stores NaN as 0.
JsTm FieldsOf(const Date& date) {
  JsTm tm;
  tm.sec = js::ToInt32(date.Seconds());
  tm.min = js::ToInt32(date.Minutes());
  tm.hour = js::ToInt32(date.Hours());
  tm.mday = js::ToInt32(date.DayOfMonth());
  tm.mon = js::ToInt32(date.Month());
  tm.year = js::ToInt32(date.FullYear() - 1900);
  tm.wday = js::ToInt32(date.WeekDay());
  tm.yday = 0;
  return tm;
}

}  // namespace

JsTm JsGmtime(double seconds) {
  const Date date = Date::FromTime(seconds * 1e3);
  JsTm tm = FieldsOf(date);
  // (date.getTime() - Date.UTC(date.getUTCFullYear(), 0, 1, 0, 0, 0, 0)) / 86400000 | 0
  const double start = Date::FromYearMonthDay(date.FullYear(), 0, 1).Time();
  tm.yday = js::ToInt32((date.Time() - start) / 86'400'000);
  return tm;
}

JsTm JsLocaltime(double seconds) {
  const Date date = Date::FromTime(seconds * 1e3);
  JsTm tm = FieldsOf(date);
  if (date.valid()) {
    // ydayFromDate: the month table of the date's own year.
    tm.yday = DaysBeforeMonth(IsLeap(date.FullYear()), tm.mon) + tm.mday - 1;
  }
  return tm;
}

}  // namespace ao::wasm
