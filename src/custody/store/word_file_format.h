// On-disk format of word files (records/<dataset>/v<N>/words-NNNNNN.cwrd),
// one beside each record segment, holding each record's words as exact
// verification compares them (sketch/record_words.h). Prose:
// docs/formats/words.md.
//
//   header (32 bytes, authenticated as associated data of every sealed part):
//     magic "CUSTWRD1" | u32 format (1) | u64 first_record_id | u32 count |
//     u32 block_count | u32 reserved (0)
//   block index: XChaCha20-Poly1305(data key, block_count x (u32 first index,
//     u32 sealed size), ad = header || context || ":words:<seq>:index")
//   blocks, in order: XChaCha20-Poly1305(data key, payload,
//     ad = header || context || ":words:<seq>:block:<i>")
//   block payload: varint n | n x varint(entry length) | n entries
#pragma once

#include <cstddef>
#include <cstdint>

namespace custody::store {

inline constexpr char kWordFileMagic[8] = {'C', 'U', 'S', 'T', 'W', 'R', 'D', '1'};
inline constexpr uint32_t kWordFileFormat = 1;
inline constexpr size_t kWordFileHeaderSize = 32;
inline constexpr size_t kWordIndexEntrySize = 8;
// A block is closed once its payload reaches this size: a point read opens
// about this much (docs/matching.md explains the choice).
inline constexpr size_t kWordBlockTargetBytes = 1024;

}  // namespace custody::store
