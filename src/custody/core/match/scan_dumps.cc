#include "custody/core/match/scan_dumps.h"

#include <charconv>

#include "custody/core/match/match_json.h"
#include "custody/crypto/crypto.h"
#include "custody/store/catalog.h"

namespace custody::core {
namespace {

constexpr char kCheckpointMagic[] = "custody-scan-checkpoint 1";

struct Checkpoint {
  std::string scan;  // hex SHA-256 of what identifies the scan
  uint64_t records = 0;
  uint64_t out_bytes = 0;
  uint64_t matched = 0;
};

std::string SerializeCheckpoint(const Checkpoint& c) {
  return std::string(kCheckpointMagic) + "\nscan " + c.scan + "\nrecords " +
         std::to_string(c.records) + "\nout_bytes " + std::to_string(c.out_bytes) +
         "\nmatched " + std::to_string(c.matched) + "\nend\n";
}

Result<Checkpoint> ParseCheckpoint(std::string_view bytes, const std::string& name) {
  Checkpoint c;
  const char* kKeys[] = {"scan", "records", "out_bytes", "matched"};
  size_t at = 0, line = 0;
  auto next = [&](std::string_view* out) {
    const size_t nl = bytes.find('\n', at);
    if (nl == std::string_view::npos) return false;
    *out = bytes.substr(at, nl - at);
    at = nl + 1;
    ++line;
    return true;
  };
  auto bad = [&](const std::string& what) {
    return DataLossError(name + ":" + std::to_string(line) + ": corrupt scan checkpoint: " + what);
  };
  std::string_view l;
  if (!next(&l) || l != kCheckpointMagic) return bad(std::string("expected '") + kCheckpointMagic + "'");
  for (size_t i = 0; i < 4; ++i) {
    const std::string key = std::string(kKeys[i]) + " ";
    if (!next(&l) || l.substr(0, key.size()) != key) return bad("expected '" + key + "VALUE'");
    const std::string_view v = l.substr(key.size());
    if (i == 0) {
      if (v.size() != 64 || v.find_first_not_of("0123456789abcdef") != std::string_view::npos) {
        return bad("expected a SHA-256 in hex, found '" + std::string(v) + "'");
      }
      c.scan = std::string(v);
      continue;
    }
    uint64_t* dst = i == 1 ? &c.records : i == 2 ? &c.out_bytes : &c.matched;
    auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), *dst);
    if (v.empty() || ec != std::errc() || p != v.data() + v.size()) {
      return bad("expected a number, found '" + std::string(v) + "'");
    }
  }
  if (!next(&l) || l != "end" || at != bytes.size()) return bad("expected 'end' and nothing after it");
  return c;
}

// What a checkpoint belongs to: the dumps (names and sizes), the output
// path and the vault's indexed versions.
Result<std::string> ScanIdentity(Custody& custody, const ScanDumpsOptions& options) {
  crypto::Sha256Hasher h;
  for (const std::string& d : options.match.dumps) {
    CUSTODY_ASSIGN_OR_RETURN(uint64_t size, custody.env()->GetFileSize(d));
    h.Update("dump " + d + " " + std::to_string(size) + "\n");
  }
  h.Update("out " + options.out + "\n");
  CUSTODY_ASSIGN_OR_RETURN(auto versions, custody.catalog().ListVersions(DatasetId(), false));
  for (const auto& v : versions) {
    h.Update("version " + ToString(v.id) + " " + v.index_file + " " + std::to_string(v.records) +
             "\n");
  }
  return crypto::DigestHex(h.Finish());
}

}  // namespace

Result<ScanDumpsResult> ScanDumps(Custody& custody, const ScanDumpsOptions& options) {
  if (options.out.empty()) return InvalidArgumentError("scan: expected an output file (--out)");
  Env* env = custody.env();
  ScanDumpsResult result;
  Checkpoint ckpt;
  CUSTODY_ASSIGN_OR_RETURN(ckpt.scan, ScanIdentity(custody, options));
  const bool resume = !options.checkpoint.empty() && env->FileExists(options.checkpoint);
  if (resume) {
    CUSTODY_ASSIGN_OR_RETURN(std::string bytes, env->ReadFileToString(options.checkpoint));
    CUSTODY_ASSIGN_OR_RETURN(Checkpoint found, ParseCheckpoint(bytes, options.checkpoint));
    if (found.scan != ckpt.scan) {
      return FailedPreconditionError(
          options.checkpoint + ": a checkpoint of another scan (other dumps or sizes, output or "
                               "indexed versions); remove it to start over");
    }
    const uint64_t have = env->FileExists(options.out) ? *env->GetFileSize(options.out) : 0;
    if (have < found.out_bytes) {
      return FailedPreconditionError(options.out + ": expected at least " +
                                     std::to_string(found.out_bytes) + " bytes (" +
                                     options.checkpoint + "), found " + std::to_string(have));
    }
    CUSTODY_RETURN_IF_ERROR(env->Truncate(options.out, found.out_bytes));
    ckpt = found;
    result.resumed_from = found.records;
  }
  if (options.on_start) CUSTODY_RETURN_IF_ERROR(options.on_start(ckpt.records));
  CUSTODY_ASSIGN_OR_RETURN(auto out, resume ? env->NewAppendableFile(options.out, 0600)
                                            : env->NewWritableFile(options.out, 0600));
  MatchOptions m;
  m.dumps = options.match.dumps;
  m.scan = options.match.scan;
  m.top = 0;
  m.unmatched_sample = 0;
  m.resume_after = ckpt.records;
  m.part = options.match.part;
  m.parts = options.match.parts;
  m.exchange = options.match.exchange;
  uint64_t matched = ckpt.matched;
  m.render = [](const DumpRecordMatch& r, std::string* text) {
    if (!r.match) return;
    thread_local MatchResultWriter writer;
    writer.Append(r, text);
    text->push_back('\n');
  };
  m.on_record = [&](const DumpRecordMatch& r) -> Status {
    matched += r.match.has_value();
    return OkStatus();
  };
  m.on_rendered = [&](std::string_view text) { return out->Append(text); };
  uint64_t last = ckpt.records;
  m.on_batch_end = [&](uint64_t end) -> Status {
    if (options.checkpoint.empty() || end - last < options.checkpoint_records) return OkStatus();
    // The output first: a checkpoint never covers bytes that are not durable.
    CUSTODY_RETURN_IF_ERROR(out->Sync());
    ckpt.records = end;
    ckpt.out_bytes = out->Size();
    ckpt.matched = matched;
    CUSTODY_RETURN_IF_ERROR(env->WriteFileAtomically(options.checkpoint, SerializeCheckpoint(ckpt), 0600));
    last = end;
    ++result.checkpoints;
    if (options.after_checkpoint) return options.after_checkpoint(end);
    return OkStatus();
  };
  CUSTODY_ASSIGN_OR_RETURN(result.summary, MatchDumps(custody, m));
  CUSTODY_RETURN_IF_ERROR(out->Sync());
  CUSTODY_RETURN_IF_ERROR(out->Close());
  result.matched = matched;
  if (!options.checkpoint.empty() && env->FileExists(options.checkpoint)) {
    CUSTODY_RETURN_IF_ERROR(env->RemoveFile(options.checkpoint));
  }
  return result;
}

}  // namespace custody::core
