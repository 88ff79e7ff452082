#include "custody/sketch/record_words.h"

#include "custody/base/encoding.h"

namespace custody::sketch {
namespace {

// Upper bounds that keep a corrupt entry from asking for absurd memory (a
// record has at most 17 field ranges: 16 fields and the rest as one).
constexpr uint64_t kMaxFieldEnds = 17;
constexpr uint64_t kMaxFieldKeys = 16;

}  // namespace

void WordsFromSketch(const RecordSketch& s, RecordWords* out) {
  out->tokens.resize(s.word_hashes.size());
  for (size_t i = 0; i < s.word_hashes.size(); ++i) {
    out->tokens[i] = static_cast<uint32_t>(s.word_hashes[i]);
  }
  out->field_ends.assign(s.field_ends.begin(), s.field_ends.end());
  out->field_keys.assign(s.field_keys.begin(), s.field_keys.end());
}

void AppendRecordWords(const RecordWords& w, std::string* out) {
  PutVarint64(out, w.tokens.size());
  PutVarint64(out, w.field_ends.size());
  PutVarint64(out, w.field_keys.size());
  for (uint32_t e : w.field_ends) PutVarint64(out, e);
  for (uint64_t k : w.field_keys) PutFixed64(out, k);
  for (uint32_t t : w.tokens) PutFixed32(out, t);
}

bool ParseRecordWords(std::string_view in, RecordWords* out) {
  uint64_t n = 0, ends = 0, keys = 0;
  if (!GetVarint64(&in, &n) || !GetVarint64(&in, &ends) || !GetVarint64(&in, &keys)) return false;
  if (ends > kMaxFieldEnds || keys > kMaxFieldKeys) return false;
  out->field_ends.resize(ends);
  uint64_t last = 0;
  for (uint64_t i = 0; i < ends; ++i) {
    uint64_t e = 0;
    if (!GetVarint64(&in, &e) || e < last || e > n) return false;
    out->field_ends[i] = static_cast<uint32_t>(e);
    last = e;
  }
  if (n > 0 && (ends == 0 || last != n)) return false;
  if (in.size() != keys * 8 + n * 4) return false;
  out->field_keys.resize(keys);
  for (uint64_t i = 0; i < keys; ++i) out->field_keys[i] = DecodeFixed64(in.data() + 8 * i);
  in.remove_prefix(keys * 8);
  out->tokens.resize(n);
  for (uint64_t i = 0; i < n; ++i) out->tokens[i] = DecodeFixed32(in.data() + 4 * i);
  return true;
}

}  // namespace custody::sketch
