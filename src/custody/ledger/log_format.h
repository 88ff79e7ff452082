// On-disk format of the custody log directory (docs/formats/log.md):
//   checkpoint                 the latest signed checkpoint (C2SP signed note)
//   tile/<L>/<N>[.p/<W>]       hash tiles (C2SP tlog-tiles): W 32-byte hashes
//   tile/entries/<N>[.p/<W>]   entry bundles: W entries, each a big-endian
//                              uint16 length and the entry bytes
//   custody.wal                the write-ahead file, the source of truth:
//     header  "CUSTODYLOGWAL\x00\x00\x02" (16 bytes)
//     batch   u32le body_len | u64le first_index | u32le count |
//             count x (u32le len | entry) |
//             MAC (32): keyed BLAKE2b-256 of header fields and body under the
//             WAL key, derived from the log signing key (so from the master key) |
//             SHA-256 of header fields, body and MAC (32): a checksum anyone
//             can check
//     Version 1 ("...\x00\x00\x01") had no MAC; a writer upgrades it (see
//     docs/formats/log.md).
//   LOCK                       advisory lock held by the one writer
// <N> is written as 3-digit groups, all but the last prefixed with 'x'
// (1234067 -> x001/x234/067); W is 1..255 for a partial tile.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace custody::ledger {

inline constexpr unsigned kTileHeight = 8;
inline constexpr uint64_t kTileWidth = uint64_t{1} << kTileHeight;  // 256
inline constexpr size_t kMaxEntrySize = 0xFFFF;  // entry bundles use uint16 lengths

inline constexpr char kCheckpointFile[] = "checkpoint";
inline constexpr char kWalFile[] = "custody.wal";
inline constexpr char kLockFile[] = "LOCK";
inline constexpr std::string_view kWalMagic{"CUSTODYLOGWAL\x00\x00\x02", 16};
inline constexpr std::string_view kWalMagicV1{"CUSTODYLOGWAL\x00\x00\x01", 16};
inline constexpr size_t kWalBatchHeaderSize = 4 + 8 + 4;
inline constexpr size_t kWalChecksumSize = 32;
inline constexpr size_t kWalMacSize = 32;
// The purpose string of the WAL MAC key (crypto::DeriveKey of the signing seed).
inline constexpr char kWalMacKeyPurpose[] = "custody-log-wal-mac-v1";
// Where a repair moves damaged public files (kept as evidence, never deleted).
inline constexpr char kQuarantineDir[] = "quarantine";
// Upper bound of one batch body, so a corrupt length cannot make us allocate
// absurd buffers.
inline constexpr uint64_t kMaxWalBatchBody = uint64_t{1} << 31;

// "x001/x234/067" for 1234067.
std::string TileIndexPath(uint64_t n);
// "tile/<level>/<N>[.p/<width>]"; width == kTileWidth means a full tile.
std::string HashTilePath(unsigned level, uint64_t index, uint64_t width);
// "tile/entries/<N>[.p/<width>]".
std::string EntryBundlePath(uint64_t index, uint64_t width);

}  // namespace custody::ledger
