// Fuzzes the custody log's write-ahead file reader (ledger/internal/wal.h,
// ScanWal) and the log's recovery on open (CustodyLog::Open, read-only and
// writable: a torn tail is repaired and tiles are rewritten from the file).
// Never crashes; every entry reported lies inside the file; an opened log
// serves every entry it counts.
//
// Input: byte 0 = options (bit 0 recompute each batch's SHA-256 so the
// batch parser is reached, bit 1 start with the file magic, bit 2 also open
// the log writable); the rest is the file.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "custody/base/encoding.h"
#include "custody/crypto/crypto.h"
#include "custody/ledger/custody_log.h"
#include "custody/ledger/event.h"
#include "custody/ledger/internal/wal.h"
#include "custody/ledger/log_format.h"
#include "fuzz_input.h"
#include "memory_env.h"
#include "seeds.h"

namespace {

namespace ledger = custody::ledger;

constexpr std::string_view kSeed = "fuzz wal log signing seed 32 byt";

const custody::crypto::SecretBytes& MacKey() {
  static const auto* key = new custody::crypto::SecretBytes(
      ledger::internal::WalMacKey(custody::crypto::SecretBytes::FromBytes(kSeed)));
  return *key;
}

// Overwrites each batch's trailer with the SHA-256 and MAC of its header and
// body, as the writer would have, where the batch fits in the file.
void FixChecksums(std::string* wal) {
  uint64_t off = ledger::kWalMagic.size();
  const uint64_t trailer = ledger::kWalChecksumSize + ledger::kWalMacSize;
  while (off + ledger::kWalBatchHeaderSize <= wal->size()) {
    const uint64_t body = custody::DecodeFixed32(wal->data() + off);
    const uint64_t total = ledger::kWalBatchHeaderSize + body + trailer;
    if (total > wal->size() - off) break;
    const uint64_t end = off + ledger::kWalBatchHeaderSize + body;
    const std::string mac = custody::crypto::Prf(
        MacKey(), std::string_view(*wal).substr(off, end - off), ledger::kWalMacSize);
    std::memcpy(wal->data() + end, mac.data(), mac.size());
    const auto sum = custody::crypto::Sha256(
        std::string_view(*wal).substr(off, end + mac.size() - off));
    std::memcpy(wal->data() + end + mac.size(), sum.data(), sum.size());
    off += total;
  }
}

// Write-ahead files of real logs: one batch of one entry, then two batches.
std::vector<std::string> MakeSeeds() {
  std::vector<std::string> seeds;
  custody::fuzz::MemoryEnv env;
  ledger::LogOptions opts;
  opts.signer_state_path = "state";
  auto log = ledger::CustodyLog::Open(
      &env, "log", "custody.example/log",
      custody::crypto::SecretBytes::FromBytes(kSeed), opts);
  if (!log.ok()) std::abort();
  ledger::Event e{"ingest", custody::FromUnixMillis(1700000000000), "fuzz", "dataset:1@v1", {{"records", 3}}, {}};
  if (!(*log)->Append(e).ok()) std::abort();
  const std::string path = "log/" + std::string(ledger::kWalFile);
  seeds.push_back(std::string(1, '\0') + env.Get(path));
  e.type = "release";
  e.hashes["file"] = std::string(64, 'a');
  std::vector<ledger::Event> batch = {e, e};
  if (!(*log)->AppendBatch(batch).ok()) std::abort();
  const std::string two = env.Get(path);
  seeds.push_back(std::string(1, '\4') + two);
  seeds.push_back(std::string(1, '\0') + two.substr(0, two.size() - 5));  // torn tail
  seeds.push_back(std::string(1, '\3') + two.substr(ledger::kWalMagic.size()));
  return seeds;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  custody::fuzz::WriteSeedsIfAsked(MakeSeeds);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  custody::fuzz::FuzzInput in(data, size);
  const uint8_t flags = in.Byte();
  std::string wal;
  if (flags & 2) wal.assign(ledger::kWalMagic);
  wal.append(in.Rest());
  if (flags & 1) FixChecksums(&wal);

  custody::fuzz::MemoryEnv env;
  const std::string path = "log/" + std::string(ledger::kWalFile);
  env.Put(path, wal);
  uint64_t count = 0;
  auto scan = ledger::internal::ScanWal(
      &env, path, (flags & 8) ? &MacKey() : nullptr, [&](uint64_t index, uint64_t offset, std::string_view entry) {
        if (index != count || offset > wal.size() || entry.size() > wal.size() - offset ||
            std::memcmp(wal.data() + offset, entry.data(), entry.size()) != 0) {
          std::abort();
        }
        ++count;
      });
  if (scan.ok() && (scan->entries != count || scan->valid_size > scan->file_size)) std::abort();

  {
    auto log = ledger::CustodyLog::Open(&env, "log", "custody.example/log", std::nullopt);
    if (log.ok()) {
      if (!scan.ok()) std::abort();
      for (uint64_t i = 0; i < (*log)->size(); ++i) {
        if (!(*log)->ReadEntry(i).ok()) std::abort();
      }
    }
  }
  if (flags & 4) {
    // A writer with no signer state refuses an existing log unless repairing.
    ledger::LogOptions wopts;
    wopts.repair = (flags & 16) != 0;
    auto writer = ledger::CustodyLog::Open(&env, "log", "custody.example/log",
                                           custody::crypto::SecretBytes::FromBytes(kSeed), wopts);
    if (writer.ok() && !(*writer)->Checkpoint().ok()) std::abort();
  }
  return 0;
}
