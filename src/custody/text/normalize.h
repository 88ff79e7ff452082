// Normalization of text for matching: the one function applied both to vault
// records (at ingest, to build the sketch index) and to leaked dumps (at match
// time), so that reformatting a record does not change what it matches.
// The exact rules are in docs/matching.md ("Normalization"); in order:
//   1. invalid UTF-8 bytes are dropped;
//   2. pure-ASCII input takes a fast path with the same result as step 3;
//   3. NFKC, Unicode case folding, and removal of default-ignorable code points
//      (zero-width characters, soft hyphens, BOM) via utf8proc;
//   4. remaining format (Cf) and control (Cc) characters are removed;
//   5. common look-alike letters (Cyrillic and Greek homoglyphs, dotless i,
//      script g) map to their Latin base letters;
//   6. typographic quotes map to ' and ", dashes and minus signs to -;
//   7. every run of white space becomes one space; leading and trailing
//      space is removed.
// The result is deterministic and idempotent (Normalize(Normalize(x)) ==
// Normalize(x)). Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace custody::text {

// Returns the normalized form of `s` (see the file comment).
std::string NormalizeForMatch(std::string_view s);

// As NormalizeForMatch, writing into `*out` (cleared first) so callers can
// reuse its buffer in a loop.
void NormalizeForMatchInto(std::string_view s, std::string* out);

// Appends the normalized form of `s` to `*out` (which is left as it was
// before that point).
void NormalizeForMatchAppend(std::string_view s, std::string* out);

namespace internal {
// The same rules applied to the whole text at once through utf8proc, with
// no fast path, run splitting or cache: the definition NormalizeForMatch
// must agree with (tests compare the two on random text).
std::string NormalizeReference(std::string_view s);
}  // namespace internal

}  // namespace custody::text
