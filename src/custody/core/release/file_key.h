// The file key of an encrypted release, and handing it again to its member
// (`custody serve`: POST /v1/releases/{id}/key). The key is derived from the
// released dataset's data key and the release id, so the vault keeps no copy
// and a shred destroys it with the records; the release event commits to a
// key check value (hashes.file_key_check), so a key is handed out only for
// releases made this way and only if it is the key the file was sealed with.
// Thread-safety: as Custody.
#pragma once

#include <cstdint>
#include <string>

#include "custody/base/ids.h"
#include "custody/base/status.h"
#include "custody/core/vault/custody.h"
#include "custody/crypto/secret_bytes.h"

namespace custody::core {

// The file key of release `release_id` of a dataset whose data key is `dataset_key`.
crypto::SecretBytes DeriveReleaseFileKey(const crypto::SecretBytes& dataset_key, ReleaseId release_id);

// A key check value of `file_key` (hex, 16 bytes of a keyed PRF): what the
// release event commits to; it reveals nothing of the key.
std::string FileKeyCheck(const crypto::SecretBytes& file_key);

inline constexpr char kReleaseKeyEvent[] = "release.key";

struct ReleaseKeyGrant {
  ReleaseId release_id;
  MemberId member_id;
  std::string sealed_file_key;  // crypto_box_seal of the file key to the member's X25519 key
  uint64_t log_index = 0;       // the release.key event
};

// Seals release `release_id`'s file key to member `member_id`'s key, as the
// file header does, after logging a release.key event (with `request_id`).
// kNotFound: no such release of this member, not encrypted, or made before
// file keys were derived (its event has no key check); kFailedPrecondition:
// the member, its partner or the release's grant is no longer active
// (CheckReleasable); kDataLoss: the member's key is not the logged one, or
// the derived key does not match the logged check.
Result<ReleaseKeyGrant> UnwrapReleaseKey(Custody& custody, MemberId member_id, ReleaseId release_id,
                                         const std::string& request_id, const std::string& actor);

}  // namespace custody::core
