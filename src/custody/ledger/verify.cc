#include "custody/ledger/verify.h"

#include <algorithm>

#include "custody/ledger/event.h"
#include "custody/ledger/internal/wal.h"
#include "custody/ledger/log_format.h"
#include "custody/ledger/merkle.h"

namespace custody::ledger {
namespace {

// Parses an entry bundle of `width` entries; returns the problem or "".
std::string ParseBundle(std::string_view data, uint64_t width, std::vector<std::string>* out) {
  size_t pos = 0;
  for (uint64_t i = 0; i < width; ++i) {
    if (data.size() - pos < 2) {
      return "expected " + std::to_string(width) + " entries, found " + std::to_string(i);
    }
    const size_t len = (static_cast<uint8_t>(data[pos]) << 8) | static_cast<uint8_t>(data[pos + 1]);
    pos += 2;
    if (data.size() - pos < len) {
      return "entry " + std::to_string(i) + " at byte " + std::to_string(pos - 2) +
             ": length " + std::to_string(len) + " runs past the end of the bundle";
    }
    out->emplace_back(data.substr(pos, len));
    pos += len;
  }
  if (pos != data.size()) {
    return "expected " + std::to_string(width) + " entries, found " +
           std::to_string(data.size() - pos) + " trailing bytes";
  }
  return "";
}

}  // namespace

Result<VerifyReport> VerifyLog(Env* env, const std::string& log_dir, const NoteVerifierKey& key,
                               const VerifyOptions& options) {
  if (!env->IsDirectory(log_dir)) return NotFoundError(log_dir + ": no such log directory");
  VerifyReport report;
  auto problem = [&](std::string where, std::string what) {
    report.problems.push_back({std::move(where), std::move(what)});
  };

  // 1. The write-ahead file.
  std::vector<std::string> wal_entries;
  auto scan = internal::ScanWal(env, JoinPath(log_dir, kWalFile), nullptr,
                                [&](uint64_t, uint64_t, std::string_view e) {
                                  wal_entries.emplace_back(e);
                                });
  if (!scan.ok()) {
    problem(kWalFile, scan.status().message());
  } else if (!scan->torn_tail.empty()) {
    report.notes.push_back(std::string(kWalFile) + ": torn final write (" + scan->torn_tail +
                           "); repaired when the log is next opened for writing");
  }
  report.wal_entries = wal_entries.size();

  // 2. The checkpoint.
  uint64_t size = wal_entries.size();
  bool have_checkpoint = false;
  const std::string cp_path = JoinPath(log_dir, kCheckpointFile);
  if (!env->FileExists(cp_path)) {
    problem(kCheckpointFile, "missing");
  } else {
    CUSTODY_ASSIGN_OR_RETURN(std::string note, env->ReadFileToString(cp_path));
    auto cp = OpenCheckpoint(note, key);
    if (!cp.ok()) {
      problem(kCheckpointFile, cp.status().message());
    } else {
      report.checkpoint = *cp;
      report.checkpoint_verified = true;
      have_checkpoint = true;
      size = cp->size;
    }
  }

  // 3. Entry bundles: the published entries, hashed into a fresh tree.
  MerkleTree tree;
  std::vector<std::string> entries;
  for (uint64_t t = 0; t * kTileWidth < size; ++t) {
    const uint64_t w = std::min(kTileWidth, size - t * kTileWidth);
    const std::string rel = EntryBundlePath(t, w);
    std::vector<std::string> bundle;
    std::string why;
    auto data = env->ReadFileToString(JoinPath(log_dir, rel));
    if (!data.ok()) {
      why = "missing or unreadable";
    } else {
      why = ParseBundle(*data, w, &bundle);
    }
    if (!why.empty()) {
      problem(rel, why + " (entries " + std::to_string(t * kTileWidth) + ".." +
                       std::to_string(t * kTileWidth + w - 1) + ")");
      bundle.clear();
      // Fall back to the write-ahead copy so the remaining checks still run.
      for (uint64_t j = 0; j < w; ++j) {
        const uint64_t i = t * kTileWidth + j;
        bundle.push_back(i < wal_entries.size() ? wal_entries[i] : std::string());
      }
    }
    for (uint64_t j = 0; j < w; ++j) {
      const uint64_t i = t * kTileWidth + j;
      if (options.check_events && why.empty()) {
        auto ev = ParseEvent(bundle[j]);
        if (!ev.ok()) problem(rel, "entry " + std::to_string(i) + ": " + ev.status().message());
      }
      tree.AppendLeafHash(HashLeaf(bundle[j]));
      entries.push_back(std::move(bundle[j]));
    }
  }
  report.entries_checked = tree.size();

  // 4. The write-ahead file must hold the same entries (and may hold more,
  // not yet published). Where the two copies differ, the level-0 hash tile
  // tells which one was changed.
  if (scan.ok()) {
    if (wal_entries.size() < size) {
      problem(kWalFile, "expected at least " + std::to_string(size) +
                            " entries (the checkpoint's size), found " +
                            std::to_string(wal_entries.size()) +
                            ": entries dropped or the log rolled back");
    }
    const uint64_t common = std::min<uint64_t>(size, wal_entries.size());
    int reported = 0;
    std::string tile_data;
    uint64_t tile_loaded = UINT64_MAX;
    for (uint64_t i = 0; i < common && reported < 10; ++i) {
      if (wal_entries[i] == entries[i]) continue;
      ++reported;
      const uint64_t t = i / kTileWidth;
      const uint64_t w = std::min(kTileWidth, size - t * kTileWidth);
      if (tile_loaded != t) {
        auto td = env->ReadFileToString(JoinPath(log_dir, HashTilePath(0, t, w)));
        tile_data = td.ok() ? std::move(*td) : std::string();
        tile_loaded = t;
      }
      const uint64_t off = (i - t * kTileWidth) * crypto::kSha256Size;
      const Hash wal_hash = HashLeaf(wal_entries[i]);
      const bool wal_matches_tile =
          tile_data.size() >= off + 32 &&
          std::string_view(tile_data).substr(off, 32) ==
              std::string_view(reinterpret_cast<const char*>(wal_hash.data()), 32);
      if (wal_matches_tile) {
        problem(EntryBundlePath(t, w), "entry " + std::to_string(i) +
                                           " differs from the write-ahead copy and from its "
                                           "hash in " + HashTilePath(0, t, w));
      } else {
        problem(kWalFile, "entry " + std::to_string(i) + " differs from " + EntryBundlePath(t, w));
      }
    }
    if (wal_entries.size() > size) {
      report.notes.push_back(std::to_string(wal_entries.size() - size) +
                             " durable entries not yet covered by the checkpoint");
    }
  }

  // 5. Hash tiles against the recomputed tree.
  for (unsigned level = 0; level * kTileHeight < 64; ++level) {
    const unsigned height = level * kTileHeight;
    const uint64_t count = size >> height;
    if (count == 0) break;
    for (uint64_t t = 0; t * kTileWidth < count; ++t) {
      const uint64_t begin = t * kTileWidth;
      const uint64_t w = std::min(kTileWidth, count - begin);
      const std::string rel = HashTilePath(level, t, w);
      auto data = env->ReadFileToString(JoinPath(log_dir, rel));
      if (!data.ok()) {
        problem(rel, "missing or unreadable");
        continue;
      }
      if (data->size() != w * crypto::kSha256Size) {
        problem(rel, "expected " + std::to_string(w * crypto::kSha256Size) + " bytes (" +
                         std::to_string(w) + " hashes), found " + std::to_string(data->size()));
        continue;
      }
      for (uint64_t j = 0; j < w; ++j) {
        const Hash& h = tree.NodeHash(height, begin + j);
        if (std::string_view(*data).substr(j * 32, 32) !=
            std::string_view(reinterpret_cast<const char*>(h.data()), h.size())) {
          const uint64_t first_leaf = (begin + j) << height;
          const uint64_t last_leaf = ((begin + j + 1) << height) - 1;
          problem(rel, "hash " + std::to_string(j) + " (over entries " +
                           std::to_string(first_leaf) + ".." + std::to_string(last_leaf) +
                           ") differs from the hash recomputed from the entries");
        }
      }
    }
  }

  // 6. The root.
  const Hash root = tree.Root();
  if (have_checkpoint && root != report.checkpoint.root) {
    problem(kCheckpointFile, "root " + crypto::DigestHex(report.checkpoint.root) +
                                 " differs from the root recomputed from the " +
                                 std::to_string(size) + " entries, " + crypto::DigestHex(root));
  }

  // 7. Earlier checkpoints must be extended consistently.
  MerkleTree wal_tree;  // over every durable entry, built when needed
  for (const auto& [label, note] : options.earlier_checkpoints) {
    auto old = OpenCheckpoint(note, key);
    if (!old.ok()) {
      problem(label, old.status().message());
      continue;
    }
    if (!have_checkpoint) continue;
    if (old->size > size && scan.ok() && wal_entries.size() >= old->size) {
      // A writer signs (and keeps the note as its signer state) before it
      // replaces the checkpoint; a crash in between leaves the checkpoint
      // behind a signed note the durable entries still match. No history is
      // lost, so this is a note, not a problem.
      if (wal_tree.size() == 0) {
        for (const std::string& e : wal_entries) wal_tree.AppendLeafHash(HashLeaf(e));
      }
      auto wal_root = wal_tree.RootAt(old->size);
      if (wal_root.ok() && *wal_root == old->root) {
        report.notes.push_back(label + " (size " + std::to_string(old->size) +
                               ") is ahead of the checkpoint (size " + std::to_string(size) +
                               ") and matches the durable entries: a publication was "
                               "interrupted; the next keyed command publishes it");
        continue;
      }
    }
    if (old->size > size) {
      problem(kCheckpointFile, "size " + std::to_string(size) + " is smaller than the size " +
                                   std::to_string(old->size) + " of the earlier checkpoint " +
                                   label + ": the log was rolled back");
      continue;
    }
    if (old->size == 0) continue;
    auto proof = tree.ConsistencyProof(old->size, size);
    Status s = proof.ok() ? VerifyConsistency(old->size, size, *proof, old->root,
                                              report.checkpoint.root)
                          : proof.status();
    if (!s.ok()) {
      problem(kCheckpointFile, "not a consistent extension of the earlier checkpoint " + label +
                                   " (size " + std::to_string(old->size) + "): " + s.message());
    }
  }
  return report;
}

}  // namespace custody::ledger
