// Verifying an open vault's custody log; see log_verify.h.
#include "custody/core/vault/log_verify.h"

#include "custody/ledger/checkpoint.h"
#include "custody/ledger/log_format.h"

namespace custody::core {
namespace {

// The earlier checkpoints the log must extend: the caller's files, then the
// signer's own memory of what it last signed.
Result<std::vector<std::pair<std::string, std::string>>> Witnesses(
    Custody& custody, const std::vector<std::string>& files) {
  Env* env = custody.env();
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : files) {
    CUSTODY_ASSIGN_OR_RETURN(std::string note, env->ReadFileToString(f));
    out.emplace_back(f, std::move(note));
  }
  const std::string state = JoinPath(custody.vault().keys_dir(), "log-signer-state");
  if (env->FileExists(state)) {
    CUSTODY_ASSIGN_OR_RETURN(std::string note, env->ReadFileToString(state));
    out.emplace_back("keys/log-signer-state", std::move(note));
  }
  return out;
}

}  // namespace

ledger::NoteVerifierKey LogVerifierKey(const Custody& custody) {
  const store::Vault& v = custody.vault();
  const std::string& origin = v.config().log_origin;
  return ledger::NoteVerifierKey{origin, ledger::NoteKeyId(origin, v.log_public_key()),
                                 v.log_public_key()};
}

Result<ledger::VerifyReport> VerifyCustodyLog(
    Custody& custody, const std::vector<std::string>& earlier_checkpoint_files,
    const std::optional<ledger::NoteVerifierKey>& pinned_key) {
  ledger::VerifyOptions o;
  CUSTODY_ASSIGN_OR_RETURN(o.earlier_checkpoints, Witnesses(custody, earlier_checkpoint_files));
  const ledger::NoteVerifierKey key = pinned_key ? *pinned_key : LogVerifierKey(custody);
  Env* env = custody.env();
  const std::string cp = JoinPath(custody.vault().log_dir(), ledger::kCheckpointFile);
  auto read_cp = [&]() {
    auto note = env->ReadFileToString(cp);
    return note.ok() ? *note : std::string();
  };
  constexpr int kAttempts = 5;
  Result<ledger::VerifyReport> report = InternalError("log verify: not run");
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    const std::string before = read_cp();
    report = ledger::VerifyLog(env, custody.vault().log_dir(), key, o);
    if (!report.ok() || report->ok() || read_cp() == before) break;
  }
  return report;
}

}  // namespace custody::core
