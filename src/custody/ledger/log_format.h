// On-disk format of the custody log directory (docs/formats/log.md):
//   checkpoint                 the latest signed checkpoint (C2SP signed note)
//   tile/<L>/<N>[.p/<W>]       hash tiles (C2SP tlog-tiles): W 32-byte hashes
//   tile/entries/<N>[.p/<W>]   entry bundles: W entries, each a big-endian
//                              uint16 length and the entry bytes
//   custody.wal                the write-ahead file, the source of truth:
//     header  "CUSTODYLOGWAL\x00\x00\x01" (16 bytes)
//     batch   u32le body_len | u64le first_index | u32le count |
//             count x (u32le len | entry) | SHA-256(header fields and body) (32)
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
inline constexpr std::string_view kWalMagic{"CUSTODYLOGWAL\x00\x00\x01", 16};
inline constexpr size_t kWalBatchHeaderSize = 4 + 8 + 4;
inline constexpr size_t kWalBatchTrailerSize = 32;
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
