// The slot scanner: finds every variant slot in one text field, in source
// text and in dumps alike (after NormalizeForMatch or not), and computes each
// slot's id from its rendering-free context. Private to the mark module.
//
// Invariant the whole module rests on: the set of sites found, and each
// site's slot id, are the same whichever rendering every site currently has,
// and whether or not the text went through NFKC, case folding, white-space
// collapse or quote uncurling. Detection therefore only looks at word
// boundaries, neighbouring words and punctuation that no rendering changes.
// Thread-safety: ScanField is reentrant (per-thread scratch).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "custody/mark/slot_kind.h"

namespace custody::mark::internal {

struct Site {
  uint32_t begin = 0;     // byte range of the field the rendering replaces
  uint32_t end = 0;
  uint32_t keep_end = 0;  // RenderMode::kSuffix: bytes [begin, keep_end) are kept
  uint16_t class_id = 0;
  SlotKind kind = SlotKind::kContraction;
  uint8_t rendering = 0;  // the rendering present in the scanned text (0 or 1)
  uint8_t case_pattern = 0;  // 0 lower, 1 capitalized, 2 upper
  uint64_t slot_id = 0;
};

// Appends the sites of `text` to `*sites`, in byte order.
void ScanField(std::string_view text, std::vector<Site>* sites);

// Appends rendering `r` of `site` (found in `text`) to `*out`.
void RenderSite(const Site& site, int r, std::string_view text, std::string* out);

// Calls fn(byte_offset) for every apostrophe (ASCII ' or U+2019) between two
// ASCII letters outside protected spans (<<...>>, `code`, URLs), in order.
// These carry the optional fragile layer.
template <typename Fn>
void ForEachWordApostrophe(std::string_view text, Fn fn);

// True if `text[i..]` starts a protected span; sets *end past it.
bool ProtectedSpanAt(std::string_view text, size_t i, size_t* end);

}  // namespace custody::mark::internal

#include "custody/mark/internal/scanner_inl.h"
