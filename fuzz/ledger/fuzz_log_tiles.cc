// Fuzzes the readers of a published custody log directory: entry bundles,
// hash tiles, the checkpoint note and the write-ahead file, as VerifyLog
// (ledger/verify.h) reads them, and CustodyLog's read-only open. The target
// builds a valid log of N entries in memory, then the fuzzer edits its files
// (replace, truncate, flip, insert, delete) and adds earlier checkpoints.
// Never crashes; an unedited log verifies with no problem.
//
// Input: byte 0 = N / 2 (N = 0..510, so tiles may be full or partial);
// then edits, each: op byte, file byte (index into the sorted file list),
// 2-byte position, and for replace/insert/earlier a payload ending at the
// separator 0xfe 0xfd or at the end.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "custody/crypto/crypto.h"
#include "custody/ledger/checkpoint.h"
#include "custody/ledger/custody_log.h"
#include "custody/ledger/event.h"
#include "custody/ledger/verify.h"
#include "fuzz_input.h"
#include "memory_env.h"

namespace {

namespace ledger = custody::ledger;

constexpr char kOrigin[] = "custody.example/log";
constexpr std::string_view kSep = "\xfe\xfd";

const custody::crypto::SecretBytes& Seed() {
  static const auto* seed =
      new custody::crypto::SecretBytes(custody::crypto::SecretBytes::FromBytes(
          "fuzz log tiles signing seed 32by"));
  return *seed;
}

// The files of a valid log of `n` entries, by path (built once per n).
const std::map<std::string, std::string>& ValidLog(uint64_t n) {
  static std::map<uint64_t, std::map<std::string, std::string>> cache;
  auto it = cache.find(n);
  if (it != cache.end()) return it->second;
  custody::fuzz::MemoryEnv env;
  {
    ledger::LogOptions opts;
    opts.signer_state_path = "state/signer";
    auto log = ledger::CustodyLog::Open(&env, "log", kOrigin, Seed().Clone(), opts);
    if (!log.ok()) std::abort();
    std::vector<ledger::Event> events;
    for (uint64_t i = 0; i < n; ++i) {
      ledger::Event e;
      e.type = i % 3 ? ledger::event_type::kRelease : ledger::event_type::kIngest;
      e.time = custody::FromUnixMillis(1700000000000 + static_cast<int64_t>(i));
      e.actor = "fuzz";
      e.subject = "dataset:" + std::to_string(i);
      e.details = {{"records", i}};
      events.push_back(e);
    }
    if (!events.empty() && !(*log)->AppendBatch(events).ok()) std::abort();
  }
  std::map<std::string, std::string> files;
  auto children = [&](auto&& self, const std::string& dir) -> void {
    auto names = env.GetChildren(dir);
    if (!names.ok()) return;
    for (const auto& name : *names) {
      const std::string path = dir + "/" + name;
      if (env.IsDirectory(path)) {
        self(self, path);
      } else if (name != "LOCK") {
        files[path] = env.Get(path);
      }
    }
  };
  children(children, "log");
  return cache.emplace(n, std::move(files)).first->second;
}

const ledger::NoteVerifierKey& Key() {
  static const ledger::NoteVerifierKey* key = [] {
    auto pair = custody::crypto::Ed25519FromSeed(Seed());
    if (!pair.ok()) std::abort();
    auto k = ledger::ParseVerifierKey(ledger::FormatVerifierKey(kOrigin, pair->public_key));
    if (!k.ok()) std::abort();
    return new ledger::NoteVerifierKey(*k);
  }();
  return *key;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  custody::fuzz::FuzzInput in(data, size);
  const uint64_t n = uint64_t{in.Byte()} * 2;
  std::map<std::string, std::string> files = ValidLog(n);
  ledger::VerifyOptions options;
  bool edited = false;
  for (int edits = 0; !in.empty() && edits < 8; ++edits) {
    const uint8_t op = in.Byte() % 6;
    const uint8_t which = in.Byte();
    const uint16_t pos = in.U16();
    if (files.empty()) break;
    auto it = std::next(files.begin(), which % files.size());
    std::string& f = it->second;
    edited = true;
    switch (op) {
      case 0: f.assign(in.Part(kSep)); break;
      case 1: f.resize(pos % (f.size() + 1)); break;
      case 2:
        if (!f.empty()) f[pos % f.size()] ^= static_cast<char>(1 << (pos >> 13));
        break;
      case 3: f.insert(pos % (f.size() + 1), in.Part(kSep)); break;
      case 4: files.erase(it); break;
      case 5: options.earlier_checkpoints.emplace_back("earlier", std::string(in.Part(kSep))); break;
    }
  }
  custody::fuzz::MemoryEnv env;
  for (const auto& [path, contents] : files) env.Put(path, contents);
  auto report = ledger::VerifyLog(&env, "log", Key(), options);
  if (!edited && (!report.ok() || !report->ok())) std::abort();
  auto log = ledger::CustodyLog::Open(&env, "log", kOrigin, std::nullopt);
  if (log.ok()) {
    for (uint64_t i = 0; i < (*log)->size(); ++i) {
      if (!(*log)->ReadEntry(i).ok()) std::abort();
    }
    (void)(*log)->ConsistencyProof(1, (*log)->size());
  }
  return 0;
}
