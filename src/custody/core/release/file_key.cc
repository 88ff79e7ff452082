#include "custody/core/release/file_key.h"

#include "custody/base/encoding.h"
#include "custody/core/parties/grants.h"
#include "custody/core/parties/parties.h"
#include "custody/core/release/release.h"
#include "custody/core/vault/logged_rows.h"
#include "custody/crypto/crypto.h"
#include "custody/ledger/custody_log.h"
#include "custody/ledger/event.h"
#include "custody/store/catalog.h"

namespace custody::core {

crypto::SecretBytes DeriveReleaseFileKey(const crypto::SecretBytes& dataset_key, ReleaseId release_id) {
  return crypto::DeriveKey(dataset_key, "custody release file key|release:" + ToString(release_id));
}

std::string FileKeyCheck(const crypto::SecretBytes& file_key) {
  return HexEncode(crypto::Prf(file_key, "custody file key check", 16));
}

Result<ReleaseKeyGrant> UnwrapReleaseKey(Custody& c, MemberId member_id, ReleaseId release_id,
                                         const std::string& request_id, const std::string& actor) {
  const std::string what = "release " + ToString(release_id);
  store::ReleaseFilter f;
  f.release_id = release_id;
  CUSTODY_ASSIGN_OR_RETURN(auto rows, c.catalog().releases().Holdings(f));
  // Another member's release does not exist for this member.
  if (rows.empty() || rows[0].release.member_id != member_id) {
    return NotFoundError("no release " + ToString(release_id) + " of this member");
  }
  const store::ReleaseRow& rel = rows[0].release;
  if (!rel.encrypted) return NotFoundError(what + " is not encrypted: it has no file key");
  CUSTODY_ASSIGN_OR_RETURN(Grant grant, GetGrant(c, rel.grant_id));
  CUSTODY_ASSIGN_OR_RETURN(Member member, GetMember(c, member_id));
  CUSTODY_ASSIGN_OR_RETURN(Partner partner, GetPartner(c, member.partner_id));
  CUSTODY_RETURN_IF_ERROR(CheckReleasable(grant, member, partner, c.clock()->Now()));
  CUSTODY_RETURN_IF_ERROR(CheckMemberKeyLogged(c, member));
  if (!rel.log_index || *rel.log_index < 0 || static_cast<uint64_t>(*rel.log_index) >= c.log().size()) {
    return NotFoundError(what + " has no release event to check its file key against");
  }
  CUSTODY_ASSIGN_OR_RETURN(ledger::Event ev, ReadLogEvent(c.log(), static_cast<uint64_t>(*rel.log_index)));
  auto check = ev.hashes.find("file_key_check");
  if (ev.type != ledger::event_type::kRelease || check == ev.hashes.end()) {
    return NotFoundError(what + " was sealed with a random file key the vault never kept");
  }
  CUSTODY_ASSIGN_OR_RETURN(auto data_key, c.vault().GetWrappedKey(store::KeyPurpose::Dataset(grant.dataset_id)));
  crypto::SecretBytes file_key = DeriveReleaseFileKey(data_key, release_id);
  if (FileKeyCheck(file_key) != check->second) {
    return DataLossError(what + ": the derived file key does not match the release event (log index " +
                         std::to_string(*rel.log_index) + ")");
  }
  ReleaseKeyGrant out;
  out.release_id = release_id;
  out.member_id = member_id;
  CUSTODY_ASSIGN_OR_RETURN(out.sealed_file_key, crypto::SealToPublicKey(member.public_key, file_key.view()));
  ledger::Event logged;
  logged.type = kReleaseKeyEvent;
  logged.subject = "release:" + ToString(release_id);
  logged.actor = actor;
  logged.details = {{"release_id", release_id}, {"member_id", member_id}, {"member", member.name},
                    {"request_id", request_id}};
  logged.hashes["recipient_key"] = Sha256Hex(member.public_key);
  CUSTODY_ASSIGN_OR_RETURN(out.log_index, c.Commit(std::move(logged)));
  return out;
}

}  // namespace custody::core
