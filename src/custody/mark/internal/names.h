// Built-in entity lists for canary records: given names by grammatical
// gender (so pronouns stay right) and a few interchangeable common nouns.
// Words that are also months, units or common words ("April", "May",
// "Miles", "Will", "Mark") are deliberately absent. Private to the module.
// Thread-safety: read-only tables.
#pragma once

#include <span>
#include <string_view>

namespace custody::mark::internal {

enum class EntityCategory : int { kFemaleName = 0, kMaleName, kFruit, kVegetable, kFlower };
inline constexpr int kNumEntityCategories = 5;

struct EntityEntry {
  std::string_view singular;  // names: the name (lower case)
  std::string_view plural;    // nouns: plural form; names: empty
};

std::span<const EntityEntry> EntityList(EntityCategory category);

// True if the category holds names (capitalized in text) rather than nouns.
inline bool IsNameCategory(EntityCategory c) {
  return c == EntityCategory::kFemaleName || c == EntityCategory::kMaleName;
}

// Finds a lower-case word in the lists. Sets the category, the entry index
// and whether the word is the plural form.
bool LookupEntity(std::string_view lower, EntityCategory* category, int* index, bool* plural);

}  // namespace custody::mark::internal
