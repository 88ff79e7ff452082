// On-disk format of encrypted record segments (records/<dataset>/v<N>/seg-NNNNNN.cseg).
// Prose: docs/formats/segments.md.
//
//   header (28 bytes, authenticated as associated data):
//     magic "CUSTSEG1" | u32 format (1) | u64 first_record_id | u32 count | u32 payload_size
//   body: XChaCha20-Poly1305(data key, zstd(payload), ad = header || context)
//     context = "dataset:<id>:v<version>:seg:<seq>"
//   payload: count x varint(record length) | count x 32-byte content id | record bytes
#pragma once

#include <cstddef>
#include <cstdint>

namespace custody::store {

inline constexpr char kSegmentMagic[8] = {'C', 'U', 'S', 'T', 'S', 'E', 'G', '1'};
inline constexpr uint32_t kSegmentFormat = 1;
inline constexpr size_t kSegmentHeaderSize = 28;
inline constexpr size_t kContentIdSize = 32;
// A segment is closed once its payload reaches this size or record count.
inline constexpr size_t kSegmentTargetBytes = 4u << 20;
inline constexpr uint32_t kSegmentMaxRecords = 1u << 16;
inline constexpr int kSegmentZstdLevel = 1;
// The sealed content-id list of a version: AEAD(data key, n x 32 bytes, ad = "cids:" + context).
inline constexpr const char* kContentIdsFile = "content-ids.sealed";

}  // namespace custody::store
