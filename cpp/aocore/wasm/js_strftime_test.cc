#include "aocore/wasm/js_strftime.h"

#include <gtest/gtest.h>

namespace ao::wasm {
namespace {

// 1971-02-05 01:02:03 UTC (86400*400 + 3723), a Friday, day 36 of the year.
JsTm Feb5th1971() {
  JsTm tm;
  tm.sec = 3, tm.min = 2, tm.hour = 1, tm.mday = 5, tm.mon = 1, tm.year = 71, tm.wday = 5, tm.yday = 35;
  tm.zone = "UTC";
  return tm;
}

TEST(JsStrftimeTest, MatchesAoLoaderOnTheScenarioProbe) {
  // The first os.date of scenario step 8 and what ao-loader returned for it.
  EXPECT_EQ(JsStrftime("%Y-%m-%d %H:%M:%S %a %A %b %B %j %p %c", Feb5th1971()),
            "1971-02-05 01:02:03 Fri Friday Feb February 036 AM Fri Feb 05 01:02:03 1971");
}

TEST(JsStrftimeTest, CompositeAndZoneConversions) {
  EXPECT_EQ(JsStrftime("%D|%F|%T|%x|%X|%r|%R", Feb5th1971()),
            "02/05/71|1971-02-05|01:02:03|02/05/71|01:02:03|01:02:03 AM|01:02");
  EXPECT_EQ(JsStrftime("%z %Z %I %e %u %w %y %C", Feb5th1971()), "+0000 UTC 01  5 5 5 71 19");
}

TEST(JsStrftimeTest, PercentEscapesAndLeapYearDayOfYear) {
  JsTm tm = Feb5th1971();
  tm.year = 100, tm.mon = 2, tm.mday = 1, tm.hour = 13;  // 2000-03-01, a leap year
  EXPECT_EQ(JsStrftime("%%Y=%Y %j %p %I", tm), "%Y=2000 061 PM 01");
}

TEST(JsStrftimeTest, SundayIsSevenForPercentU) {
  JsTm tm = Feb5th1971();
  tm.wday = 0;
  EXPECT_EQ(JsStrftime("%u %w %a", tm), "7 0 Sun");
}

}  // namespace
}  // namespace ao::wasm
