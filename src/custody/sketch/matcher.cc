#include "custody/sketch/matcher.h"

#include <xxhash.h>

#include <algorithm>
#include <cstring>

#include "custody/sketch/index_builder.h"
#include "custody/sketch/index_format.h"
#include "custody/sketch/internal/key_table.h"
#include "custody/sketch/sketcher.h"

namespace custody::sketch {

std::string_view MatchKindName(MatchKind kind) {
  switch (kind) {
    case MatchKind::kExact: return "exact";
    case MatchKind::kNear: return "near";
    case MatchKind::kFragment: return "fragment";
  }
  return "near";
}

namespace {

uint32_t Get32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint64_t Get64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
size_t Align8(size_t x) { return (x + 7) & ~size_t{7}; }

// One opened index file.
struct IndexFile {
  std::string name;
  std::unique_ptr<MappedFile> mapping;  // or
  std::string owned;                    // in-memory contents
  SketchParams params;
  uint64_t n = 0;
  uint64_t id_base = 0;
  const uint64_t* ids = nullptr;  // null when contiguous
  const uint16_t* counts = nullptr;
  const uint8_t* sigs = nullptr;
  const uint8_t* filled = nullptr;
  std::string_view label;
  internal::KeyTableView exact;
  internal::KeyTableView anchors;

  uint64_t RecordId(uint32_t ord) const { return ids ? ids[ord] : id_base + ord; }
};

Status Corrupt(const std::string& name, const std::string& what) {
  return DataLossError(name + ": corrupt sketch index: " + what);
}

Status ParseTable(const std::string& name, const char* base, size_t size, size_t* pos,
                  uint8_t bits, uint64_t entries, uint64_t n, internal::KeyTableView* out) {
  if (bits < 1 || bits > 24) return Corrupt(name, "bucket bits out of range");
  size_t nb = size_t{1} << bits;
  size_t bytes = (nb + 1) * 4 + entries * 4;
  if (*pos + bytes > size) return Corrupt(name, "table extends past the end of the file");
  const uint32_t* offsets = reinterpret_cast<const uint32_t*>(base + *pos);
  const uint32_t* ents = offsets + nb + 1;
  if (offsets[0] != 0 || offsets[nb] != entries) return Corrupt(name, "table offsets");
  for (size_t i = 0; i < nb; ++i) {
    if (offsets[i] > offsets[i + 1]) return Corrupt(name, "table offsets not sorted");
  }
  for (uint64_t i = 0; i < entries; ++i) {
    if ((ents[i] & 0xFFFFFF) >= n) return Corrupt(name, "table entry ordinal out of range");
  }
  *out = internal::KeyTableView(offsets, ents, bits);
  *pos = Align8(*pos + bytes);
  return OkStatus();
}

Status ParseIndex(IndexFile* f, std::span<const std::byte> data, uint64_t key_check) {
  const std::string& name = f->name;
  const char* base = reinterpret_cast<const char*>(data.data());
  const size_t size = data.size();
  if (size < kIndexHeaderSize + kIndexTrailerSize) {
    return Corrupt(name, "expected at least " +
                             std::to_string(kIndexHeaderSize + kIndexTrailerSize) +
                             " bytes, found " + std::to_string(size));
  }
  if (std::memcmp(base, kIndexMagic, 8) != 0) return Corrupt(name, "bad magic");
  if (std::memcmp(base + size - 8, kIndexTrailerMagic, 8) != 0) {
    return Corrupt(name, "bad trailer (truncated file?)");
  }
  if (Get32(base + kOffVersion) != kIndexFormatVersion) {
    return Corrupt(name, "version: expected " + std::to_string(kIndexFormatVersion) +
                             ", found " + std::to_string(Get32(base + kOffVersion)));
  }
  const size_t body = size - kIndexTrailerSize;
  if (XXH3_64bits(base, body) != Get64(base + body)) return Corrupt(name, "checksum mismatch");
  if (Get64(base + kOffKeyCheck) != key_check) {
    return UnauthenticatedError(name + ": sketch index was built with a different index key");
  }
  SketchParams& p = f->params;
  p.shingle_words = static_cast<uint8_t>(base[kOffShingleWords]);
  p.bins_log2 = static_cast<uint8_t>(base[kOffBinsLog2]);
  p.sig_bits = static_cast<uint8_t>(base[kOffSigBits]);
  p.anchors = static_cast<uint8_t>(base[kOffAnchors]);
  if (p.shingle_words == 0 || p.bins_log2 < 3 || p.bins_log2 > 10 ||
      (p.sig_bits != 1 && p.sig_bits != 2 && p.sig_bits != 4)) {
    return Corrupt(name, "parameters out of range");
  }
  f->n = Get64(base + kOffRecordCount);
  if (f->n > kMaxRecordsPerIndex) return Corrupt(name, "record count too large");
  f->id_base = Get64(base + kOffIdBase);
  const uint64_t flags = Get64(base + kOffFlags);
  const uint64_t exact_entries = Get64(base + kOffExactEntries);
  const uint64_t anchor_entries = Get64(base + kOffAnchorEntries);
  const uint32_t label_bytes = Get32(base + kOffLabelBytes);
  if (exact_entries > body / 4 || anchor_entries > body / 4 || label_bytes > body) {
    return Corrupt(name, "section sizes exceed the file");
  }
  size_t pos = kIndexHeaderSize;
  f->label = std::string_view(base + pos, label_bytes);
  pos = Align8(pos + label_bytes);
  if (flags & kFlagExplicitIds) {
    if (pos + f->n * 8 > body) return Corrupt(name, "id table past the end");
    f->ids = reinterpret_cast<const uint64_t*>(base + pos);
    pos += f->n * 8;
  }
  if (pos + f->n * 2 > body) return Corrupt(name, "counts past the end");
  f->counts = reinterpret_cast<const uint16_t*>(base + pos);
  pos = Align8(pos + f->n * 2);
  if (pos + f->n * p.sig_bytes() > body) return Corrupt(name, "signatures past the end");
  f->sigs = reinterpret_cast<const uint8_t*>(base + pos);
  pos = Align8(pos + f->n * p.sig_bytes());
  if (pos + f->n * p.filled_bytes() > body) return Corrupt(name, "bin bitmaps past the end");
  f->filled = reinterpret_cast<const uint8_t*>(base + pos);
  pos = Align8(pos + f->n * p.filled_bytes());
  CUSTODY_RETURN_IF_ERROR(ParseTable(name, base, body, &pos,
                                     static_cast<uint8_t>(base[kOffExactBucketBits]),
                                     exact_entries, f->n, &f->exact));
  CUSTODY_RETURN_IF_ERROR(ParseTable(name, base, body, &pos,
                                     static_cast<uint8_t>(base[kOffAnchorBucketBits]),
                                     anchor_entries, f->n, &f->anchors));
  if (pos != body) return Corrupt(name, "unexpected bytes before the trailer");
  return OkStatus();
}

// Candidate flags.
constexpr uint32_t kRecordKeyHit = 1u << 31;   // query text == record text
constexpr uint32_t kWholeIsField = 1u << 30;   // query text == one field of the record
constexpr uint32_t kFieldShift = 20;           // query fields equal to record fields
constexpr uint32_t kHitMask = (1u << kFieldShift) - 1;

struct Candidate {
  uint64_t key;  // file << 32 | ordinal
  uint32_t info;
};

}  // namespace

struct Matcher::Impl {
  std::vector<IndexFile> files;
  std::unique_ptr<Sketcher> sketcher;
  VerifyParams verify;
  uint64_t records = 0;

  std::vector<MatchResult> Run(std::span<const std::string_view> fields, size_t max) const;
  static Status FinishOpen(Impl* impl, const crypto::SecretBytes& key, const VerifyParams& verify);
};

Matcher::Matcher(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Matcher::~Matcher() = default;

Result<std::unique_ptr<Matcher>> Matcher::Open(Env* env, const std::vector<std::string>& paths,
                                               const crypto::SecretBytes& index_key,
                                               const VerifyParams& verify) {
  auto impl = std::make_unique<Impl>();
  CUSTODY_ASSIGN_OR_RETURN(auto sketcher, Sketcher::Create(index_key, SketchParams{}, verify));
  for (const std::string& path : paths) {
    IndexFile f;
    f.name = path;
    if (!env->FileExists(path)) return NotFoundError(path + ": no such index file");
    CUSTODY_ASSIGN_OR_RETURN(f.mapping, env->MapFile(path));
    CUSTODY_RETURN_IF_ERROR(ParseIndex(&f, f.mapping->data(), sketcher->key_check()));
    impl->files.push_back(std::move(f));
  }
  CUSTODY_RETURN_IF_ERROR(Impl::FinishOpen(impl.get(), index_key, verify));
  return std::unique_ptr<Matcher>(new Matcher(std::move(impl)));
}

Result<std::unique_ptr<Matcher>> Matcher::FromBuffers(std::vector<std::string> files,
                                                      const crypto::SecretBytes& index_key,
                                                      const VerifyParams& verify) {
  auto impl = std::make_unique<Impl>();
  CUSTODY_ASSIGN_OR_RETURN(auto sketcher, Sketcher::Create(index_key, SketchParams{}, verify));
  impl->files.reserve(files.size());
  for (size_t i = 0; i < files.size(); ++i) {
    impl->files.emplace_back();
    IndexFile& f = impl->files.back();
    f.name = "<buffer " + std::to_string(i) + ">";
    f.owned = std::move(files[i]);
    std::span<const std::byte> data(reinterpret_cast<const std::byte*>(f.owned.data()),
                                    f.owned.size());
    CUSTODY_RETURN_IF_ERROR(ParseIndex(&f, data, sketcher->key_check()));
  }
  CUSTODY_RETURN_IF_ERROR(Impl::FinishOpen(impl.get(), index_key, verify));
  return std::unique_ptr<Matcher>(new Matcher(std::move(impl)));
}

Status Matcher::Impl::FinishOpen(Impl* impl, const crypto::SecretBytes& key,
                                 const VerifyParams& verify) {
  SketchParams params;
  if (!impl->files.empty()) params = impl->files[0].params;
  for (const IndexFile& f : impl->files) {
    if (!(f.params == params)) {
      return InvalidArgumentError(f.name + ": sketch parameters differ from " +
                                  impl->files[0].name);
    }
    impl->records += f.n;
  }
  CUSTODY_ASSIGN_OR_RETURN(impl->sketcher, Sketcher::Create(key, params, verify));
  impl->verify = verify;
  return OkStatus();
}

std::vector<MatchResult> Matcher::Impl::Run(std::span<const std::string_view> fields,
                                            size_t max) const {
  thread_local RecordSketch q;
  thread_local std::vector<Candidate> cands;
  std::vector<MatchResult> results;
  sketcher->Sketch(fields, &q);
  if (q.joined.empty() || files.empty()) return results;
  const SketchParams& p = sketcher->params();
  cands.clear();
  const uint32_t record_key = ExactKey(q.record_key);
  const uint32_t whole_as_field = ExactKey(Sketcher::FieldTag(q.record_key));
  for (uint32_t fi = 0; fi < files.size(); ++fi) {
    const IndexFile& f = files[fi];
    const uint64_t hi = uint64_t{fi} << 32;
    f.exact.Lookup(record_key, [&](uint32_t o) { cands.push_back({hi | o, kRecordKeyHit}); });
    f.exact.Lookup(whole_as_field, [&](uint32_t o) { cands.push_back({hi | o, kWholeIsField}); });
    for (uint64_t fk : q.field_keys) {
      f.exact.Lookup(ExactKey(fk), [&](uint32_t o) { cands.push_back({hi | o, 1u << kFieldShift}); });
    }
    if (q.words >= verify.min_words) {
      for (uint64_t h : q.shingles) {
        f.anchors.Lookup(AnchorKey(h), [&](uint32_t o) { cands.push_back({hi | o, 1}); });
      }
    }
  }
  if (cands.empty()) return results;
  std::sort(cands.begin(), cands.end(),
            [](const Candidate& a, const Candidate& b) { return a.key < b.key; });
  // Merge per record.
  size_t w = 0;
  for (size_t i = 0; i < cands.size();) {
    Candidate c = cands[i++];
    uint32_t hits = c.info & kHitMask, fields_hit = (c.info >> kFieldShift) & 0x3FF;
    uint32_t flags = c.info & (kRecordKeyHit | kWholeIsField);
    while (i < cands.size() && cands[i].key == c.key) {
      hits += cands[i].info & kHitMask;
      fields_hit += (cands[i].info >> kFieldShift) & 0x3FF;
      flags |= cands[i].info & (kRecordKeyHit | kWholeIsField);
      ++i;
    }
    cands[w++] = {c.key, flags | (std::min<uint32_t>(fields_hit, 0x3FF) << kFieldShift) |
                             std::min<uint32_t>(hits, kHitMask)};
  }
  cands.resize(w);
  // Verify the strongest candidates: exact flags first, then by anchor hits.
  constexpr size_t kMaxVerify = 12;
  if (cands.size() > kMaxVerify) {
    std::partial_sort(cands.begin(), cands.begin() + kMaxVerify, cands.end(),
                      [](const Candidate& a, const Candidate& b) {
                        if (a.info != b.info) return a.info > b.info;
                        return a.key < b.key;
                      });
    cands.resize(kMaxVerify);
  }
  const double nq = q.shingle_count;
  for (const Candidate& c : cands) {
    const IndexFile& f = files[c.key >> 32];
    const uint32_t ord = static_cast<uint32_t>(c.key);
    const uint8_t* sig = f.sigs + static_cast<size_t>(ord) * p.sig_bytes();
    const uint32_t matches = SignatureMatches(q.sig.data(), sig, p);
    const uint8_t* filled = f.filled + static_cast<size_t>(ord) * p.filled_bytes();
    const double j = EstimateJaccardFilled(sig, filled, q, p);
    const double kept = (j < verify.min_jaccard && j >= 0.3)
                            ? EstimateKept(sig, filled, q.code_masks, p)
                            : 0.0;
    const double na = f.counts[ord];
    double cont = nq > 0 ? j * (nq + na) / ((1 + j) * nq) : 0;
    if (cont > 1) cont = 1;
    MatchResult r;
    r.record_id = f.RecordId(ord);
    r.index = static_cast<uint32_t>(c.key >> 32);
    r.containment = cont;
    r.similarity = j;
    const uint32_t fields_hit = (c.info >> kFieldShift) & 0x3FF;
    const bool same_size = std::abs(nq - na) <= p.shingle_words * fields.size();
    if ((c.info & kRecordKeyHit) && matches == p.bins() && nq == na) {
      r.kind = MatchKind::kExact;
      r.similarity = 1;
      r.containment = 1;
      if (max == 1) {  // nothing ranks above an exact match
        results.assign(1, r);
        return results;
      }
    } else if (fields_hit >= 2 && fields_hit == q.field_keys.size() && same_size &&
               j >= 0.8) {
      r.kind = MatchKind::kExact;  // the same fields, in another order
      r.similarity = 1;
      r.containment = 1;
    } else if ((c.info & kWholeIsField) && j >= 0.1 && cont >= 0.5) {
      r.kind = MatchKind::kFragment;  // the dump record is one whole field
      r.containment = 1;
    } else if (q.words >= verify.min_words &&
               (j >= verify.min_jaccard || (kept >= verify.min_kept && j >= 0.3))) {
      r.kind = MatchKind::kNear;
    } else if (q.words >= verify.min_words && j >= verify.fragment_min_jaccard &&
               cont >= verify.fragment_containment && nq * 1.25 <= na) {
      r.kind = MatchKind::kFragment;
    } else {
      continue;
    }
    results.push_back(r);
  }
  std::sort(results.begin(), results.end(), [](const MatchResult& a, const MatchResult& b) {
    bool ea = a.kind == MatchKind::kExact, eb = b.kind == MatchKind::kExact;
    if (ea != eb) return ea;
    double sa = std::max(a.similarity, a.kind == MatchKind::kFragment ? a.containment * 0.5 : 0.0);
    double sb = std::max(b.similarity, b.kind == MatchKind::kFragment ? b.containment * 0.5 : 0.0);
    if (sa != sb) return sa > sb;
    if (a.index != b.index) return a.index < b.index;
    return a.record_id < b.record_id;
  });
  if (results.size() > max) results.resize(max);
  return results;
}

std::optional<MatchResult> Matcher::Match(std::span<const std::string_view> fields) const {
  auto r = impl_->Run(fields, 1);
  if (r.empty()) return std::nullopt;
  return r[0];
}

std::vector<MatchResult> Matcher::Candidates(std::span<const std::string_view> fields,
                                             size_t max) const {
  return impl_->Run(fields, max);
}

size_t Matcher::index_count() const { return impl_->files.size(); }
std::string_view Matcher::label(size_t i) const { return impl_->files[i].label; }
uint64_t Matcher::record_count() const { return impl_->records; }
const SketchParams& Matcher::params() const { return impl_->sketcher->params(); }

}  // namespace custody::sketch
