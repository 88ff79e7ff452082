#include "custody/sketch/index_builder.h"

#include <xxhash.h>

#include <algorithm>
#include <cstring>

#include "custody/sketch/index_format.h"
#include "custody/sketch/internal/key_table.h"

namespace custody::sketch {
namespace {

void Put32(std::string* s, size_t off, uint32_t v) { std::memcpy(s->data() + off, &v, 4); }
void Put64(std::string* s, size_t off, uint64_t v) { std::memcpy(s->data() + off, &v, 8); }
void Pad8(std::string* s) { s->resize((s->size() + 7) & ~size_t{7}, '\0'); }

// How many records chose each anchor key first: an open-addressing table
// (keys are already well mixed; 0 is never a key). Key and count share a
// slot, so each operation is one cache miss in a table larger than cache.
class AnchorCounts {
 public:
  explicit AnchorCounts(size_t n) {
    size_t cap = 16;
    while (cap < 2 * n) cap <<= 1;
    slots_.assign(cap, Slot{});
    mask_ = cap - 1;
  }
  void Add(uint32_t key) {
    if (key == 0) return;
    Slot& s = slots_[Find(key)];
    s.key = key;
    ++s.count;
  }
  uint32_t Count(uint32_t key) const { return key == 0 ? 0 : slots_[Find(key)].count; }

 private:
  struct Slot {
    uint32_t key = 0, count = 0;
  };
  size_t Find(uint32_t key) const {
    size_t i = (key * 0x9E3779B1u) & mask_;
    while (slots_[i].key != 0 && slots_[i].key != key) i = (i + 1) & mask_;
    return i;
  }
  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

}  // namespace

std::string IndexFileName(uint64_t dataset_id, uint32_t version) {
  return std::to_string(dataset_id) + "-v" + std::to_string(version) + ".idx";
}

uint32_t AnchorKey(uint64_t h) {
  uint64_t x = h ^ 0x9E3779B97F4A7C15ull;
  x ^= x >> 31;
  x *= 0xbf58476d1ce4e5b9ull;
  x ^= x >> 29;
  uint32_t k = static_cast<uint32_t>(x >> 32);
  return k == 0 ? 1 : k;  // 0 marks "no candidate"
}

IndexBuilder::~IndexBuilder() = default;

Result<std::unique_ptr<IndexBuilder>> IndexBuilder::Create(const crypto::SecretBytes& index_key,
                                                           IndexBuilderOptions options) {
  CUSTODY_ASSIGN_OR_RETURN(auto sketcher,
                           Sketcher::Create(index_key, options.params, options.verify));
  std::unique_ptr<IndexBuilder> b(new IndexBuilder());
  b->options_ = std::move(options);
  b->sketcher_ = std::move(sketcher);
  return b;
}

Status IndexBuilder::Add(uint64_t record_id, std::span<const std::string_view> text_fields,
                         std::span<const std::string_view>) {
  if (ids_.size() >= kMaxRecordsPerIndex) {
    return OutOfRangeError("sketch index: more than " + std::to_string(kMaxRecordsPerIndex) +
                           " records in one index file; split the dataset into shards");
  }
  const SketchParams& p = options_.params;
  const uint32_t ord = static_cast<uint32_t>(ids_.size());
  RecordSketch& s = scratch_;
  sketcher_->Sketch(text_fields, &s);
  text_bytes_ += s.joined.size();
  ids_.push_back(record_id);
  counts_.push_back(static_cast<uint16_t>(std::min<uint32_t>(s.shingle_count, 0xFFFF)));
  sigs_.insert(sigs_.end(), s.sig.begin(), s.sig.end());
  filled_.insert(filled_.end(), s.filled.begin(), s.filled.end());
  key_lo_.push_back(static_cast<uint32_t>(s.record_key));
  if (!s.joined.empty()) {
    exact_.emplace_back(ExactKey(s.record_key), ord);
    for (uint64_t fk : s.field_keys) exact_.emplace_back(ExactKey(fk), ord);
  }
  // Anchors: split the shingle sequence into `anchors` equal segments and
  // keep the two smallest hashes of each as candidates.
  const size_t n = s.shingles.size();
  const size_t m = p.anchors;
  size_t base = anchor_candidates_.size();
  anchor_candidates_.resize(base + 2 * m, 0);
  if (s.words >= options_.verify.min_words) {
    for (size_t seg = 0; seg < m; ++seg) {
      size_t lo = seg * n / m, hi = (seg + 1) * n / m;
      uint64_t best = ~0ull, second = ~0ull;
      for (size_t i = lo; i < hi; ++i) {
        // Branch-free (which shingle is smaller is a coin toss): the two
        // smallest distinct values; best <= second throughout.
        const uint64_t h = s.shingles[i];
        const uint64_t larger = std::max(best, h);
        second = h != best ? std::min(second, larger) : second;
        best = std::min(best, h);
      }
      if (lo < hi) anchor_candidates_[base + 2 * seg] = AnchorKey(best);
      if (second != ~0ull) anchor_candidates_[base + 2 * seg + 1] = AnchorKey(second);
    }
  }
  return OkStatus();
}

Result<std::string> IndexBuilder::Serialize() const {
  const SketchParams& p = options_.params;
  const uint64_t n = ids_.size();
  const size_t m = p.anchors;

  // Anchor choice: the first candidate unless it is corpus-frequent (the
  // counts table is freed before the next one is built).
  std::vector<std::pair<uint32_t, uint32_t>> anchors;
  anchors.reserve(n * m);
  {
    AnchorCounts freq(anchor_candidates_.size() / 2);
    for (size_t i = 0; i < anchor_candidates_.size(); i += 2) freq.Add(anchor_candidates_[i]);
    for (uint64_t r = 0; r < n; ++r) {
      uint32_t prev[64];
      size_t nprev = 0;
      for (size_t seg = 0; seg < m; ++seg) {
        uint32_t a = anchor_candidates_[(r * m + seg) * 2];
        uint32_t b = anchor_candidates_[(r * m + seg) * 2 + 1];
        if (a == 0) continue;
        uint32_t pick = a;
        if (freq.Count(a) > options_.max_anchor_frequency) {
          // A stock phrase: the second candidate, or no anchor for this
          // segment (the matcher ignores anchors naming that many records).
          if (b == 0 || freq.Count(b) > options_.max_anchor_frequency) continue;
          pick = b;
        }
        if (std::find(prev, prev + nprev, pick) != prev + nprev) continue;
        prev[nprev++] = pick;
        anchors.emplace_back(pick, static_cast<uint32_t>(r));
      }
    }
  }

  // A key picked by more records than the matcher will look at (a phrase
  // that was often a second candidate) can never nominate anyone: drop its
  // entries rather than store them.
  {
    AnchorCounts picked(anchors.size());
    for (const auto& a : anchors) picked.Add(a.first);
    std::erase_if(anchors, [&](const std::pair<uint32_t, uint32_t>& a) {
      return picked.Count(a.first) > options_.max_anchor_frequency;
    });
  }

  bool contiguous = true;
  for (uint64_t i = 1; i < n && contiguous; ++i) contiguous = ids_[i] == ids_[0] + i;

  const uint8_t exact_bits = internal::KeyTableBits(exact_.size());
  const uint8_t anchor_bits = internal::KeyTableBits(anchors.size());
  std::string out(kIndexHeaderSize, '\0');
  std::memcpy(out.data(), kIndexMagic, 8);
  Put32(&out, kOffVersion, kIndexFormatVersion);
  Put32(&out, kOffHeaderSize, kIndexHeaderSize);
  out[kOffShingleWords] = static_cast<char>(p.shingle_words);
  out[kOffBinsLog2] = static_cast<char>(p.bins_log2);
  out[kOffSigBits] = static_cast<char>(p.sig_bits);
  out[kOffAnchors] = static_cast<char>(p.anchors);
  out[kOffExactBucketBits] = static_cast<char>(exact_bits);
  out[kOffAnchorBucketBits] = static_cast<char>(anchor_bits);
  Put64(&out, kOffRecordCount, n);
  Put64(&out, kOffIdBase, n > 0 ? ids_[0] : 0);
  Put64(&out, kOffFlags, contiguous ? 0 : kFlagExplicitIds);
  Put64(&out, kOffKeyCheck, sketcher_->key_check());
  Put64(&out, kOffExactEntries, exact_.size());
  Put64(&out, kOffAnchorEntries, anchors.size());
  Put32(&out, kOffLabelBytes, static_cast<uint32_t>(options_.label.size()));

  out += options_.label;
  Pad8(&out);
  if (!contiguous) {
    size_t at = out.size();
    out.resize(at + n * 8);
    if (n > 0) std::memcpy(out.data() + at, ids_.data(), n * 8);  // an empty index has no data()
  }
  size_t at = out.size();
  out.resize(at + n * 2);
  if (n > 0) std::memcpy(out.data() + at, counts_.data(), n * 2);
  Pad8(&out);
  out.append(reinterpret_cast<const char*>(sigs_.data()), sigs_.size());
  Pad8(&out);
  out.append(reinterpret_cast<const char*>(filled_.data()), filled_.size());
  Pad8(&out);
  out.append(reinterpret_cast<const char*>(key_lo_.data()), key_lo_.size() * 4);
  Pad8(&out);
  internal::BuildKeyTable(exact_, exact_bits, &out);
  Pad8(&out);
  internal::BuildKeyTable(anchors, anchor_bits, &out);
  Pad8(&out);
  // Per-block checksums of everything so far (the header's block fields
  // included), then the trailer's checksum of the block table.
  const size_t data_bytes = out.size();
  const size_t block = size_t{1} << kIndexBlockLog2;
  Put32(&out, kOffBlockLog2, kIndexBlockLog2);
  Put64(&out, kOffDataBytes, data_bytes);
  const size_t blocks = (data_bytes + block - 1) / block;
  out.resize(data_bytes + blocks * 8);
  for (size_t i = 0; i < blocks; ++i) {
    const size_t begin = i * block;
    Put64(&out, data_bytes + i * 8,
          XXH3_64bits(out.data() + begin, std::min(block, data_bytes - begin)));
  }
  uint64_t checksum = XXH3_64bits(out.data() + data_bytes, blocks * 8);
  size_t t = out.size();
  out.resize(t + kIndexTrailerSize);
  Put64(&out, t, checksum);
  std::memcpy(out.data() + t + 8, kIndexTrailerMagic, 8);
  return out;
}

Status IndexBuilder::Finish(Env* env, const std::string& path) const {
  CUSTODY_ASSIGN_OR_RETURN(std::string bytes, Serialize());
  return env->WriteFileAtomically(path, bytes, 0644);
}

}  // namespace custody::sketch
