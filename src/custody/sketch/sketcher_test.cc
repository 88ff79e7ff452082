#include "custody/sketch/sketcher.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace custody::sketch {
namespace {

crypto::SecretBytes Key(char c) { return crypto::SecretBytes::FromBytes(std::string(32, c)); }

RecordSketch SketchOf(const Sketcher& s, std::vector<std::string_view> fields) {
  RecordSketch r;
  s.Sketch(fields, &r);
  return r;
}

TEST(SketcherTest, RejectsShortKey) {
  EXPECT_FALSE(Sketcher::Create(crypto::SecretBytes::FromBytes("short"), {}).ok());
}

TEST(SketcherTest, NormalizationMakesVariantsIdentical) {
  auto s = std::move(Sketcher::Create(Key('k'), {})).value();
  auto a = SketchOf(*s, {"\xE2\x80\x9CHello\xE2\x80\x9D   World, it\xE2\x80\x99s me", "Second field here ok"});
  auto b = SketchOf(*s, {"\"hello\" world, it's ME", "second  FIELD here ok"});
  EXPECT_EQ(a.joined, b.joined);
  EXPECT_EQ(a.record_key, b.record_key);
  EXPECT_EQ(a.sig, b.sig);
  EXPECT_EQ(a.field_keys, b.field_keys);
  EXPECT_EQ(a.field_keys.size(), 2u);
}

TEST(SketcherTest, HashesDependOnTheKey) {
  auto s1 = std::move(Sketcher::Create(Key('a'), {})).value();
  auto s2 = std::move(Sketcher::Create(Key('b'), {})).value();
  auto a = SketchOf(*s1, {"the same text in both sketches"});
  auto b = SketchOf(*s2, {"the same text in both sketches"});
  EXPECT_NE(a.record_key, b.record_key);
  EXPECT_NE(a.shingles, b.shingles);
  EXPECT_NE(s1->key_check(), s2->key_check());
}

TEST(SketcherTest, EstimatesJaccard) {
  auto s = std::move(Sketcher::Create(Key('k'), {})).value();
  std::string base, other;
  for (int i = 0; i < 200; ++i) base += "w" + std::to_string(i) + " ";
  for (int i = 0; i < 200; ++i) other += "v" + std::to_string(i) + " ";
  auto a = SketchOf(*s, {base});
  EXPECT_EQ(SignatureMatches(a.sig.data(), a.sig.data(), s->params()), s->params().bins());
  EXPECT_DOUBLE_EQ(EstimateJaccard(s->params().bins(), s->params()), 1.0);
  auto b = SketchOf(*s, {other});
  double j_unrelated =
      EstimateJaccard(SignatureMatches(a.sig.data(), b.sig.data(), s->params()), s->params());
  EXPECT_LT(j_unrelated, 0.2);
  // Replace the second half: true Jaccard = 99/299 ~ 0.33 (3-word shingles).
  std::string half;
  for (int i = 0; i < 100; ++i) half += "w" + std::to_string(i) + " ";
  for (int i = 100; i < 200; ++i) half += "v" + std::to_string(i) + " ";
  auto c = SketchOf(*s, {half});
  double j_half =
      EstimateJaccard(SignatureMatches(a.sig.data(), c.sig.data(), s->params()), s->params());
  EXPECT_GT(j_half, 0.1);
  EXPECT_LT(j_half, 0.6);
}

TEST(SketcherTest, EmptyRecordHasNoShingles) {
  auto s = std::move(Sketcher::Create(Key('k'), {})).value();
  auto a = SketchOf(*s, {"", "  \t"});
  EXPECT_TRUE(a.joined.empty());
  EXPECT_EQ(a.shingle_count, 0u);
}


// The estimator as the plain per-bin loop: the bit-parallel version must
// give the same value for every parameter choice.
double JaccardFilledReference(const uint8_t* sig, const uint8_t* filled, const RecordSketch& q,
                              const SketchParams& p) {
  const uint32_t bits = p.sig_bits, mask = (1u << bits) - 1;
  uint32_t uni = 0, both = 0, equal = 0;
  for (uint32_t b = 0; b < p.bins(); ++b) {
    bool fa = filled[b >> 3] & (1u << (b & 7));
    bool fq = q.filled[b >> 3] & (1u << (b & 7));
    if (!fa && !fq) continue;
    ++uni;
    if (!(fa && fq)) continue;
    ++both;
    uint32_t pos = b * bits;
    equal += ((sig[pos >> 3] >> (pos & 7)) & mask) == ((q.sig[pos >> 3] >> (pos & 7)) & mask);
  }
  if (uni == 0) return 0;
  const double r = 1.0 / static_cast<double>(1u << bits);
  double j = (static_cast<double>(equal) - r * both) / (1.0 - r) / uni;
  return j < 0 ? 0 : (j > 1 ? 1 : j);
}

TEST(SketcherTest, BitParallelJaccardEqualsThePerBinLoop) {
  std::mt19937_64 rng(11);
  for (uint8_t bits : {1, 2, 4}) {
    for (uint8_t log2 = 3; log2 <= 10; ++log2) {
      SketchParams p;
      p.sig_bits = bits;
      p.bins_log2 = log2;
      for (int trial = 0; trial < 200; ++trial) {
        RecordSketch q;
        std::vector<uint8_t> sig(p.sig_bytes()), filled(p.filled_bytes());
        q.sig.resize(p.sig_bytes());
        q.filled.resize(p.filled_bytes());
        // Correlated signatures, so that equal codes are common.
        for (size_t i = 0; i < sig.size(); ++i) {
          sig[i] = static_cast<uint8_t>(rng());
          q.sig[i] = (rng() % 3 == 0) ? static_cast<uint8_t>(rng()) : sig[i];
        }
        const int density = trial % 4;  // empty, sparse, half, full bitmaps
        for (size_t i = 0; i < filled.size(); ++i) {
          auto draw = [&] {
            uint8_t v = static_cast<uint8_t>(rng());
            return density == 0 ? uint8_t{0} : density == 1 ? uint8_t(v & rng()) : density == 2 ? v : uint8_t{0xFF};
          };
          filled[i] = draw();
          q.filled[i] = draw();
        }
        ASSERT_EQ(EstimateJaccardFilled(sig.data(), filled.data(), q, p),
                  JaccardFilledReference(sig.data(), filled.data(), q, p))
            << "bits " << int(bits) << " bins_log2 " << int(log2) << " trial " << trial;
      }
    }
  }
}


// The MinHash part of Sketch written plainly from its definition
// (docs/formats/index.md): bins, filled bitmap, rotation densification and
// b-bit packing must come out the same as the word-at-a-time code.
TEST(SketcherTest, SignatureEqualsThePlainDefinition) {
  std::mt19937_64 rng(5);
  auto mix32 = [](uint32_t v) {
    v ^= v >> 16;
    v *= 0x7feb352du;
    v ^= v >> 15;
    v *= 0x846ca68bu;
    v ^= v >> 16;
    return v;
  };
  for (uint8_t bits : {1, 2, 4}) {
    for (uint8_t log2 = 3; log2 <= 10; ++log2) {
      SketchParams p;
      p.sig_bits = bits;
      p.bins_log2 = log2;
      auto s = std::move(Sketcher::Create(Key('m'), p)).value();
      for (int trial = 0; trial < 20; ++trial) {
        std::string text;
        const int words = static_cast<int>(rng() % 300);
        for (int w = 0; w < words; ++w) text += "w" + std::to_string(rng() % 500) + " ";
        RecordSketch r = SketchOf(*s, {text});
        const uint32_t nb = p.bins();
        std::vector<uint32_t> bins(nb, 0xFFFFFFFFu);
        for (uint64_t h : r.shingles) {
          uint32_t b = static_cast<uint32_t>(h >> (64 - log2));
          bins[b] = std::min(bins[b], static_cast<uint32_t>(h));
        }
        std::vector<uint8_t> filled(p.filled_bytes(), 0);
        for (uint32_t b = 0; b < nb; ++b) {
          if (bins[b] != 0xFFFFFFFFu) filled[b / 8] |= static_cast<uint8_t>(1u << (b % 8));
        }
        std::vector<uint32_t> dense = bins;
        std::vector<uint8_t> sig(p.sig_bytes(), 0);
        if (!r.shingles.empty()) {
          for (uint32_t b = 0; b < nb; ++b) {
            if (bins[b] != 0xFFFFFFFFu) continue;
            uint32_t d = 1;
            while (bins[(b + d) % nb] == 0xFFFFFFFFu) ++d;
            dense[b] = mix32(bins[(b + d) % nb] + d * 0x9E3779B9u);
          }
          for (uint32_t b = 0; b < nb; ++b) {
            uint32_t code = (dense[b] * 0x9E3779B1u) >> (32 - bits);
            sig[b * bits / 8] |= static_cast<uint8_t>(code << (b * bits % 8));
          }
        }
        ASSERT_EQ(r.filled, filled) << int(bits) << " " << int(log2) << " " << words;
        ASSERT_EQ(r.sig, sig) << int(bits) << " " << int(log2) << " " << words;
        ASSERT_EQ(r.bins, dense) << int(bits) << " " << int(log2) << " " << words;
      }
    }
  }
}

}  // namespace
}  // namespace custody::sketch
