#include "custody/core/match/dump_scan.h"

#include "custody/format/reader.h"

namespace custody::core {

Result<std::unique_ptr<VaultMatcher>> VaultMatcher::Open(Custody& custody) {
  auto vm = std::unique_ptr<VaultMatcher>(new VaultMatcher());
  CUSTODY_ASSIGN_OR_RETURN(auto datasets, custody.catalog().ListDatasets());
  std::vector<std::string> paths;
  for (const auto& ds : datasets) {
    if (ds.shredded_at) continue;
    CUSTODY_ASSIGN_OR_RETURN(auto versions, custody.catalog().ListVersions(ds.id, false));
    for (const auto& v : versions) {
      if (v.index_file.empty() || v.shredded_at) continue;
      vm->versions_.push_back({custody.VaultPath(v.index_file), ds.name, v.version, v.id});
      paths.push_back(vm->versions_.back().path);
    }
  }
  if (paths.empty()) {
    return FailedPreconditionError("the vault has no indexed dataset; run `custody ingest` first");
  }
  CUSTODY_ASSIGN_OR_RETURN(auto index_key, custody.vault().GetWrappedKey("index"));
  CUSTODY_ASSIGN_OR_RETURN(vm->matcher_, sketch::Matcher::Open(custody.env(), paths, index_key));
  vm->texts_ = std::make_unique<VaultRecordTexts>(custody);
  vm->matcher_->set_texts(vm->texts_.get());
  return vm;
}

Status ScanDumps(Env* env, const std::vector<std::string>& dumps,
                 const std::function<Status(const format::Record&,
                                            std::span<const std::string_view>)>& fn,
                 DumpScanStats* stats,
                 const std::function<void(const std::string&, uint64_t, uint64_t)>& progress) {
  format::Record rec;
  std::vector<std::string_view> fields;
  for (const std::string& dump : dumps) {
    format::ReadOptions ro;
    ro.skip_bad = true;
    ro.max_reported_bad = 20;
    CUSTODY_ASSIGN_OR_RETURN(auto reader, format::RecordReader::Open(env, dump, ro));
    uint64_t in_file = 0;
    while (true) {
      Result<bool> more = reader->Next(&rec);
      if (!more.ok()) {
        // A corrupt stream or an input without records ends this dump.
        stats->problems.push_back({dump, 0, more.status().message()});
        break;
      }
      if (!*more) break;
      ++stats->dump_records;
      ++in_file;
      fields.clear();
      for (const auto& f : rec.text_fields) fields.push_back(f.value);
      CUSTODY_RETURN_IF_ERROR(fn(rec, fields));
      if (progress && (in_file & 1023) == 0) progress(dump, reader->bytes_read(), in_file);
    }
    stats->skipped += reader->skipped();
    for (const auto& b : reader->bad_records()) stats->problems.push_back({b.source, b.line, b.what});
    if (in_file == 0) stats->empty_dumps.push_back(dump);
  }
  return OkStatus();
}

}  // namespace custody::core
