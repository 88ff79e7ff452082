// Constants of the sketch index file format; the prose specification is
// docs/formats/index.md. All integers are little-endian; sections start at
// 8-byte aligned offsets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace custody::sketch {

inline constexpr char kIndexMagic[8] = {'C', 'U', 'S', 'K', 'I', 'D', 'X', '1'};
inline constexpr char kIndexTrailerMagic[8] = {'C', 'U', 'S', 'K', 'E', 'N', 'D', '1'};
// Version 3 adds the low halves of the records' exact fingerprints (an exact
// copy is then settled by its 64-bit fingerprint alone); version 4 adds the
// per-block checksums (a corrupt byte is named by its block). Versions 2 and
// 3 are still read.
inline constexpr uint32_t kIndexFormatVersion = 4;
inline constexpr uint32_t kIndexFormatVersionMin = 2;
inline constexpr size_t kIndexHeaderSize = 128;
inline constexpr size_t kIndexTrailerSize = 16;  // u64 checksum + magic
// Records per index file (ordinals are 24 bits in table entries).
inline constexpr uint64_t kMaxRecordsPerIndex = 1ull << 24;
inline constexpr uint64_t kFlagExplicitIds = 1;

// Header field offsets.
inline constexpr size_t kOffVersion = 8;
inline constexpr size_t kOffHeaderSize = 12;
inline constexpr size_t kOffShingleWords = 16;
inline constexpr size_t kOffBinsLog2 = 17;
inline constexpr size_t kOffSigBits = 18;
inline constexpr size_t kOffAnchors = 19;
inline constexpr size_t kOffExactBucketBits = 20;
inline constexpr size_t kOffAnchorBucketBits = 21;
inline constexpr size_t kOffRecordCount = 24;
inline constexpr size_t kOffIdBase = 32;
inline constexpr size_t kOffFlags = 40;
inline constexpr size_t kOffKeyCheck = 48;
inline constexpr size_t kOffExactEntries = 56;
inline constexpr size_t kOffAnchorEntries = 64;
inline constexpr size_t kOffLabelBytes = 72;
// Version 4: log2 of the checksummed block size (u32) and the byte length of
// the checksummed data, i.e. the offset of the block checksum table (u64).
inline constexpr size_t kOffBlockLog2 = 76;
inline constexpr size_t kOffDataBytes = 80;
// Blocks of 64 KiB: a 2^24-record shard (about 1 GB) has 16,384 of them.
inline constexpr uint32_t kIndexBlockLog2 = 16;
inline constexpr uint32_t kIndexBlockLog2Min = 10;
inline constexpr uint32_t kIndexBlockLog2Max = 30;

// The file name of the index of `dataset_id` at `version` inside VAULT/index/:
// "<dataset_id>-v<version>.idx".
std::string IndexFileName(uint64_t dataset_id, uint32_t version);

}  // namespace custody::sketch
