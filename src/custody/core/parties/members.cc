// Members: catalog rows (table members), their events, and member key files.
#include <nlohmann/json.hpp>

#include "custody/base/encoding.h"
#include "custody/core/vault/logged_change.h"
#include "custody/core/vault/logged_rows.h"
#include "custody/core/parties/parties.h"
#include "custody/crypto/crypto.h"
#include "custody/ledger/event.h"
#include "custody/store/catalog.h"

namespace custody::core {
namespace {

std::string Trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

}  // namespace

Result<Member> AddMember(Custody& c, const MemberSpec& spec) {
  CUSTODY_RETURN_IF_ERROR(ValidateName("member name", spec.name));
  if (spec.email.find('@') == std::string::npos) {
    return InvalidArgumentError("email: expected an address with '@', found '" + spec.email + "'");
  }
  if (spec.public_key.size() != crypto::kX25519KeySize) {
    return InvalidArgumentError("public key: expected 32 bytes, found " +
                                std::to_string(spec.public_key.size()));
  }
  // An all-zero or small-order key would make every release encrypted to
  // this member readable by anyone.
  CUSTODY_RETURN_IF_ERROR(crypto::CheckX25519PublicKey(spec.public_key).WithPrefix("public_key"));
  CUSTODY_ASSIGN_OR_RETURN(Partner p, FindPartner(c, spec.partner));
  if (p.status != PartnerStatus::kActive) {
    return FailedPreconditionError("partner '" + p.name + "' is " +
                                   std::string(store::PartnerStatusName(p.status)) +
                                   "; members can be added only to an active partner");
  }
  if (FindMember(c, spec.name).ok()) return AlreadyExistsError("member '" + spec.name + "' already exists");
  Member m;
  m.partner_id = p.id;
  m.partner = p.name;
  m.name = spec.name;
  m.email = spec.email;
  m.public_key = spec.public_key;
  m.status = MemberStatus::kActive;
  m.created_at = c.clock()->Now();
  CUSTODY_RETURN_IF_ERROR(LoggedChange(c, [&](ledger::Event* ev) -> Status {
    CUSTODY_ASSIGN_OR_RETURN(m.id, c.catalog().members().Insert(m));
    ev->type = ledger::event_type::kMember;
    ev->subject = "member:" + spec.name;
    ev->details = {{"action", "add"}, {"member_id", m.id}, {"name", spec.name},
                   {"partner", p.name}, {"public_key", Base64Encode(spec.public_key)}};
    // What `release` and `vault check` compare the catalog's key with.
    ev->hashes["public_key"] = Sha256Hex(spec.public_key);
    return OkStatus();
  }).status());
  return m;
}

Status CheckMemberKeyLogged(Custody& c, const Member& m) {
  const std::string found = Sha256Hex(m.public_key);
  auto logged = FindMemberAddEvent(c, m.id);
  if (!logged.ok() && logged.status().code() == StatusCode::kNotFound) {
    return DataLossError("member '" + m.name + "' (id " + ToString(m.id) +
                         "): no member event in the custody log commits to their catalog row "
                         "(public key hash " + found + ")");
  }
  if (!logged.ok()) return logged.status();
  const std::optional<std::string> expected = LoggedPublicKeyHash(logged->event);
  if (!expected) return OkStatus();  // an event older than key commitments
  if (*expected != found) {
    return DataLossError("member '" + m.name + "': public key in the catalog does not match the "
                         "member event (log index " + std::to_string(logged->index) +
                         "): expected hash " + *expected + ", found " + found);
  }
  return OkStatus();
}

Result<std::vector<Member>> ListMembers(Custody& c, const std::string& partner) {
  PartnerId partner_id;
  if (!partner.empty()) {
    CUSTODY_ASSIGN_OR_RETURN(Partner p, FindPartner(c, partner));
    partner_id = p.id;
  }
  return c.catalog().members().List(partner_id);
}

Result<Member> FindMember(Custody& c, const std::string& name) {
  CUSTODY_ASSIGN_OR_RETURN(auto m, c.catalog().members().FindByName(name));
  if (!m) return NotFoundError("no member named '" + name + "'");
  return std::move(*m);
}

Result<Member> GetMember(Custody& c, MemberId id) {
  CUSTODY_ASSIGN_OR_RETURN(auto m, c.catalog().members().Get(id));
  if (!m) return NotFoundError("no member with id " + ToString(id));
  return std::move(*m);
}

Result<Member> RevokeMember(Custody& c, const std::string& name, const std::string& reason) {
  CUSTODY_ASSIGN_OR_RETURN(Member m, FindMember(c, name));
  if (m.status != MemberStatus::kActive) {
    return FailedPreconditionError("member '" + name + "' was already revoked on " +
                                   FormatRfc3339(m.revoked_at.value_or(Time())));
  }
  const Time now = c.clock()->Now();
  CUSTODY_RETURN_IF_ERROR(LoggedChange(c, [&](ledger::Event* ev) -> Status {
    CUSTODY_RETURN_IF_ERROR(c.catalog().members().Revoke(m.id, now));
    ev->type = ledger::event_type::kRevoke;
    ev->subject = "member:" + name;
    ev->details = {{"what", "member"}, {"member_id", m.id}, {"name", name}, {"partner", m.partner}};
    if (!reason.empty()) ev->details["reason"] = reason;
    return OkStatus();
  }).status());
  m.status = MemberStatus::kRevoked;
  m.revoked_at = now;
  return m;
}

Result<std::string> ParsePublicKey(Env* env, const std::string& text_or_file) {
  std::string text = text_or_file;
  std::string where = "public_key";
  if (env->FileExists(text_or_file)) {
    CUSTODY_ASSIGN_OR_RETURN(text, env->ReadFileToString(text_or_file));
    where = text_or_file + ":1";
  }
  text = Trim(text);
  auto raw = Base64Decode(text);
  if (!raw.ok() || raw->size() != crypto::kX25519KeySize) {
    return InvalidArgumentError(where + ": public key: expected base64 of 32 bytes, found " +
                                (raw.ok() ? std::to_string(raw->size()) + " bytes"
                                          : std::string("text that is not base64")));
  }
  return *raw;
}

Result<std::string> GenerateMemberKeyFile(Env* env, const std::string& path,
                                          const std::string& vault_dir) {
  if (path.empty()) return InvalidArgumentError("key_out: expected a file path");
  auto abs = [](const std::string& p) {
    char buf[4096];
    std::string dir = DirName(p);
    if (::realpath(dir.c_str(), buf) == nullptr) return p;
    return JoinPath(buf, BaseName(p));
  };
  const std::string a = abs(path);
  const std::string v = abs(JoinPath(vault_dir, "x"));
  const std::string vdir = DirName(v);
  if (a.compare(0, vdir.size() + 1, vdir + "/") == 0) {
    return InvalidArgumentError("key_out: expected a path outside the vault (the vault never "
                                "holds member secret keys), found " + path);
  }
  if (env->FileExists(path)) {
    return AlreadyExistsError("key_out: " + path + " exists; not overwriting a key");
  }
  crypto::X25519KeyPair kp = crypto::X25519Generate();
  std::string line = Base64Encode(kp.secret_key.view());
  line.push_back('\n');
  Status s = env->WriteFileAtomically(path, line, 0600);
  std::fill(line.begin(), line.end(), '\0');
  CUSTODY_RETURN_IF_ERROR(s);
  return kp.public_key;
}

Result<crypto::SecretBytes> ReadMemberSecretKey(Env* env, const std::string& path) {
  CUSTODY_ASSIGN_OR_RETURN(std::string text, env->ReadFileToString(path));
  std::string t = Trim(std::move(text));
  auto raw = Base64Decode(t);
  std::fill(t.begin(), t.end(), '\0');
  if (!raw.ok() || raw->size() != crypto::kX25519KeySize) {
    return InvalidArgumentError(path + ":1: secret key: expected base64 of 32 bytes");
  }
  auto key = crypto::SecretBytes::FromBytes(*raw);
  std::fill(raw->begin(), raw->end(), '\0');
  return key;
}

}  // namespace custody::core
