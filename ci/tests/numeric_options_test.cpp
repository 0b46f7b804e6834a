// The command line's number parsers: every value in range is taken as typed, every other
// refused with a message that names the value and the range, never wrapped or truncated.
#include "ci/commands/numeric_options.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

namespace nsprobe::cli {
namespace {

using ::testing::HasSubstr;

// The message of the std::invalid_argument `f` throws, or "(accepted)".
template <typename F>
std::string Refusal(F f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(NumericOptions, IdsTakeTheirWholeRangeAndNothingElse) {
  EXPECT_EQ(ParseId("0"), 0u);
  EXPECT_EQ(ParseId("65534"), 65534u);
  EXPECT_EQ(ParseId("4294967294"), 4294967294u);
  // (uid_t)-1 is setresuid's "unchanged": accepting it would create the namespaces as root.
  EXPECT_THAT(Refusal([] { ParseId("4294967295"); }),
              HasSubstr("'4294967295' is out of range; give a uid or gid from 0 to 4294967294"));
  EXPECT_THAT(Refusal([] { ParseId("4294967296"); }), HasSubstr("out of range")) << "no wrap to 0";
  EXPECT_THAT(Refusal([] { ParseId("99999999999999999999999"); }), HasSubstr("out of range"));
  EXPECT_THAT(Refusal([] { ParseId("-5"); }), HasSubstr("'-5' is negative"));
  EXPECT_THAT(Refusal([] { ParseId("-0"); }), HasSubstr("negative"));
  for (const char* bad : {"", " 5", "5 ", "+5", "0x10", "1e3", "5a", "five"})
    EXPECT_THAT(Refusal([&] { ParseId(bad); }), HasSubstr("is not a whole number")) << bad;
}

TEST(NumericOptions, PidsAreNeverTruncatedTo32Bits) {
  EXPECT_EQ(ParsePid("1"), 1);
  EXPECT_EQ(ParsePid("4194304"), 4194304);
  // 2^32 + 1 would be pid 1 after a cast to 32 bits.
  EXPECT_THAT(Refusal([] { ParsePid("4294967297"); }),
              HasSubstr("'4294967297' is out of range; give a pid from 1 to 4194304"));
  EXPECT_THAT(Refusal([] { ParsePid("4194305"); }), HasSubstr("out of range"));
  EXPECT_THAT(Refusal([] { ParsePid("0"); }), HasSubstr("out of range"));
  EXPECT_THAT(Refusal([] { ParsePid("-1"); }), HasSubstr("negative"));
}

TEST(NumericOptions, SecondsAreFinitePositiveAndBounded) {
  EXPECT_DOUBLE_EQ(ParseSeconds("0.2"), 0.2);
  EXPECT_DOUBLE_EQ(ParseSeconds("30"), 30);
  EXPECT_DOUBLE_EQ(ParseSeconds("604800"), kMaxSeconds);
  // The bound keeps seconds -> milliseconds (and nanoseconds) far from overflow.
  EXPECT_LT(kMaxSeconds * 1e9, 9.2e18);
  for (const char* bad : {"nan", "NaN", "inf", "-inf", "infinity", "1e400"})
    EXPECT_THAT(Refusal([&] { ParseSeconds(bad); }), HasSubstr("is not a finite number")) << bad;
  for (const char* bad : {"1e16", "604801", "0", "-1", "0.0001"})
    EXPECT_THAT(Refusal([&] { ParseSeconds(bad); }),
                HasSubstr("is out of range; give a number of seconds from 0.001 to 604800"))
        << bad;
  for (const char* bad : {"", "soon", "1s", "0x10", " 1"})
    EXPECT_THAT(Refusal([&] { ParseSeconds(bad); }), HasSubstr("is not a number")) << bad;
}

TEST(NumericOptions, CountsSayTheirRangeInPlainWords) {
  EXPECT_EQ(ParseCount("1", 1, 10), 1u);
  EXPECT_EQ(ParseCount("10", 1, 10), 10u);
  const std::string zero = Refusal([] { ParseCount("0", 1, 10000); });
  EXPECT_EQ(zero, "'0' is out of range; give a count from 1 to 10000");
  EXPECT_LT(zero.size(), 80u) << "not a 309-digit bound";
  EXPECT_THAT(Refusal([] { ParseCount("18446744073709551616", 0, 5); }), HasSubstr("out of range"));
  EXPECT_THAT(Refusal([] { ParseCount("2.5", 1, 5); }), HasSubstr("not a whole number"));
}

TEST(NumericOptions, NumbersAreFiniteAndInRange) {
  EXPECT_DOUBLE_EQ(ParseNumber("0.05", 0, 1), 0.05);
  EXPECT_THAT(Refusal([] { ParseNumber("nan", 0, 1); }), HasSubstr("not a finite number"));
  EXPECT_THAT(Refusal([] { ParseNumber("2", 0, 1); }),
              HasSubstr("'2' is out of range; give a number from 0 to 1"));
}

TEST(NumericOptions, MessagesQuoteAtMostAShortPieceOfTheText) {
  const std::string long_text(5000, '9');
  const std::string m = Refusal([&] { ParseId(long_text); });
  EXPECT_LT(m.size(), 120u) << m;
  EXPECT_THAT(Refusal([] { ParseId(std::string("1\n2", 3)); }), HasSubstr("'1?2'"));
}

TEST(NumericOptions, ValidatorsRefuseWhatTheParsersRefuse) {
  std::string text = "4294967295";
  EXPECT_THAT(IdValidator()(text), HasSubstr("out of range"));
  text = "1000";
  EXPECT_EQ(IdValidator()(text), "");
  text = "";
  EXPECT_THAT(NonEmptyValidator("a hostname")(text), HasSubstr("empty; give a hostname"));
  text = "x";
  EXPECT_EQ(NonEmptyValidator("a hostname")(text), "");
}

}  // namespace
}  // namespace nsprobe::cli
