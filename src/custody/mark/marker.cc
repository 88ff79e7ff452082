// Marker: writing and reading variant marks (see mark.h).
#include "custody/mark/mark.h"

#include <unordered_map>

#include "custody/base/encoding.h"
#include "custody/crypto/crypto.h"
#include "custody/mark/internal/scanner.h"

namespace custody::mark {
namespace {

// tag || little-endian a || b (|| c when `three`), in a caller buffer.
class PrfInput {
 public:
  PrfInput(std::string_view tag, uint64_t a, uint64_t b, uint64_t c = 0, bool three = false) {
    CUSTODY_CHECK(tag.size() <= 8);
    for (char ch : tag) buf_[n_++] = ch;
    Put(a);
    Put(b);
    if (three) Put(c);
  }
  operator std::string_view() const { return {buf_, n_}; }  // NOLINT: implicit by design

 private:
  void Put(uint64_t v) {
    for (int i = 0; i < 8; ++i) buf_[n_++] = static_cast<char>(v >> (8 * i));
  }
  char buf_[32];
  size_t n_ = 0;
};

}  // namespace

std::string_view SlotKindName(SlotKind kind) {
  switch (kind) {
    case SlotKind::kContraction: return "contraction";
    case SlotKind::kIntroComma: return "intro_comma";
    case SlotKind::kOxfordComma: return "oxford_comma";
    case SlotKind::kSpelling: return "spelling";
    case SlotKind::kSynonym: return "synonym";
    case SlotKind::kTitlePeriod: return "title_period";
    case SlotKind::kRate: return "rate";
    case SlotKind::kTimesSign: return "times_sign";
    case SlotKind::kPercent: return "percent";
    case SlotKind::kInTotal: return "in_total";
  }
  return "unknown";
}

Result<Marker> Marker::Create(crypto::SecretBytes mark_key, MarkOptions options) {
  if (mark_key.size() < 16 || mark_key.size() > 64) {
    return InvalidArgumentError("mark key: expected 16..64 bytes, found " +
                                std::to_string(mark_key.size()));
  }
  if (!(options.bias_cutoff > 0 && options.bias_cutoff < 0.5)) {
    return InvalidArgumentError("MarkOptions.bias_cutoff: expected a value in (0, 0.5), found " +
                                std::to_string(options.bias_cutoff));
  }
  return Marker(crypto::DeriveKey(mark_key, "mark/bias-sip", crypto::kShortPrfKeySize),
                crypto::DeriveKey(mark_key, "mark/sym-sip", crypto::kShortPrfKeySize),
                crypto::DeriveKey(mark_key, "mark/fragile"), options);
}

Marker::Marker(crypto::SecretBytes bias_key, crypto::SecretBytes sym_key,
               crypto::SecretBytes fragile_key, MarkOptions options)
    : bias_key_(std::move(bias_key)),
      sym_key_(std::move(sym_key)),
      fragile_key_(std::move(fragile_key)),
      options_(options) {}

void Marker::SlotParams(uint64_t record_id, uint64_t slot_id, double* bias, int* flip) const {
  const crypto::ShortPrfOut out = crypto::ShortPrf(bias_key_, PrfInput("bias", record_id, slot_id));
  *bias = ArcsineBias(out.lo, options_.bias_cutoff);
  *flip = static_cast<int>(out.hi & 1);
}

double Marker::Bias(RecordId record_id, uint64_t slot_id) const {
  double p;
  int flip;
  SlotParams(record_id.value(), slot_id, &p, &flip);
  return p;
}

bool Marker::MemberSymbol(RecordId record, MemberId member, uint64_t slot_id) const {
  const double p = Bias(record, slot_id);
  const uint64_t member_id = static_cast<uint64_t>(member.value());
  const uint64_t record_id = record.value();
  uint64_t u = crypto::ShortPrf(sym_key_, PrfInput("sym", member_id, record_id, slot_id, true)).lo;
  return UnitInterval(u) < p;
}

int Marker::ObservedSymbol(RecordId record_id, uint64_t slot_id, int rendering) const {
  if (rendering < 0) return -1;
  double p;
  int flip;
  SlotParams(record_id.value(), slot_id, &p, &flip);
  return rendering ^ flip;
}

std::string Marker::FragileBits(uint64_t record_id, uint64_t member_id) const {
  return crypto::Prf(fragile_key_, PrfInput("fragile", member_id, record_id), 32);
}

MarkedRecord Marker::Mark(RecordId record_id, MemberId member_id,
                          std::span<const TextField> fields) const {
  MarkedRecord rec;
  Mark(record_id, member_id, fields, &rec);
  return rec;
}

void Marker::Mark(RecordId record, MemberId member, std::span<const TextField> fields,
                  MarkedRecord* marked) const {
  const uint64_t record_id = record.value();
  const uint64_t member_id = static_cast<uint64_t>(member.value());
  MarkedRecord& rec = *marked;
  rec.values.resize(fields.size());
  rec.slots = 0;
  rec.fragile_marks = 0;
  thread_local std::vector<internal::Site> sites;
  std::string fragile = options_.fragile ? FragileBits(record_id, member_id) : std::string();
  uint32_t apostrophe_index = 0;
  for (size_t fi = 0; fi < fields.size(); ++fi) {
    const TextField& f = fields[fi];
    sites.clear();
    internal::ScanField(f.value, &sites);
    std::string& out = rec.values[fi];
    out.clear();
    out.reserve(f.value.size() + 16);
    size_t pos = 0;
    for (const internal::Site& st : sites) {
      out.append(f.value.substr(pos, st.begin - pos));
      double p;
      int flip;
      SlotParams(record_id, st.slot_id, &p, &flip);
      uint64_t u =
          crypto::ShortPrf(sym_key_, PrfInput("sym", member_id, record_id, st.slot_id, true)).lo;
      int x = UnitInterval(u) < p ? 1 : 0;
      internal::RenderSite(st, x ^ flip, f.value, &out);
      pos = st.end;
    }
    out.append(f.value.substr(pos));
    rec.slots += static_cast<uint32_t>(sites.size());
    if (options_.fragile) {
      std::string styled;
      styled.reserve(out.size() + 16);
      size_t last = 0;
      internal::ForEachWordApostrophe(out, [&](size_t at, size_t len) {
        styled.append(out, last, at - last);
        uint32_t bit_index = apostrophe_index++ % (fragile.size() * 8);
        bool curly = (static_cast<unsigned char>(fragile[bit_index / 8]) >> (bit_index % 8)) & 1;
        styled.append(curly ? "\xE2\x80\x99" : "'");
        last = at + len;
        ++rec.fragile_marks;
      });
      styled.append(out, last, std::string::npos);
      out.swap(styled);
    }
  }
}

std::vector<SlotObservation> Marker::ReadSlots(RecordId record,
                                               std::span<const std::string_view> fields) const {
  const uint64_t record_id = record.value();
  // Per-thread scratch: trace reads every matched dump record, and a fresh
  // vector and hash map per record were a visible share of its time.
  thread_local std::vector<internal::Site> sites;
  thread_local std::vector<uint64_t> keys;   // open addressing: slot ids
  thread_local std::vector<uint32_t> where;  // their index in obs; kEmpty: free
  sites.clear();
  for (std::string_view f : fields) internal::ScanField(f, &sites);
  std::vector<SlotObservation> obs;
  obs.reserve(sites.size());
  size_t cap = 16;
  while (cap < 2 * sites.size()) cap <<= 1;
  constexpr uint32_t kEmpty = UINT32_MAX;
  keys.resize(cap);
  where.assign(cap, kEmpty);
  for (const internal::Site& st : sites) {
    const uint64_t key = st.slot_id;
    size_t i = static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> 32) & (cap - 1);
    while (where[i] != kEmpty && keys[i] != key) i = (i + 1) & (cap - 1);
    if (where[i] != kEmpty) {  // seen before: two renderings erase the slot
      SlotObservation& prev = obs[where[i]];
      if (prev.rendering != static_cast<int8_t>(st.rendering)) {
        prev.rendering = -1;
        prev.symbol = -1;
      }
      continue;
    }
    keys[i] = key;
    where[i] = static_cast<uint32_t>(obs.size());
    SlotObservation o;
    o.slot_id = st.slot_id;
    o.kind = st.kind;
    o.rendering = static_cast<int8_t>(st.rendering);
    int flip;
    SlotParams(record_id, st.slot_id, &o.bias, &flip);
    o.symbol = static_cast<int8_t>(st.rendering ^ flip);
    obs.push_back(o);
  }
  return obs;
}

FragileAgreement Marker::ReadFragile(RecordId record, MemberId member,
                                     std::span<const std::string_view> fields) const {
  FragileAgreement a;
  std::string bits = FragileBits(record.value(), static_cast<uint64_t>(member.value()));
  uint32_t index = 0;
  for (std::string_view f : fields) {
    internal::ForEachWordApostrophe(f, [&](size_t, size_t len) {
      uint32_t bit_index = index++ % (bits.size() * 8);
      bool curly = (static_cast<unsigned char>(bits[bit_index / 8]) >> (bit_index % 8)) & 1;
      a.agree += curly == (len == 3);
      ++a.total;
    });
  }
  return a;
}

}  // namespace custody::mark
