#include "custody/sketch/sketcher.h"

// Inlined: the sketcher hashes every word, and short keys are cheap only
// without a call into the shared library.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <bit>
#include <cstring>

#include "custody/base/hash.h"
#include "custody/crypto/crypto.h"
#include "custody/text/normalize.h"
#include "custody/text/tokenize.h"

namespace custody::sketch {
namespace {

constexpr size_t kSecretSize = 192;  // >= XXH3_SECRET_SIZE_MIN (136)

inline uint32_t Mix32(uint32_t v) {
  v ^= v >> 16;
  v *= 0x7feb352du;
  v ^= v >> 15;
  v *= 0x846ca68bu;
  v ^= v >> 16;
  return v;
}

constexpr uint32_t kEmptyBin = 0xFFFFFFFFu;

}  // namespace

// The signature comparisons count bits several times per candidate. The
// baseline x86-64 target has no POPCNT instruction, so std::popcount is a
// library call there; these functions are built twice, with and without
// POPCNT, and the loader picks the one the CPU runs (the counts are equal).
#if defined(__x86_64__) && defined(__ELF__)
#define CUSTODY_POPCNT_CLONES __attribute__((target_clones("popcnt", "default")))
#else
#define CUSTODY_POPCNT_CLONES
#endif

Sketcher::~Sketcher() = default;

Result<std::unique_ptr<Sketcher>> Sketcher::Create(const crypto::SecretBytes& index_key,
                                                   const SketchParams& params,
                                                   const VerifyParams& verify) {
  if (index_key.size() < 16) {
    return InvalidArgumentError("sketch: index key: expected at least 16 bytes, found " +
                                std::to_string(index_key.size()));
  }
  if (params.shingle_words == 0 || params.bins_log2 < 3 || params.bins_log2 > 10 ||
      (params.sig_bits != 1 && params.sig_bits != 2 && params.sig_bits != 4) ||
      params.anchors == 0 || params.anchors > 64) {
    return InvalidArgumentError("sketch: parameters out of range");
  }
  std::unique_ptr<Sketcher> s(new Sketcher());
  s->params_ = params;
  s->verify_ = verify;
  s->secret_ = crypto::SecretBytes(kSecretSize);
  for (size_t part = 0; part < kSecretSize / 64; ++part) {
    crypto::SecretBytes k =
        crypto::DeriveKey(index_key, "custody.sketch.xxh3." + std::to_string(part), 64);
    std::memcpy(s->secret_.data() + part * 64, k.data(), 64);
  }
  crypto::SecretBytes check_key = crypto::DeriveKey(index_key, "custody.sketch.key-check", 32);
  s->key_check_ = crypto::Prf64(check_key, "custody index key check v1");
  return s;
}

// Always inlined: it runs once per word, and a call costs as much as the hash.
[[gnu::always_inline]] inline uint64_t Sketcher::Hash(std::string_view s) const {
  // Words are short: XXH3's own 0-16 byte path, inlined (the same value as
  // XXH3_64bits_withSecret, without its call and length dispatch).
  if (s.size() <= 16) {
    return XXH3_len_0to16_64b(reinterpret_cast<const xxh_u8*>(s.data()), s.size(),
                              reinterpret_cast<const xxh_u8*>(secret_.data()), 0);
  }
  return XXH3_64bits_withSecret(s.data(), s.size(), secret_.data(), secret_.size());
}

void Sketcher::NormalizeFields(std::span<const std::string_view> fields, RecordSketch* out) const {
  out->joined.clear();
  // Normalize fields and join them with one space; remember field ranges.
  size_t nonempty = 0;
  uint32_t nranges = 0;
  for (std::string_view f : fields) {
    const size_t before = out->joined.size();
    if (before != 0) out->joined.push_back(' ');
    const size_t begin = out->joined.size();
    text::NormalizeForMatchAppend(f, &out->joined);
    if (out->joined.size() == begin) {  // nothing left of this field
      out->joined.resize(before);
      continue;
    }
    if (nranges < std::size(out->ranges)) {
      out->ranges[nranges++] = {static_cast<uint32_t>(begin), static_cast<uint32_t>(out->joined.size())};
    }
    ++nonempty;
  }
  out->nranges = nranges;
  out->nonempty_fields = static_cast<uint32_t>(nonempty);
  out->record_key = Hash(out->joined);
}

void Sketcher::SketchWords(std::span<const std::string_view> fields, RecordSketch* out) const {
  NormalizeFields(fields, out);
  WordsOfJoined(out);
}

void Sketcher::SketchJoined(RecordSketch* out) const {
  WordsOfJoined(out);
  MinHash(out);
}

void Sketcher::WordsOfJoined(RecordSketch* out) const {
  const SketchParams& p = params_;
  out->field_keys.clear();
  out->shingles.clear();
  out->word_hashes.clear();
  const RecordSketch::Range* ranges = out->ranges;
  const size_t nranges = out->nranges;
  const size_t nonempty = out->nonempty_fields;

  // Words and their keyed hashes, field by field (the joining space is a
  // separator, so no word spans two fields); fields past the 16th as one.
  uint32_t field_words[16] = {};
  const std::string_view joined = out->joined;
  auto add_words = [&](size_t begin, size_t end) {
    const size_t before = out->word_hashes.size();
    text::ForEachWord(joined.substr(begin, end - begin),
                      [&](std::string_view w) { out->word_hashes.push_back(Hash(w)); });
    return static_cast<uint32_t>(out->word_hashes.size() - before);
  };
  for (size_t i = 0; i < nranges; ++i) field_words[i] = add_words(ranges[i].begin, ranges[i].end);
  if (nranges > 0 && ranges[nranges - 1].end < joined.size()) {
    add_words(ranges[nranges - 1].end, joined.size());
  }
  out->words = static_cast<uint32_t>(out->word_hashes.size());
  out->field_ends.clear();
  {
    uint32_t end = 0;
    for (size_t i = 0; i < nranges; ++i) out->field_ends.push_back(end += field_words[i]);
    if (out->field_ends.empty() || out->field_ends.back() != out->words) {
      out->field_ends.push_back(out->words);  // fields past the 16th count as one
    }
  }
  if (nonempty >= 2) {
    for (size_t i = 0; i < nranges; ++i) {
      if (field_words[i] < verify_.min_words) continue;
      std::string_view f(out->joined.data() + ranges[i].begin, ranges[i].end - ranges[i].begin);
      out->field_keys.push_back(FieldTag(Hash(f)));
    }
  }

  // Shingles.
  const size_t n = out->word_hashes.size();
  const size_t k = std::min<size_t>(p.shingle_words, n);
  if (n > 0) {
    out->shingles.reserve(n - k + 1);
    const uint64_t* wh = out->word_hashes.data();
    for (size_t i = 0; i + k <= n; ++i) {
      uint64_t h = wh[i];
      for (size_t j = 1; j < k; ++j) h = std::rotl(h, 23) ^ wh[i + j];
      out->shingles.push_back(Fmix64(h + k));
    }
  }
  out->shingle_count = static_cast<uint32_t>(out->shingles.size());
}

void Sketcher::Sketch(std::span<const std::string_view> fields, RecordSketch* out) const {
  SketchWords(fields, out);
  MinHash(out);
}

void Sketcher::MinHash(RecordSketch* out) const {
  const SketchParams& p = params_;

  // One-permutation MinHash.
  const uint32_t nb = p.bins();
  out->bins.assign(nb, kEmptyBin);
  out->code_masks.clear();
  out->filled.assign((nb + 7) / 8, 0);
  uint32_t* bins = out->bins.data();
  const int shift = 64 - p.bins_log2;
  for (uint64_t h : out->shingles) {
    uint32_t b = static_cast<uint32_t>(h >> shift);
    uint32_t v = static_cast<uint32_t>(h);
    bins[b] = std::min(bins[b], v);  // branch-free: which shingle wins is random
  }
  // Filled bins as 64-bit words (bin b is bit b % 64 of word b / 64).
  uint64_t words[16] = {};
  for (uint32_t b = 0; b < nb; ++b) words[b >> 6] |= uint64_t{bins[b] != kEmptyBin} << (b & 63);
  std::memcpy(out->filled.data(), words, out->filled.size());  // little-endian bit order
  // Rotation densification: an empty bin borrows the value of the next
  // originally non-empty bin (circularly), mixed with the distance.
  if (!out->shingles.empty()) {
    uint32_t tmp[1024];
    std::memcpy(tmp, bins, nb * sizeof(uint32_t));
    const uint32_t span = std::min<uint32_t>(nb, 64);  // bins per word
    for (uint32_t b = 0; b < nb; ++b) {
      if (tmp[b] != kEmptyBin) continue;
      // The first filled bin after b: j counts bins without wrapping.
      uint32_t j = b + 1;
      for (;;) {
        const uint32_t at = j & (nb - 1), off = at & 63;
        const uint64_t rest = words[at >> 6] >> off;
        if (rest != 0) {
          j += static_cast<uint32_t>(std::countr_zero(rest));
          break;
        }
        j += span - off;
      }
      bins[b] = Mix32(tmp[j & (nb - 1)] + (j - b) * 0x9E3779B9u);
    }
  }

  // Packed b-bit signature, built a 64-bit word at a time.
  out->sig.assign(p.sig_bytes(), 0);
  if (!out->shingles.empty()) {
    const uint32_t bits = p.sig_bits;
    uint64_t acc = 0;
    uint32_t filled_bits = 0;
    size_t at = 0;
    for (uint32_t b = 0; b < nb; ++b) {
      acc |= uint64_t{(bins[b] * 0x9E3779B1u) >> (32 - bits)} << filled_bits;
      filled_bits += bits;
      if (filled_bits == 64 || b + 1 == nb) {
        const size_t len = std::min<size_t>(8, out->sig.size() - at);
        std::memcpy(out->sig.data() + at, &acc, len);
        at += len;
        acc = 0;
        filled_bits = 0;
      }
    }
  }
}

void Sketcher::FillCodeMasks(RecordSketch* r) const {
  const SketchParams& p = params_;
  r->code_masks.assign(p.bins(), 0);
  const int shift = 64 - p.bins_log2;
  const int code_shift = 32 - p.sig_bits;
  for (uint64_t h : r->shingles) {
    const uint32_t v = static_cast<uint32_t>(h);
    r->code_masks[h >> shift] |= static_cast<uint16_t>(1u << ((v * 0x9E3779B1u) >> code_shift));
  }
}

CUSTODY_POPCNT_CLONES uint32_t SignatureMatches(const uint8_t* a, const uint8_t* b,
                                                const SketchParams& p) {
  const uint32_t bits = p.sig_bits;
  const size_t nbytes = p.sig_bytes();
  uint64_t lsb_mask = 0;
  for (uint32_t i = 0; i < 64; i += bits) lsb_mask |= 1ull << i;
  uint32_t differing = 0;
  size_t i = 0;
  for (; i < nbytes; i += 8) {
    uint64_t x = 0, y = 0;
    size_t len = std::min<size_t>(8, nbytes - i);
    std::memcpy(&x, a + i, len);
    std::memcpy(&y, b + i, len);
    uint64_t t = x ^ y;
    for (uint32_t s = 1; s < bits; s <<= 1) t |= t >> s;
    differing += static_cast<uint32_t>(std::popcount(t & lsb_mask));
  }
  return p.bins() - differing;
}

CUSTODY_POPCNT_CLONES double EstimateKept(const uint8_t* record_sig,
                                          const uint8_t* record_filled,
                                          const std::vector<uint16_t>& query_masks,
                                          const SketchParams& p) {
  const uint32_t bits = p.sig_bits;
  const uint32_t nb = p.bins();
  double hits = 0, chance = 0, bins = 0;
  for (uint32_t b = 0; b < nb; ++b) {
    if (!(record_filled[b >> 3] & (1u << (b & 7)))) continue;
    uint32_t bitpos = b * bits;
    uint32_t code = (record_sig[bitpos >> 3] >> (bitpos & 7)) & ((1u << bits) - 1);
    uint16_t m = query_masks[b];
    bins += 1;
    hits += (m >> code) & 1;
    chance += static_cast<double>(std::popcount(m)) / static_cast<double>(1u << bits);
  }
  if (bins == 0 || bins - chance <= 0) return 0;
  double k = (hits - chance) / (bins - chance);
  return k < 0 ? 0 : (k > 1 ? 1 : k);
}

namespace {

// Moves bit i of the low 64/bits bits of `f` to bit i*bits (the low bit of
// the i-th b-bit code in a packed signature word).
inline uint64_t SpreadBits(uint64_t f, uint32_t bits) {
  if (bits == 1) return f;
  if (bits == 2) {
    f &= 0xFFFFFFFFull;
    f = (f | f << 16) & 0x0000FFFF0000FFFFull;
    f = (f | f << 8) & 0x00FF00FF00FF00FFull;
    f = (f | f << 4) & 0x0F0F0F0F0F0F0F0Full;
    f = (f | f << 2) & 0x3333333333333333ull;
    return (f | f << 1) & 0x5555555555555555ull;
  }
  f &= 0xFFFFull;  // bits == 4
  f = (f | f << 24) & 0x000000FF000000FFull;
  f = (f | f << 12) & 0x000F000F000F000Full;
  f = (f | f << 6) & 0x0303030303030303ull;
  return (f | f << 3) & 0x1111111111111111ull;
}

inline uint64_t LoadUpTo8(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  std::memcpy(&v, p, n < 8 ? n : 8);
  return v;
}

}  // namespace

CUSTODY_POPCNT_CLONES double EstimateJaccardFilled(const uint8_t* record_sig,
                                                   const uint8_t* record_filled,
                                                   const RecordSketch& q,
                                                   const SketchParams& p) {
  // Bit-parallel over one 64-bit signature word (64/bits bins) at a time:
  // the filled bitmaps give the union and the bins filled in both; the
  // XOR of the codes, folded to one bit per bin, the bins that differ.
  const uint32_t bits = p.sig_bits;
  const uint32_t nb = p.bins();
  const uint32_t per_word = 64 / bits;
  const size_t sig_bytes = p.sig_bytes(), filled_bytes = p.filled_bytes();
  uint32_t uni = 0, both = 0, equal = 0;
  if (bits == 2 && nb == 64) {
    // The default parameters, as the loop below computes them, with
    // fixed-size loads: one bitmap word and two signature words per side.
    uint64_t fa, fq, sa[2], sq[2];
    std::memcpy(&fa, record_filled, 8);
    std::memcpy(&fq, q.filled.data(), 8);
    std::memcpy(sa, record_sig, 16);
    std::memcpy(sq, q.sig.data(), 16);
    for (int h = 0; h < 2; ++h) {
      const uint64_t a = (fa >> (32 * h)) & 0xFFFFFFFFull, b = (fq >> (32 * h)) & 0xFFFFFFFFull;
      const uint64_t in_both = a & b;
      uint64_t t = sa[h] ^ sq[h];
      t |= t >> 1;
      const uint32_t n_both = static_cast<uint32_t>(std::popcount(in_both));
      uni += static_cast<uint32_t>(std::popcount(a | b));
      both += n_both;
      equal += n_both - static_cast<uint32_t>(std::popcount(SpreadBits(in_both, 2) & t));
    }
  } else {
    for (uint32_t first = 0; first < nb; first += per_word) {
      const uint32_t count = std::min(per_word, nb - first);
      const uint64_t keep = count == 64 ? ~0ull : (1ull << count) - 1;
      const size_t fb = first / 8, sb = static_cast<size_t>(first) * bits / 8;
      const uint64_t fa = LoadUpTo8(record_filled + fb, filled_bytes - fb) & keep;
      const uint64_t fq = LoadUpTo8(q.filled.data() + fb, filled_bytes - fb) & keep;
      const uint64_t in_both = fa & fq;
      uint64_t t = LoadUpTo8(record_sig + sb, sig_bytes - sb) ^
                   LoadUpTo8(q.sig.data() + sb, sig_bytes - sb);
      for (uint32_t s = 1; s < bits; s <<= 1) t |= t >> s;
      const uint32_t n_both = static_cast<uint32_t>(std::popcount(in_both));
      uni += static_cast<uint32_t>(std::popcount(fa | fq));
      both += n_both;
      equal += n_both - static_cast<uint32_t>(std::popcount(SpreadBits(in_both, bits) & t));
    }
  }
  if (uni == 0) return 0;
  const double r = 1.0 / static_cast<double>(1u << bits);
  double same = (static_cast<double>(equal) - r * both) / (1.0 - r);
  double j = same / uni;
  return j < 0 ? 0 : (j > 1 ? 1 : j);
}

double EstimateJaccard(uint32_t matches, const SketchParams& p) {
  const double r = 1.0 / static_cast<double>(1u << p.sig_bits);
  double frac = static_cast<double>(matches) / static_cast<double>(p.bins());
  double j = (frac - r) / (1.0 - r);
  return j < 0 ? 0 : (j > 1 ? 1 : j);
}

}  // namespace custody::sketch
