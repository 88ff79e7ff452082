// The kinds of variant slot the mark module places in text fields. Each kind
// offers two renderings that mean exactly the same; docs/marks.md lists them
// with examples and the safety rules each one follows.
#pragma once

#include <cstdint>
#include <string_view>

namespace custody::mark {

enum class SlotKind : uint8_t {
  kContraction = 1,  // "do not" / "don't", "it is" / "it's", "cannot" / "can't"
  kIntroComma = 2,   // "So she" / "So, she" at the start of a sentence
  kOxfordComma = 3,  // "A, B and C" / "A, B, and C"
  kSpelling = 4,     // "color" / "colour", "traveled" / "travelled"
  kSynonym = 5,      // "bought" / "purchased", "each day" / "every day"
  kTitlePeriod = 6,  // "Mr Smith" / "Mr. Smith"
  kRate = 7,         // "$5 a day" / "$5 per day"
  kTimesSign = 8,    // "3 x 4" / "3 * 4" outside annotations
  kPercent = 9,      // "20% of" / "20 percent of"
  kInTotal = 10,     // "... in total?" / "... altogether?" at a clause end
};
inline constexpr int kNumSlotKinds = 11;  // kinds are 1..10; index 0 unused

// Returns a stable lower-case name of `kind`, e.g. "contraction".
std::string_view SlotKindName(SlotKind kind);

}  // namespace custody::mark
