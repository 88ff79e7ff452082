// Built-in word lists for the corpus generator: common English words (most
// frequent first), person names, contractions, British/American spelling
// pairs and non-ASCII words. Each list is one space-separated string.
// Thread-safety: immutable data.
#pragma once

#include <string_view>

namespace custody::format::internal {

extern const std::string_view kCommonWords;
extern const std::string_view kPersonNames;
extern const std::string_view kPluralItems;
extern const std::string_view kContractions;
extern const std::string_view kBritishSpellings;   // pairs with kAmericanSpellings
extern const std::string_view kAmericanSpellings;
extern const std::string_view kNonAsciiWords;
extern const std::string_view kTopics;
extern const std::string_view kSubjects;  // '_' joins words of one subject

}  // namespace custody::format::internal
