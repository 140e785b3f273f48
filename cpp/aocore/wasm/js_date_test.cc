#include "aocore/wasm/js_date.h"

#include <cmath>

#include <gtest/gtest.h>

namespace ao::wasm::js {
namespace {

// Every expected value below is what Node 20 (V8) printed for the same expression, TZ=UTC.

TEST(JsDateTest, YearsZeroToNinetyNineAreTwentiethCentury) {
  EXPECT_EQ(Date::FromYearMonthDay(50, 0, 1).Time(), -631152000000.0);     // Date.UTC(50, 0, 1)
  EXPECT_EQ(Date::FromYearMonthDay(99, 11, 31).Time(), 946598400000.0);    // Date.UTC(99, 11, 31)
  EXPECT_EQ(Date::FromYearMonthDay(100, 0, 1).Time(), -59011459200000.0);  // Date.UTC(100, 0, 1)
  EXPECT_EQ(Date::FromYearMonthDay(-1, 0, 1).Time(), -62198755200000.0);   // Date.UTC(-1, 0, 1)
  EXPECT_EQ(Date::FromYearMonthDay(1970, 25, -3).Time(), 65404800000.0);   // months and days overflow
}

TEST(JsDateTest, TheRangeIsPlusOrMinus8Point64E15Milliseconds) {
  EXPECT_EQ(Date::FromYearMonthDay(-271821, 3, 20).Time(), -8.64e15);
  EXPECT_FALSE(Date::FromYearMonthDay(-271821, 3, 19).valid());
  EXPECT_EQ(Date::FromYearMonthDay(275760, 8, 13).Time(), 8.64e15);
  EXPECT_FALSE(Date::FromYearMonthDay(275760, 8, 14).valid());
  EXPECT_FALSE(Date::FromTime(8.64e15 + 1).valid());
  EXPECT_TRUE(std::isnan(Date::FromTime(8.64e15 + 1).FullYear()));
  const Date first = Date::FromTime(-8.64e15);
  EXPECT_EQ(first.FullYear(), -271821);
  EXPECT_EQ(first.Month(), 3);
  EXPECT_EQ(first.DayOfMonth(), 20);
  EXPECT_EQ(first.WeekDay(), 2);
}

TEST(JsDateTest, GettersBeforeTheEpochFloor) {
  const Date d = Date::FromTime(-1);  // 1969-12-31T23:59:59.999Z, a Wednesday
  EXPECT_EQ(d.FullYear(), 1969);
  EXPECT_EQ(d.Month(), 11);
  EXPECT_EQ(d.DayOfMonth(), 31);
  EXPECT_EQ(d.WeekDay(), 3);
  EXPECT_EQ(d.Hours(), 23);
  EXPECT_EQ(d.Minutes(), 59);
  EXPECT_EQ(d.Seconds(), 59);
}

TEST(JsDateTest, ToInt32WrapsModulo2To32) {
  EXPECT_EQ(ToInt32(2147483648.0), -2147483647 - 1);
  EXPECT_EQ(ToInt32(-2147483649.0), 2147483647);
  EXPECT_EQ(ToInt32(4294967301.0), 5);
  EXPECT_EQ(ToInt32(-1.9), -1);
  EXPECT_EQ(ToInt32(1e20), 1661992960);
  EXPECT_EQ(ToInt32(NAN), 0);
}

TEST(JsDateTest, NumberToStringAsJsPrintsIt) {
  EXPECT_EQ(NumberToString(0.5), "0.5");
  EXPECT_EQ(NumberToString(1.0 / 60 * 100 / 60), "0.02777777777777778");
  EXPECT_EQ(NumberToString(1e21), "1e+21");
  EXPECT_EQ(NumberToString(123456789012345680000.0), "123456789012345680000");
  EXPECT_EQ(NumberToString(1.5e-7), "1.5e-7");
  EXPECT_EQ(NumberToString(0.000001), "0.000001");
  EXPECT_EQ(NumberToString(256204778801521550.0), "256204778801521540");
  EXPECT_EQ(NumberToString(9007199254740994.0), "9007199254740994");
  EXPECT_EQ(NumberToString(-0.25), "-0.25");
  EXPECT_EQ(NumberToString(100.83333333333333 + 0.5), "101.33333333333333");
  EXPECT_EQ(NumberToString(NAN), "NaN");
  EXPECT_EQ(NumberToString(-0.0), "0");
}

TEST(JsDateTest, Utf16LengthCountsSurrogatePairsTwice) {
  EXPECT_EQ(Utf16Length("abc"), 3u);
  EXPECT_EQ(Utf16Length("\xC3\xA9"), 1u);          // é
  EXPECT_EQ(Utf16Length("\xE2\x9C\x93"), 1u);      // ✓
  EXPECT_EQ(Utf16Length("\xF0\x9F\x98\x80"), 2u);  // 😀
}

}  // namespace
}  // namespace ao::wasm::js
