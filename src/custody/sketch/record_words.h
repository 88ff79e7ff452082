// RecordWords: a record's words as exact verification compares them — one
// 32-bit keyed token per word (the low half of the sketcher's keyed word
// hash), where each field ends, and the fingerprints of its whole fields.
// The vault stores them per record at ingest (encrypted, in word files:
// docs/formats/words.md), so verifying a candidate reads a few hundred bytes
// instead of decrypting, decompressing, parsing and re-sketching its record.
// Two different words share a token with probability 2^-32 per pair.
// Thread-safety: values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "custody/sketch/sketcher.h"

namespace custody::sketch {

struct RecordWords {
  std::vector<uint32_t> tokens;      // one per word, in text order
  std::vector<uint32_t> field_ends;  // per field, its end in `tokens` (the last == size)
  std::vector<uint64_t> field_keys;  // Sketcher::FieldTag'd fingerprints of long fields
};

// The words of a sketched record (after Sketcher::Sketch or SketchWords).
void WordsFromSketch(const RecordSketch& sketch, RecordWords* out);

// Appends the encoding of `words` (docs/formats/words.md, "Record entry").
void AppendRecordWords(const RecordWords& words, std::string* out);
// Decodes one entry written by AppendRecordWords; false if `in` is not
// exactly one well-formed entry.
bool ParseRecordWords(std::string_view in, RecordWords* out);

}  // namespace custody::sketch
