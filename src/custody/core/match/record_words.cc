#include "custody/core/match/record_words.h"

#include <nlohmann/json.hpp>

#include <algorithm>

#include "custody/base/env.h"
#include "custody/core/vault/record_fields.h"
#include "custody/format/record.h"
#include "custody/sketch/record_words.h"

namespace custody::core {

// ---- VaultWordStore ----------------------------------------------------------

Result<std::unique_ptr<VaultWordStore>> VaultWordStore::Open(Env* env, const MatchPlan& plan,
                                                            size_t max_open_files) {
  auto s = std::unique_ptr<VaultWordStore>(new VaultWordStore());
  s->env_ = env;
  s->root_ = plan.root;
  s->max_open_files_ = std::max<size_t>(1, max_open_files);
  CUSTODY_ASSIGN_OR_RETURN(s->sketcher_, sketch::Sketcher::Create(plan.index_key, sketch::SketchParams{}));
  for (const auto& v : plan.versions) {
    auto c = std::make_unique<Version>();
    c->info = v.info;
    c->segments = v.segments;
    c->key = v.key.Clone();
    c->context = v.context;
    c->fields = v.fields;
    c->shredded = v.shredded;
    s->versions_.push_back(std::move(c));
  }
  // PlanMatch orders them; a plan from elsewhere is not trusted to.
  std::sort(s->versions_.begin(), s->versions_.end(), [](const auto& a, const auto& b) {
    return a->info.first_record_id < b->info.first_record_id;
  });
  return s;
}

Result<std::unique_ptr<VaultWordStore>> VaultWordStore::Open(Custody& custody,
                                                            size_t max_open_files) {
  CUSTODY_ASSIGN_OR_RETURN(MatchPlan plan, PlanMatch(custody));
  return Open(custody.env(), plan, max_open_files);
}

const VaultWordStore::Version* VaultWordStore::VersionFor(uint64_t id) const {
  auto it = std::upper_bound(versions_.begin(), versions_.end(), id,
                             [](uint64_t x, const auto& v) { return x < v->info.first_record_id; });
  if (it == versions_.begin()) return nullptr;
  const Version* v = (it - 1)->get();
  if (id - v->info.first_record_id >= static_cast<uint64_t>(v->info.records)) return nullptr;
  return v;
}

const store::SegmentInfo* VaultWordStore::SegmentFor(const Version& v, uint64_t id) const {
  auto it = std::upper_bound(v.segments.begin(), v.segments.end(), id,
                             [](uint64_t x, const store::SegmentInfo& s) {
                               return x < s.first_record_id;
                             });
  if (it == v.segments.begin()) return nullptr;
  const store::SegmentInfo& seg = *(it - 1);
  if (id - seg.first_record_id >= seg.count) return nullptr;
  return &seg;
}

std::string VaultWordStore::Path(const std::string& rel) const { return JoinPath(root_, rel); }

Result<std::shared_ptr<const store::WordFileReader>> VaultWordStore::WordFile(
    const Version& v, const store::SegmentInfo& seg) {
  const std::string path = Path(JoinPath(v.info.dir, store::WordFileName(seg.seq)));
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (missing_.count(path)) return NotFoundError(path + ": no word file (segment written before word files)");
    auto it = files_.find(path);
    if (it != files_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second.lru);
      return it->second.reader;
    }
  }
  if (!env_->FileExists(path)) {
    // Remembered, so an older vault's segments cost one stat each, not one
    // per record read.
    std::lock_guard<std::mutex> lock(mu_);
    missing_.insert(path);
    return NotFoundError(path + ": no word file (segment written before word files)");
  }
  CUSTODY_ASSIGN_OR_RETURN(auto reader,
                           store::WordFileReader::Open(env_, path, v.key, v.context, seg.seq));
  if (reader->first_record_id() != seg.first_record_id || reader->count() != seg.count) {
    return DataLossError(path + ": word file does not match the catalog (expected records " +
                         ToString(seg.first_record_id) + "+" + std::to_string(seg.count) + ")");
  }
  file_opens_.fetch_add(1);
  std::shared_ptr<const store::WordFileReader> shared(std::move(reader));
  std::lock_guard<std::mutex> lock(mu_);
  auto it = files_.find(path);
  if (it != files_.end()) return it->second.reader;  // another thread opened it meanwhile
  lru_.push_front(path);
  files_[path] = {shared, lru_.begin()};
  while (files_.size() > max_open_files_) {
    files_.erase(lru_.back());
    lru_.pop_back();
  }
  return shared;
}

// ---- VaultRecordWords --------------------------------------------------------

VaultRecordWords::VaultRecordWords(VaultWordStore& store, size_t max_segments,
                                   size_t max_cache_bytes)
    : store_(store), max_segments_(std::max<size_t>(1, max_segments)),
      max_cache_bytes_(max_cache_bytes) {}

VaultRecordWords::~VaultRecordWords() = default;

void VaultRecordWords::Note(const Status& s) {
  // A shredded dataset has no words by design (its matches are reported as
  // unverified); only real failures are worth a warning.
  if (s.code() == StatusCode::kFailedPrecondition) return;
  if (!s.ok() && first_error_.ok()) first_error_ = s;
}

Status VaultRecordWords::ReadFromWordFile(const VaultWordStore::Version& v,
                                          const store::SegmentInfo& seg, uint64_t id,
                                          std::string* entry) {
  // Ids come sorted, so reads stay in one segment for a while: its reader
  // is asked of the store (a path, a lock and a map lookup) once per run.
  if (file_segment_ != &seg) {
    file_segment_ = nullptr;
    CUSTODY_ASSIGN_OR_RETURN(file_, store_.WordFile(v, seg));
    file_segment_ = &seg;
  }
  const store::WordFileReader* file = file_.get();
  const uint32_t index = static_cast<uint32_t>(id - seg.first_record_id);
  const bool in_block = block_file_ == file && index >= block_.first() &&
                        index - block_.first() < block_.size();
  if (!in_block) {
    const size_t b = file->BlockOf(index);
    block_file_ = nullptr;
    CUSTODY_RETURN_IF_ERROR(file->ReadBlock(b, &block_));
    ++block_reads_;
    block_owner_ = file_;
    block_file_ = file;
  }
  entry->append(block_.Entry(index));
  return OkStatus();
}

Status VaultRecordWords::ReadFromSegment(const VaultWordStore::Version& v,
                                         const store::SegmentInfo& seg, uint64_t id,
                                         std::string* entry) {
  auto c = segments_.begin();
  for (; c != segments_.end(); ++c) {
    if (c->version == &v && c->seq == seg.seq) break;
  }
  if (c != segments_.end()) {
    segments_.splice(segments_.begin(), segments_, c);
  } else {
    CUSTODY_ASSIGN_OR_RETURN(auto contents,
                             store::ReadSegment(store_.env(), store_.Path(seg.file), v.key,
                                                v.context, seg.seq));
    ++segment_reads_;
    if (contents.first_record_id != seg.first_record_id || contents.records.size() != seg.count) {
      return DataLossError(seg.file + ": segment does not match the catalog (expected records " +
                           ToString(seg.first_record_id) + "+" +
                           std::to_string(seg.count) + ")");
    }
    if (segments_.size() >= max_segments_) segments_.pop_back();
    segments_.push_front({&v, seg.seq, std::move(contents)});
  }
  const store::SegmentContents& contents = segments_.front().contents;
  format::ExtractTextFields(contents.records[id - contents.first_record_id], &extracted_);
  views_.clear();
  for (const auto& f : extracted_) {
    if (TextFieldSelected(v.fields, f.name)) views_.push_back(f.value);
  }
  store_.sketcher().SketchWords(views_, &sketch_);
  sketch::WordsFromSketch(sketch_, &words_);
  sketch::AppendRecordWords(words_, entry);
  return OkStatus();
}

Status VaultRecordWords::ReadEntry(uint64_t id, std::string* entry) {
  const VaultWordStore::Version* v = store_.VersionFor(id);
  if (v == nullptr) return NotFoundError("record " + ToString(id) + ": no committed version holds it");
  if (v->shredded) {
    return FailedPreconditionError("record " + ToString(id) + ": dataset '" +
                                   v->info.dataset + "' was shredded");
  }
  const store::SegmentInfo* seg = store_.SegmentFor(*v, id);
  if (seg == nullptr) return NotFoundError("record " + ToString(id) + ": no segment");
  Status s = ReadFromWordFile(*v, *seg, id, entry);
  if (s.code() == StatusCode::kNotFound) return ReadFromSegment(*v, *seg, id, entry);
  return s;
}

// Slots per cache generation: at most half are filled.
constexpr int kCacheSlotBits = 16;
constexpr size_t kCacheSlots = size_t{1} << kCacheSlotBits;
size_t CacheSlot(uint64_t key) {
  return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> (64 - kCacheSlotBits));
}

std::optional<std::string_view> VaultRecordWords::CacheGeneration::Find(uint64_t id) const {
  if (entries == 0) return std::nullopt;
  const uint64_t key = id + 1;
  for (size_t i = CacheSlot(key);; i = (i + 1) & (kCacheSlots - 1)) {
    if (keys[i] == key) {
      return std::string_view(arena).substr(spans[i] >> 32, spans[i] & 0xFFFFFFFF);
    }
    if (keys[i] == 0) return std::nullopt;
  }
}

bool VaultRecordWords::CacheGeneration::Add(uint64_t id, std::string_view entry, size_t max_bytes) {
  if (entries >= kCacheSlots / 2 || arena.size() + entry.size() > max_bytes) return false;
  if (keys.empty()) {
    keys.assign(kCacheSlots, 0);
    spans.resize(kCacheSlots);
  }
  const uint64_t key = id + 1;
  size_t i = CacheSlot(key);
  while (keys[i] != 0 && keys[i] != key) i = (i + 1) & (kCacheSlots - 1);
  if (keys[i] == 0) ++entries;
  keys[i] = key;
  spans[i] = uint64_t{arena.size()} << 32 | entry.size();
  arena.append(entry);
  return true;
}

void VaultRecordWords::CacheGeneration::Clear() {
  if (entries > 0) std::fill(keys.begin(), keys.end(), 0);
  arena.clear();
  entries = 0;
}

std::optional<std::string_view> VaultRecordWords::Cached(uint64_t id) {
  if (auto e = recent_.Find(id)) return e;
  auto e = older_.Find(id);
  if (!e) return std::nullopt;
  // Still wanted: back into the recent generation (copied, as the older
  // one may be dropped on the way).
  entry_.assign(*e);
  Remember(id, entry_);
  return recent_.Find(id);
}

void VaultRecordWords::Remember(uint64_t id, std::string_view entry) {
  if (recent_.Add(id, entry, max_cache_bytes_ / 2)) return;
  std::swap(older_, recent_);  // the older generation is dropped
  recent_.Clear();
  recent_.Add(id, entry, max_cache_bytes_ / 2);  // may still not fit: then not cached
}

void VaultRecordWords::Prefetch(std::span<const uint64_t> ids) {
  batch_ids_.clear();
  batch_ends_.clear();
  batch_arena_.clear();
  // `ids` ascending (the matcher sorts them): records of one block or
  // segment are adjacent, so each is opened once. Entries read for an
  // earlier batch come from the cache.
  for (uint64_t id : ids) {
    if (const auto cached = max_cache_bytes_ > 0 ? Cached(id) : std::nullopt) {
      batch_arena_ += *cached;
    } else {
      entry_.clear();
      Status s = ReadEntry(id, &entry_);
      if (!s.ok()) {
        Note(s);
        continue;  // Words will report it again
      }
      batch_arena_ += entry_;
      if (max_cache_bytes_ > 0) Remember(id, entry_);
    }
    batch_ids_.push_back(id);
    batch_ends_.push_back(static_cast<uint32_t>(batch_arena_.size()));
    ++prefetched_;
  }
}

Status VaultRecordWords::Words(uint64_t id, sketch::RecordWords* out) {
  ++lookups_;
  std::string_view entry;
  auto it = std::lower_bound(batch_ids_.begin(), batch_ids_.end(), id);
  if (it != batch_ids_.end() && *it == id) {
    const size_t i = static_cast<size_t>(it - batch_ids_.begin());
    const uint32_t begin = i == 0 ? 0 : batch_ends_[i - 1];
    entry = std::string_view(batch_arena_).substr(begin, batch_ends_[i] - begin);
  } else {
    entry_.clear();
    Status s = ReadEntry(id, &entry_);
    if (!s.ok()) {
      Note(s);
      return s;
    }
    entry = entry_;
  }
  if (!sketch::ParseRecordWords(entry, out)) {
    Status s = DataLossError("record " + ToString(id) + ": malformed words entry");
    Note(s);
    return s;
  }
  return OkStatus();
}

}  // namespace custody::core
