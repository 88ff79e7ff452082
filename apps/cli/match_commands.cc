// `custody match DUMP...`: which vault records does a leaked dump contain?
// A thin shell over core::MatchDumps (the scan, matching, verification and
// totals live in the library): flags in, the summary out, per record results
// streamed (--json, --list). Output schema: docs/matching.md ("custody match").
#include <sys/mman.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <memory>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "apps/cli/cli.h"
#include "custody/base/count_format.h"
#include "apps/cli/progress.h"
#include "apps/cli/vault_open.h"
#include "custody/core/match/match_dumps.h"
#include "custody/core/match/match_json.h"
#include "custody/format/canonical_json.h"
#include "custody/format/formats.h"
#include "custody/sketch/matcher.h"

namespace custody::cli {
namespace {

struct MatchFlags {
  std::vector<std::string> dumps;
  size_t show_unmatched = 20;
  size_t top = 20;
  bool list = false;
  size_t threads = 0;
  size_t max_json_depth = format::kMaxJsonDepth;
  std::string format = "auto";
};

// Text appended in 2 MiB chunks, each on a transparent huge page where the
// kernel offers one: megabytes of results cost a few page faults and no
// copies as they grow (a growing std::string copies itself at every
// doubling and faults on every 4 KiB of each new buffer).
class ChunkedText {
 public:
  void Append(std::string_view s) {
    while (!s.empty()) {
      if (chunks_.empty() || used_ == kChunk) {
        chunks_.push_back(NewChunk());
        used_ = 0;
      }
      const size_t n = std::min(s.size(), kChunk - used_);
      std::memcpy(chunks_.back().get() + used_, s.data(), n);
      used_ += n;
      size_ += n;
      s.remove_prefix(n);
    }
  }
  size_t size() const { return size_; }
  // Calls fn(piece) for the first `n` bytes (at most size()), in order.
  template <typename Fn>
  void ForEachPiece(size_t n, Fn&& fn) const {
    for (size_t i = 0; i < chunks_.size() && n > 0; ++i) {
      const size_t len = std::min(n, kChunk);
      fn(std::string_view(chunks_[i].get(), len));
      n -= len;
    }
  }
  void Clear() {
    chunks_.clear();
    used_ = size_ = 0;
  }

 private:
  static constexpr size_t kChunk = size_t{2} << 20;
  struct Free {
    void operator()(char* p) const { std::free(p); }
  };
  using Chunk = std::unique_ptr<char[], Free>;
  static Chunk NewChunk() {
    void* p = std::aligned_alloc(kChunk, kChunk);
    if (p == nullptr) throw std::bad_alloc();  // as operator new would
#ifdef MADV_HUGEPAGE
    ::madvise(p, kChunk, MADV_HUGEPAGE);  // advice only: failure is harmless
#endif
    return Chunk(static_cast<char*>(p));
  }

  std::vector<Chunk> chunks_;
  size_t used_ = 0;  // bytes of the last chunk
  size_t size_ = 0;
};

std::string Similarity(double s) {
  char buf[16];
  std::snprintf(buf, sizeof(buf), "%.3f", s);
  return buf;
}

// The match kind for people: a "near" match whose similarity prints as
// 1.000 is the same text after normalization, never called "near".
std::string KindLabel(sketch::MatchKind kind, double similarity) {
  if (kind == sketch::MatchKind::kNear && Similarity(similarity) == "1.000") {
    return "identical after normalization";
  }
  return std::string(sketch::MatchKindName(kind));
}

Status RunMatch(const MatchFlags& flags) {
  CUSTODY_ASSIGN_OR_RETURN(auto custody, OpenVault(true));
  const bool json = Globals().json;
  core::MatchOptions options;
  options.dumps = flags.dumps;
  options.scan.threads = flags.threads;
  options.scan.max_json_depth = flags.max_json_depth;
  auto format = format::ParseInputFormat(flags.format);
  if (!format.ok()) return format.status().WithPrefix("--format");
  options.scan.format = *format;
  options.top = flags.top;
  options.unmatched_sample = flags.show_unmatched;
  // --json: the per-record results are kept in memory up to
  // kResultsInMemory bytes and beyond that spilled to an unlinked temporary
  // file (bounded memory whatever the dump size), then copied into the one
  // JSON object at the end; on an error, only the error is printed. Most
  // dumps never touch the file, whose writing and reading back cost the
  // scanning thread as much as folding the results.
  constexpr size_t kResultsInMemory = size_t{64} << 20;
  ChunkedText results_text;
  // The stdio buffer outlives the FILE (declared first, destroyed last).
  std::vector<char> results_buffer;
  std::unique_ptr<FILE, int (*)(FILE*)> results(nullptr, &std::fclose);
  uint64_t results_bytes = 0;
  if (json) {
    // Each result is written on the worker that matched it, followed by a
    // comma (the last one is left out when the array is copied below).
    options.render = [](const core::DumpRecordMatch& r, std::string* out) {
      thread_local core::MatchResultWriter writer;
      writer.Append(r, out);
      out->push_back(',');
    };
    options.on_rendered = [&](std::string_view text) -> Status {
      results_bytes += text.size();
      if (!results && results_text.size() + text.size() <= kResultsInMemory) {
        results_text.Append(text);
        return OkStatus();
      }
      bool written = true;
      auto write = [&](std::string_view piece) {
        written = written &&
                  std::fwrite(piece.data(), 1, piece.size(), results.get()) == piece.size();
      };
      if (!results) {
        results.reset(std::tmpfile());
        if (!results) return InternalError("match: cannot create a temporary file for results");
        results_buffer.resize(1 << 20);
        std::setvbuf(results.get(), results_buffer.data(), _IOFBF, results_buffer.size());
        results_text.ForEachPiece(results_text.size(), write);
        results_text.Clear();
      }
      write(text);
      if (!written) return InternalError("match: writing the temporary results file failed");
      return OkStatus();
    };
  } else if (flags.list) {
    options.on_record = [](const core::DumpRecordMatch& r) -> Status {
      if (!r.match) return OkStatus();
      std::cout << "  " << r.source << ":" << r.line << "  record " << r.match->record_id << "  "
                << r.version->dataset << "@v" << r.version->version << "  "
                << KindLabel(r.match->kind, r.match->similarity) << "  " << Similarity(r.match->similarity)
                << (r.unverified ? "  unverified (dataset shredded)" : "") << "\n";
      return OkStatus();
    };
  }
  std::unique_ptr<Progress> progress;
  if (ShowProgress()) {
    progress = std::make_unique<Progress>("match");
    options.scan.progress = [&](const core::ScanProgress& p) {
      progress->Update(p.bytes, p.records, p.total_bytes);
    };
  }
  CUSTODY_ASSIGN_OR_RETURN(core::MatchSummary s, core::MatchDumps(*custody, options));
  if (progress) progress->Done();

  if (!s.verification_error.ok()) {
    // Some candidates were decided on their sketch alone.
    std::cerr << "warning: exact verification unavailable for some candidates: "
              << s.verification_error.message() << "\n";
  }
  if (json) {
    const nlohmann::json out = core::MatchSummaryToJson(s);
    // The object without its closing brace, then the streamed results.
    std::string head = out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    head.pop_back();
    std::cout << head << ",\"results\":[";
    uint64_t left = results_bytes > 0 ? results_bytes - 1 : 0;  // without the last comma
    if (!results) {
      results_text.ForEachPiece(left, [](std::string_view piece) {
        std::cout.write(piece.data(), static_cast<std::streamsize>(piece.size()));
      });
      left = 0;
    } else {
      std::rewind(results.get());
    }
    char buf[1 << 16];
    while (left > 0) {
      const size_t n = std::fread(buf, 1, std::min<uint64_t>(sizeof(buf), left), results.get());
      if (n == 0) return InternalError("match: reading the temporary results file failed");
      std::cout.write(buf, static_cast<std::streamsize>(n));
      left -= n;
    }
    std::cout << "]}" << std::endl;
    return OkStatus();
  }
  std::cout << Counted(s.scan.dump_records, "dump record") << ", " << WithThousands(s.matched)
            << " matched (" << Counted(s.distinct_records, "distinct vault record") << "), "
            << WithThousands(s.unmatched()) << " unmatched\n";
  for (const auto& [name, n] : s.by_dataset) std::cout << "  " << name << ": " << WithThousands(n) << "\n";
  for (const auto& [kind, n] : s.by_kind) std::cout << "  kind " << kind << ": " << WithThousands(n) << "\n";
  if (s.unverified > 0) {
    std::cout << "  " << s.unverified
              << " unverified sketch matches (their dataset was shredded: similarity estimated)\n";
  }
  if (!flags.list && !s.best.empty()) {
    std::cout << "best matches (" << s.best.size() << " of " << s.matched
              << (s.best.size() < s.matched ? "; --list shows all, --top N more" : "") << "):\n";
    for (const auto& b : s.best) {
      std::cout << "  " << b.where << "  record " << b.record_id << "  " << b.dataset << "@v"
                << b.version << "  " << KindLabel(b.kind, b.similarity) << "  "
                << Similarity(b.similarity) << (b.unverified ? "  unverified (dataset shredded)" : "")
                << "\n";
    }
  }
  for (const auto& u : s.unmatched_sample) std::cout << "  unmatched " << u << "\n";
  if (s.unmatched() > s.unmatched_sample.size()) {
    std::cout << "  ... and " << s.unmatched() - s.unmatched_sample.size()
              << " more unmatched (see --json)\n";
  }
  if (s.scan.skipped > 0) {
    std::cout << s.scan.skipped << " unreadable records skipped (invalid UTF-8, binary or malformed):\n";
  }
  for (const auto& b : s.scan.problems) {
    std::cout << "  " << b.source;
    if (b.line > 0) std::cout << ":" << b.line;
    std::cout << ": " << b.error << "\n";
  }
  for (const auto& e : s.scan.empty_dumps) std::cout << e << ": empty dump (no records)\n";
  return OkStatus();
}

void RegisterMatchCommands(CLI::App& app) {
  auto flags = std::make_shared<MatchFlags>();
  auto* sub = app.add_subcommand("match", "find which vault records a leaked dump contains");
  sub->add_option("dumps", flags->dumps, "dump files (JSONL, JSON, CSV or text; .gz/.zst)")
      ->required();
  sub->add_option("--show-unmatched", flags->show_unmatched,
                  "unmatched dump records listed in the summary");
  sub->add_option("--top", flags->top, "best matches listed in the summary")->default_val(20);
  sub->add_flag("--list", flags->list, "list every matched dump record, in dump order");
  sub->add_option("--threads", flags->threads, "worker threads (default: one per core)")
      ->default_val(0);
  sub->add_option("--max-json-depth", flags->max_json_depth,
                  "a dump record nested deeper is unreadable (default 512, at most 1024)");
  sub->add_option("--format", flags->format, "auto, jsonl, json, csv or text (default auto: detected per dump)");
  SetAction(sub, [flags] { return RunMatch(*flags); });
}

}  // namespace
CUSTODY_REGISTER_COMMANDS(RegisterMatchCommands);
}  // namespace custody::cli
