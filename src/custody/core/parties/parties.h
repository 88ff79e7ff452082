// Partners (organisations) and members (people at a partner, each with an
// X25519 public key): adding, listing, suspending, terminating, revoking.
// Names are unique and are how every command and report refers to them.
// Each change is one catalog transaction that commits only once its custody
// log event is durable (partner, member or revoke events; docs/releases.md).
// Thread-safety: as Custody (one thread at a time).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "custody/base/status.h"
#include "custody/core/vault/custody.h"
#include "custody/crypto/secret_bytes.h"
#include "custody/store/party_tables.h"

namespace custody::core {

// A partner and a member are their catalog rows (store/party_tables.h).
using Partner = store::PartnerRow;
using PartnerStatus = store::PartnerStatus;
using Member = store::MemberRow;
using MemberStatus = store::MemberStatus;

struct PartnerSpec {
  std::string name;
  std::string contact;
  std::string contract;
  std::string notes;
};

struct MemberSpec {
  std::string partner;
  std::string name;
  std::string email;
  std::string public_key;  // raw 32 bytes
};

// kInvalidArgument unless `name` is 1..128 of [A-Za-z0-9._@-].
Status ValidateName(std::string_view what, std::string_view name);

Result<Partner> AddPartner(Custody& custody, const PartnerSpec& spec);
Result<std::vector<Partner>> ListPartners(Custody& custody);
// kNotFound naming the partner if there is none.
Result<Partner> FindPartner(Custody& custody, const std::string& name);
Result<Partner> GetPartner(Custody& custody, PartnerId id);
// active -> suspended; kFailedPrecondition from any other state.
Result<Partner> SuspendPartner(Custody& custody, const std::string& name, const std::string& reason);
// suspended -> active.
Result<Partner> ResumePartner(Custody& custody, const std::string& name);

struct TerminateResult {
  Partner partner;
  std::vector<MemberId> revoked_members;
  std::vector<GrantId> revoked_grants;
  uint64_t log_index = 0;
};
// Terminates the partner and revokes all its active members and grants, in
// one transaction and one log event. Irreversible.
Result<TerminateResult> TerminatePartner(Custody& custody, const std::string& name,
                                         const std::string& reason);

// Adds a member to an active partner. kInvalidArgument ("public_key: ...")
// for a key that cannot be encrypted to: not 32 bytes, all zeros or a point
// of small order (crypto::CheckX25519PublicKey).
Result<Member> AddMember(Custody& custody, const MemberSpec& spec);
// Checks the member's public key in the catalog against the custody log:
// its SHA-256 must equal what the member's `member` add event commits to
// (LoggedPublicKeyHash, logged_rows.h). OK for an event that commits to no
// key (none are written so). kDataLoss naming the member, the log index and
// the expected and found hashes if they differ, or if the log holds no event
// for the member at all (a row planted in the catalog).
Status CheckMemberKeyLogged(Custody& custody, const Member& member);
Result<std::vector<Member>> ListMembers(Custody& custody, const std::string& partner = "");
Result<Member> FindMember(Custody& custody, const std::string& name);
Result<Member> GetMember(Custody& custody, MemberId id);
// Revokes an active member (their grants release nothing more).
Result<Member> RevokeMember(Custody& custody, const std::string& name, const std::string& reason);

// Parses a member public key given as base64 text (32 bytes decoded), or the
// path of a file holding such text. kInvalidArgument naming what was found.
Result<std::string> ParsePublicKey(Env* env, const std::string& text_or_file);
// Generates a key pair, writes the secret key (base64 line) to `path` with
// mode 0600 (kAlreadyExists if the file exists; kInvalidArgument if `path`
// is inside `vault_dir`) and returns the public key. custody keeps no copy.
Result<std::string> GenerateMemberKeyFile(Env* env, const std::string& path,
                                          const std::string& vault_dir);
// Reads a member secret key file (base64 of 32 bytes).
Result<crypto::SecretBytes> ReadMemberSecretKey(Env* env, const std::string& path);

}  // namespace custody::core
