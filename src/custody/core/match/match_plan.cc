#include "custody/core/match/match_plan.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "custody/base/encoding.h"
#include "custody/core/match/version_index.h"
#include "custody/store/segment.h"
#include "custody/store/vault.h"

namespace custody::core {
namespace {

constexpr char kPlanMagic[] = "custody-match-plan 1";

// The plan's sealed plaintext: length-prefixed fields (varints), so key
// bytes are copied once, into SecretBytes, and nothing is parsed as text.
void PutBytes(std::string* out, std::string_view b) {
  PutVarint64(out, b.size());
  out->append(b);
}

class PlanReader {
 public:
  explicit PlanReader(std::string_view in) : in_(in) {}
  bool U64(uint64_t* v) { return ok_ = ok_ && GetVarint64(&in_, v); }
  bool I64(int64_t* v) {
    uint64_t u = 0;
    if (!U64(&u)) return false;
    *v = static_cast<int64_t>(u);
    return true;
  }
  bool Bytes(std::string_view* b) {
    uint64_t n = 0;
    if (!U64(&n) || n > in_.size()) return ok_ = false;
    *b = in_.substr(0, n);
    in_.remove_prefix(n);
    return true;
  }
  bool String(std::string* s) {
    std::string_view b;
    if (!Bytes(&b)) return false;
    s->assign(b);
    return true;
  }
  bool Count(size_t* n) {
    uint64_t u = 0;
    // Every counted item takes at least one byte: a count beyond the bytes
    // left is corrupt, not a reason to reserve memory.
    if (!U64(&u) || u > in_.size()) return ok_ = false;
    *n = static_cast<size_t>(u);
    return true;
  }
  bool done() const { return ok_ && in_.empty(); }

 private:
  std::string_view in_;
  bool ok_ = true;
};

std::string Serialize(const MatchPlan& plan) {
  std::string out;
  PutBytes(&out, kPlanMagic);
  PutBytes(&out, plan.root);
  PutBytes(&out, plan.index_key.view());
  PutVarint64(&out, plan.files.size());
  for (const auto& f : plan.files) {
    PutBytes(&out, f.path);
    PutBytes(&out, f.dataset);
    PutVarint64(&out, static_cast<uint64_t>(f.version));
    PutVarint64(&out, static_cast<uint64_t>(f.version_id.value()));
    PutVarint64(&out, f.shredded ? 1 : 0);
  }
  PutVarint64(&out, plan.versions.size());
  for (const auto& v : plan.versions) {
    PutVarint64(&out, static_cast<uint64_t>(v.info.id.value()));
    PutBytes(&out, v.info.dataset);
    PutVarint64(&out, static_cast<uint64_t>(v.info.version));
    PutVarint64(&out, static_cast<uint64_t>(v.info.records));
    PutVarint64(&out, v.info.first_record_id);
    PutBytes(&out, v.info.dir);
    PutVarint64(&out, v.segments.size());
    for (const auto& s : v.segments) {
      PutVarint64(&out, static_cast<uint64_t>(s.seq));
      PutVarint64(&out, s.first_record_id);
      PutVarint64(&out, s.count);
      PutBytes(&out, s.file);
    }
    PutBytes(&out, v.key.view());
    PutBytes(&out, v.context);
    PutVarint64(&out, v.fields.size());
    for (const auto& f : v.fields) PutBytes(&out, f);
    PutVarint64(&out, v.shredded ? 1 : 0);
  }
  return out;
}

Result<MatchPlan> Parse(std::string_view bytes) {
  PlanReader r(bytes);
  MatchPlan plan;
  std::string_view magic, key;
  size_t n = 0;
  const auto corrupt = [] { return DataLossError("match plan: malformed (expected " + std::string(kPlanMagic) + ")"); };
  if (!r.Bytes(&magic) || magic != kPlanMagic) return corrupt();
  if (!r.String(&plan.root) || !r.Bytes(&key) || !r.Count(&n)) return corrupt();
  plan.index_key = crypto::SecretBytes::FromBytes(key);
  plan.files.resize(n);
  for (auto& f : plan.files) {
    uint64_t version = 0, shredded = 0;
    int64_t id = 0;
    if (!r.String(&f.path) || !r.String(&f.dataset) || !r.U64(&version) || !r.I64(&id) ||
        !r.U64(&shredded)) {
      return corrupt();
    }
    f.version = static_cast<int>(version);
    f.version_id = VersionId(id);
    f.shredded = shredded != 0;
  }
  if (!r.Count(&n)) return corrupt();
  plan.versions.resize(n);
  for (auto& v : plan.versions) {
    int64_t id = 0, records = 0;
    uint64_t version = 0, shredded = 0;
    size_t segments = 0, fields = 0;
    if (!r.I64(&id) || !r.String(&v.info.dataset) || !r.U64(&version) || !r.I64(&records) ||
        !r.U64(&v.info.first_record_id) || !r.String(&v.info.dir) || !r.Count(&segments)) {
      return corrupt();
    }
    v.info.id = VersionId(id);
    v.info.version = static_cast<int>(version);
    v.info.records = records;
    v.segments.resize(segments);
    for (auto& s : v.segments) {
      uint64_t seq = 0, count = 0;
      if (!r.U64(&seq) || !r.U64(&s.first_record_id) || !r.U64(&count) || !r.String(&s.file)) {
        return corrupt();
      }
      s.version_id = v.info.id;
      s.seq = static_cast<int>(seq);
      s.count = static_cast<uint32_t>(count);
    }
    if (!r.Bytes(&key) || !r.String(&v.context) || !r.Count(&fields)) return corrupt();
    v.key = crypto::SecretBytes::FromBytes(key);
    v.fields.resize(fields);
    for (auto& f : v.fields) {
      if (!r.String(&f)) return corrupt();
    }
    if (!r.U64(&shredded)) return corrupt();
    v.shredded = shredded != 0;
  }
  if (!r.done()) return corrupt();
  return plan;
}

// The indexed field names of a version (its catalog text_fields).
Result<std::vector<std::string>> FieldsOf(const store::DatasetVersionInfo& info) {
  std::vector<std::string> fields;
  if (info.text_fields.empty()) return fields;
  auto j = nlohmann::json::parse(info.text_fields, nullptr, false);
  if (!j.is_array()) {
    return DataLossError("catalog: version " + ToString(info.id) +
                         ": text_fields: expected a JSON array, found " + info.text_fields);
  }
  for (const auto& f : j) {
    if (f.is_string()) fields.push_back(f.get<std::string>());
  }
  return fields;
}

}  // namespace

Result<WordSource> WordSourceOf(Custody& custody, const store::DatasetInfo& ds,
                                store::DatasetVersionInfo info) {
  WordSource v;
  v.shredded = ds.shredded_at.has_value() || info.shredded_at.has_value();
  if (!v.shredded) {
    CUSTODY_ASSIGN_OR_RETURN(v.segments, custody.catalog().SegmentsOf(info.id));
    std::sort(v.segments.begin(), v.segments.end(),
              [](const auto& a, const auto& b) { return a.first_record_id < b.first_record_id; });
    CUSTODY_ASSIGN_OR_RETURN(
        v.key, custody.vault().GetWrappedKey(store::KeyPurpose::Dataset(info.dataset_id)));
  }
  v.context = store::VersionContext(info.dataset_id, info.version);
  CUSTODY_ASSIGN_OR_RETURN(v.fields, FieldsOf(info));
  v.info = std::move(info);
  return v;
}

Result<MatchPlan> PlanMatch(Custody& custody) {
  MatchPlan plan;
  plan.root = custody.VaultPath("");
  CUSTODY_ASSIGN_OR_RETURN(plan.index_key, custody.vault().GetWrappedKey(store::KeyPurpose::Index()));
  CUSTODY_ASSIGN_OR_RETURN(auto datasets, custody.catalog().ListDatasets());
  size_t indexed = 0;
  for (const auto& ds : datasets) {
    CUSTODY_ASSIGN_OR_RETURN(auto versions, custody.catalog().ListVersions(ds.id, false));
    for (auto& info : versions) {
      // The index files, one entry per file (a match names its file): the
      // shards of a version in id order. A dataset shredded before its
      // index was kept has none left.
      if (!info.index_file.empty() &&
          !(ds.shredded_at && !custody.env()->FileExists(custody.VaultPath(info.index_file)))) {
        CUSTODY_ASSIGN_OR_RETURN(VersionIndex index, ReadVersionIndex(custody, info));
        ++indexed;
        for (const std::string& file : index.files) {
          plan.files.push_back(
              {custody.VaultPath(file), ds.name, info.version, info.id, ds.shredded_at.has_value()});
        }
      }
      CUSTODY_ASSIGN_OR_RETURN(WordSource v, WordSourceOf(custody, ds, std::move(info)));
      plan.versions.push_back(std::move(v));
    }
  }
  if (indexed == 0) {
    return FailedPreconditionError("the vault has no indexed dataset; run `custody ingest` first");
  }
  std::sort(plan.versions.begin(), plan.versions.end(), [](const auto& a, const auto& b) {
    return a.info.first_record_id < b.info.first_record_id;
  });
  return plan;
}

MatchPlan ClonePlan(const MatchPlan& plan) {
  MatchPlan out;
  out.root = plan.root;
  out.index_key = plan.index_key.Clone();
  out.files = plan.files;
  for (const auto& v : plan.versions) {
    WordSource c;
    c.info = v.info;
    c.segments = v.segments;
    c.key = v.key.Clone();
    c.context = v.context;
    c.fields = v.fields;
    c.shredded = v.shredded;
    out.versions.push_back(std::move(c));
  }
  return out;
}

Result<std::string> SealMatchPlan(const MatchPlan& plan, std::string_view public_key) {
  CUSTODY_RETURN_IF_ERROR(crypto::CheckX25519PublicKey(public_key));
  std::string plain = Serialize(plan);
  auto sealed = crypto::SealToPublicKey(public_key, plain);
  crypto::WipeString(&plain);
  return sealed;
}

Result<MatchPlan> OpenMatchPlan(const crypto::X25519KeyPair& keys, std::string_view sealed) {
  auto plain = crypto::OpenSealed(keys, sealed);
  if (!plain.ok()) return plain.status().WithPrefix("match plan");
  auto plan = Parse(*plain);
  crypto::WipeString(&*plain);
  return plan;
}

}  // namespace custody::core
