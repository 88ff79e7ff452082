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
// copy is then settled by its 64-bit fingerprint alone); version 2 files
// are still read.
inline constexpr uint32_t kIndexFormatVersion = 3;
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

// The file name of the index of `dataset_id` at `version` inside VAULT/index/:
// "<dataset_id>-v<version>.idx".
std::string IndexFileName(uint64_t dataset_id, uint32_t version);

}  // namespace custody::sketch
