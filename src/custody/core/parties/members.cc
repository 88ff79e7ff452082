// Members: catalog rows (table members), their events, and member key files.
#include <nlohmann/json.hpp>

#include "custody/base/encoding.h"
#include "custody/core/parties/logged_change.h"
#include "custody/core/parties/parties.h"
#include "custody/crypto/crypto.h"
#include "custody/ledger/event.h"
#include "custody/store/catalog.h"

namespace custody::core {
namespace {

constexpr char kMemberColumns[] =
    "SELECT m.id, m.partner_id, p.name, m.name, m.email, m.public_key, m.status, m.created_at, "
    "m.revoked_at FROM members m JOIN partners p ON p.id = m.partner_id ";

Member ReadMember(const store::Stmt& st) {
  Member m;
  m.id = st.Int(0);
  m.partner_id = st.Int(1);
  m.partner = st.Text(2);
  m.name = st.Text(3);
  m.email = st.Text(4);
  auto pk = Base64Decode(st.Text(5));
  if (pk.ok()) m.public_key = *pk;
  m.status = st.Text(6);
  m.created_at = st.Int(7);
  if (!st.IsNull(8)) m.revoked_at = st.Int(8);
  return m;
}

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
    return InvalidArgumentError("--email: expected an address with '@', found '" + spec.email + "'");
  }
  if (spec.public_key.size() != crypto::kX25519KeySize) {
    return InvalidArgumentError("public key: expected 32 bytes, found " +
                                std::to_string(spec.public_key.size()));
  }
  CUSTODY_ASSIGN_OR_RETURN(Partner p, FindPartner(c, spec.partner));
  if (p.status != "active") {
    return FailedPreconditionError("partner '" + p.name + "' is " + p.status +
                                   "; members can be added only to an active partner");
  }
  if (FindMember(c, spec.name).ok()) return AlreadyExistsError("member '" + spec.name + "' already exists");
  const int64_t now = c.clock()->NowSeconds();
  auto& db = c.catalog().db();
  Member m;
  const std::string pk64 = Base64Encode(spec.public_key);
  CUSTODY_RETURN_IF_ERROR(LoggedChange(c, [&](ledger::Event* ev) -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto st, db.Prepare(
        "INSERT INTO members(partner_id, name, email, public_key, status, created_at) "
        "VALUES (?, ?, ?, ?, 'active', ?)"));
    CUSTODY_RETURN_IF_ERROR(
        st.Bind(1, p.id).Bind(2, spec.name).Bind(3, spec.email).Bind(4, pk64).Bind(5, now).Run());
    m.id = db.LastInsertId();
    ev->type = ledger::event_type::kMember;
    ev->subject = "member:" + spec.name;
    ev->details = {{"action", "add"}, {"member_id", m.id}, {"name", spec.name},
                   {"partner", p.name}, {"public_key", pk64}};
    return OkStatus();
  }).status());
  m.partner_id = p.id;
  m.partner = p.name;
  m.name = spec.name;
  m.email = spec.email;
  m.public_key = spec.public_key;
  m.status = "active";
  m.created_at = now;
  return m;
}

Result<std::vector<Member>> ListMembers(Custody& c, const std::string& partner) {
  std::string sql = std::string(kMemberColumns) + (partner.empty() ? "" : "WHERE p.name = ? ") + "ORDER BY m.name";
  if (!partner.empty()) CUSTODY_RETURN_IF_ERROR(FindPartner(c, partner).status());
  CUSTODY_ASSIGN_OR_RETURN(auto st, c.catalog().db().Prepare(sql));
  if (!partner.empty()) st.Bind(1, partner);
  std::vector<Member> out;
  while (true) {
    CUSTODY_ASSIGN_OR_RETURN(bool row, st.Step());
    if (!row) break;
    out.push_back(ReadMember(st));
  }
  return out;
}

Result<Member> FindMember(Custody& c, const std::string& name) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, c.catalog().db().Prepare(std::string(kMemberColumns) + "WHERE m.name = ?"));
  st.Bind(1, name);
  CUSTODY_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return NotFoundError("no member named '" + name + "'");
  return ReadMember(st);
}

Result<Member> GetMember(Custody& c, int64_t id) {
  CUSTODY_ASSIGN_OR_RETURN(auto st, c.catalog().db().Prepare(std::string(kMemberColumns) + "WHERE m.id = ?"));
  st.Bind(1, id);
  CUSTODY_ASSIGN_OR_RETURN(bool row, st.Step());
  if (!row) return NotFoundError("no member with id " + std::to_string(id));
  return ReadMember(st);
}

Result<Member> RevokeMember(Custody& c, const std::string& name, const std::string& reason) {
  CUSTODY_ASSIGN_OR_RETURN(Member m, FindMember(c, name));
  if (m.status != "active") {
    return FailedPreconditionError("member '" + name + "' was already revoked on " +
                                   FormatRfc3339(m.revoked_at.value_or(0)));
  }
  const int64_t now = c.clock()->NowSeconds();
  auto& db = c.catalog().db();
  CUSTODY_RETURN_IF_ERROR(LoggedChange(c, [&](ledger::Event* ev) -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto st, db.Prepare(
        "UPDATE members SET status = 'revoked', revoked_at = ? WHERE id = ?"));
    CUSTODY_RETURN_IF_ERROR(st.Bind(1, now).Bind(2, m.id).Run());
    ev->type = ledger::event_type::kRevoke;
    ev->subject = "member:" + name;
    ev->details = {{"what", "member"}, {"member_id", m.id}, {"name", name}, {"partner", m.partner}};
    if (!reason.empty()) ev->details["reason"] = reason;
    return OkStatus();
  }).status());
  m.status = "revoked";
  m.revoked_at = now;
  return m;
}

Result<std::string> ParsePublicKey(Env* env, const std::string& text_or_file) {
  std::string text = text_or_file;
  std::string where = "--public-key";
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
  if (path.empty()) return InvalidArgumentError("--key-out: expected a file path");
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
    return InvalidArgumentError("--key-out " + path +
                                ": expected a path outside the vault (the vault never holds member secret keys)");
  }
  if (env->FileExists(path)) {
    return AlreadyExistsError("--key-out " + path + ": the file exists; not overwriting a key");
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
