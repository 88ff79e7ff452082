// Per-recipient variant marks: Marker writes a member's fingerprinted copy of
// a record's text fields and reads the slots back from a dump.
//
// A slot is a place in a text field with two renderings that mean exactly
// the same (slot_kind.h, docs/marks.md). For record r, slot s and member j:
//   p_rs  = ArcsineBias(PRF(K_bias, r || s))          the slot's bias
//   f_rs  = a further PRF bit of K_bias                the keyed rendering flip
//   x_jrs = [UnitInterval(PRF(K_sym, j || r || s)) < p_rs]   j's symbol
//   rendering written for j = x_jrs XOR f_rs
// with K_bias, K_sym derived from the 32-byte mark key. Nothing per member is
// stored; a slot's id comes from its rendering-free context (scanner.h), so
// shuffling, subsetting, renaming or dropping fields changes nothing.
// Numbers, <<...>> annotations, `code`, URLs and every byte outside a slot
// are copied unchanged.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "custody/base/ids.h"
#include "custody/base/status.h"
#include "custody/crypto/secret_bytes.h"
#include "custody/mark/slot_kind.h"
#include "custody/mark/tardos.h"

namespace custody::mark {

struct MarkOptions {
  // Cutoff t of the arcsine bias density (0 < t < 0.5).
  double bias_cutoff = kDefaultBiasCutoff;
  // Adds the fragile layer: curly or straight apostrophes inside words, keyed
  // per member. Corroboration only; any quote normalization erases it.
  bool fragile = false;
};

struct TextField {
  std::string_view name;   // informational: slot ids do not depend on it
  std::string_view value;  // UTF-8 text
};

struct MarkedRecord {
  std::vector<std::string> values;  // one per input field, same order
  uint32_t slots = 0;               // robust slots written
  uint32_t fragile_marks = 0;       // fragile apostrophes written
};

// Fragile-layer agreement of one member with a dump record.
struct FragileAgreement {
  uint32_t agree = 0;
  uint32_t total = 0;
};

// Thread-safety: immutable after Create; every method is const and safe to
// call from several threads.
class Marker {
 public:
  // `mark_key` is the vault's "mark" key (16..64 bytes, normally 32);
  // kInvalidArgument otherwise, or if options.bias_cutoff is not in (0, 0.5).
  static Result<Marker> Create(crypto::SecretBytes mark_key, MarkOptions options = {});

  Marker(Marker&&) noexcept = default;
  Marker& operator=(Marker&&) noexcept = default;

  // Returns member `member_id`'s copy of record `record_id`: each field's
  // value with every slot in the member's rendering. Bytes outside slots
  // (numbers and <<...>> annotations included) are unchanged; valid UTF-8
  // stays valid. Deterministic for fixed key, ids and input.
  MarkedRecord Mark(RecordId record_id, MemberId member_id,
                    std::span<const TextField> fields) const;
  // The same into `*out`, reusing its strings' storage (for loops over many
  // records). `fields` must not point into `*out`.
  void Mark(RecordId record_id, MemberId member_id, std::span<const TextField> fields,
            MarkedRecord* out) const;

  // Reads the slots of a dump record that matched vault record `record_id`;
  // `fields` may be raw or normalized (NormalizeForMatch). A slot seen twice
  // with different renderings is reported once, erased. Order: by field, then
  // position.
  std::vector<SlotObservation> ReadSlots(RecordId record_id,
                                         std::span<const std::string_view> fields) const;

  // The code symbol x of `member_id` at slot `slot_id` of `record_id`.
  bool MemberSymbol(RecordId record_id, MemberId member_id, uint64_t slot_id) const;
  // The bias p of the slot.
  double Bias(RecordId record_id, uint64_t slot_id) const;
  // The symbol y that rendering `rendering` (0/1) encodes at the slot; -1 if
  // rendering is -1.
  int ObservedSymbol(RecordId record_id, uint64_t slot_id, int rendering) const;

  // Fragile layer: agreement of `member_id`'s keyed apostrophe choices with
  // the apostrophes inside words of a dump record. Never evidence by itself.
  FragileAgreement ReadFragile(RecordId record_id, MemberId member_id,
                               std::span<const std::string_view> fields) const;

  const MarkOptions& options() const { return options_; }

 private:
  Marker(crypto::SecretBytes bias_key, crypto::SecretBytes sym_key,
         crypto::SecretBytes fragile_key, MarkOptions options);
  // Bias and flip of one slot from one PRF call.
  // The raw-integer forms (the PRF inputs are laid out as integers).
  void SlotParams(uint64_t record_id, uint64_t slot_id, double* bias, int* flip) const;
  std::string FragileBits(uint64_t record_id, uint64_t member_id) const;

  crypto::SecretBytes bias_key_;
  crypto::SecretBytes sym_key_;
  crypto::SecretBytes fragile_key_;
  MarkOptions options_;
};

}  // namespace custody::mark
