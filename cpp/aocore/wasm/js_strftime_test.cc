#include "aocore/wasm/js_strftime.h"

#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

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
  EXPECT_EQ(*JsStrftime("%Y-%m-%d %H:%M:%S %a %A %b %B %j %p %c", Feb5th1971()),
            "1971-02-05 01:02:03 Fri Friday Feb February 036 AM Fri Feb 05 01:02:03 1971");
}

TEST(JsStrftimeTest, CompositeAndZoneConversions) {
  EXPECT_EQ(*JsStrftime("%D|%F|%T|%x|%X|%r|%R", Feb5th1971()),
            "02/05/71|1971-02-05|01:02:03|02/05/71|01:02:03|01:02:03 AM|01:02");
  EXPECT_EQ(*JsStrftime("%z %Z %I %e %u %w %y %C", Feb5th1971()), "+0000 UTC 01  5 5 5 71 19");
}

TEST(JsStrftimeTest, PercentEscapesAndLeapYearDayOfYear) {
  JsTm tm = Feb5th1971();
  tm.year = 100, tm.mon = 2, tm.mday = 1, tm.hour = 13;  // 2000-03-01, a leap year
  EXPECT_EQ(*JsStrftime("%%Y=%Y %j %p %I", tm), "%Y=2000 061 PM 01");
}

TEST(JsStrftimeTest, SundayIsSevenForPercentU) {
  JsTm tm = Feb5th1971();
  tm.wday = 0;
  EXPECT_EQ(*JsStrftime("%u %w %a", tm), "7 0 Sun");
}

TEST(JsStrftimeTest, WeekNumbersAndWeekBasedYear) {
  // 2021-01-01, a Friday, day 0: ISO week 53 of 2020; 2024-12-30, a Monday: ISO week 1 of 2025.
  JsTm jan1;
  jan1.year = 121, jan1.mon = 0, jan1.mday = 1, jan1.wday = 5, jan1.yday = 0;
  EXPECT_EQ(*JsStrftime("%U %W %V %G %g", jan1), "00 00 53 2020 20");
  JsTm dec30;
  dec30.year = 124, dec30.mon = 11, dec30.mday = 30, dec30.wday = 1, dec30.yday = 364;
  EXPECT_EQ(*JsStrftime("%U %W %V %G %g", dec30), "52 53 01 2025 25");
}

TEST(JsStrftimeTest, AResultLongerThanAJsStringIsARangeError) {
  // 200,000 zone names of 4 KiB: 819 million characters, past V8's 2^29 - 24. The glue throws
  // there; the port refuses before building the result.
  JsTm tm = Feb5th1971();
  tm.zone = std::string(4096, 'z');
  std::string format;
  for (int i = 0; i < 200'000; ++i) format += "%Z";
  const Result<std::string> out = JsStrftime(format, tm);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "RangeError: Invalid string length");
}

TEST(JsStrftimeTest, MatchesTheGluesOwnStrftimeOnItsVectors) {
  // tests/data/strftime_vectors.json: what ao-loader's strftime returned or threw for each case
  // (tools/make-strftime-vectors.py; tests/test_aos_aoloader.py checks the file against it).
  std::ifstream in(std::string(AOCORE_TEST_DATA_DIR) + "/strftime_vectors.json");
  ASSERT_TRUE(in) << "tests/data/strftime_vectors.json is missing";
  const nlohmann::json vectors = nlohmann::json::parse(in)["vectors"];
  ASSERT_GE(vectors.size(), 400u);
  size_t thrown = 0;
  for (const nlohmann::json& v : vectors) {
    const nlohmann::json& t = v["tm"];
    JsTm tm;
    tm.sec = t["sec"], tm.min = t["min"], tm.hour = t["hour"], tm.mday = t["mday"], tm.mon = t["mon"];
    tm.year = t["year"], tm.wday = t["wday"], tm.yday = t["yday"];
    tm.gmtoff = std::stoll(t["gmtoff"].get<std::string>());
    tm.zone = t["zone"];
    const std::string format = v["format"];
    const Result<std::string> ours = JsStrftime(format, tm);
    if (v.contains("thrown")) {
      ++thrown;
      ASSERT_FALSE(ours.ok()) << format << " " << t.dump() << " gave " << *ours;
      EXPECT_EQ(ours.status().message(), v["thrown"].get<std::string>()) << format << " " << t.dump();
    } else {
      ASSERT_TRUE(ours.ok()) << format << " " << t.dump() << ": " << ours.status().ToString();
      EXPECT_EQ(*ours, v["result"].get<std::string>()) << format << " " << t.dump();
    }
  }
  EXPECT_GT(thrown, 0u);
}

}  // namespace
}  // namespace ao::wasm
