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
  // EXPANSION_RULES_2, in the glue's order ("%%" is protected first and restored last).
  const std::vector<std::pair<std::string, std::string>> rules2 = {
      {"%a", Name(kWeekdays, tm.wday).substr(0, 3)},
      {"%A", Name(kWeekdays, tm.wday)},
      {"%b", Name(kMonths, tm.mon).substr(0, 3)},
      {"%B", Name(kMonths, tm.mon)},
      {"%C", Pad(year / 100, 2)},
      {"%d", Pad(tm.mday, 2)},
      {"%e", Pad(tm.mday, 2, ' ')},
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
      {"%w", std::to_string(tm.wday)},
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
