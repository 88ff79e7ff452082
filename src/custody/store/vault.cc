#include "custody/store/vault.h"

#include <sodium.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <sstream>
#include <vector>
#include <toml++/toml.h>

#include "custody/base/encoding.h"
#include "custody/base/output_file.h"
#include "custody/crypto/crypto.h"
#include "custody/store/catalog.h"
#include "custody/store/vault_format.h"

namespace custody::store {
namespace {

std::string AbsPath(const std::string& p) {
  if (!p.empty() && p[0] == '/') return p;
  char* cwd = ::getcwd(nullptr, 0);
  std::string out = cwd ? JoinPath(cwd, p) : p;
  std::free(cwd);
  return out;
}

// `p` made absolute, with symbolic links, "." and ".." resolved as far as it
// exists and the rest normalized as text: two spellings of one place (a
// relative path, "vault/../vault", a link to the vault) come out equal.
std::string ResolvedPath(const std::string& p) {
  std::string existing = AbsPath(p);
  std::vector<std::string> rest;  // missing components, last first
  char buf[PATH_MAX];
  while (::realpath(existing.c_str(), buf) == nullptr) {
    const std::string parent = DirName(existing);
    if (parent == existing) return AbsPath(p);
    rest.push_back(BaseName(existing));
    existing = parent;
  }
  std::string out = buf;
  for (auto it = rest.rbegin(); it != rest.rend(); ++it) {
    if (*it == "." || it->empty()) continue;
    if (*it == "..") {
      out = DirName(out);
    } else {
      out = JoinPath(out, *it);
    }
  }
  return out;
}

bool IsInside(const std::string& path, const std::string& dir) {
  std::string d = ResolvedPath(dir);
  std::string p = ResolvedPath(path);
  if (d.back() != '/') d += '/';
  return p.compare(0, d.size(), d) == 0;
}

Status KeyFileOutsideVault(const std::string& key_file, const std::string& dir) {
  if (!IsInside(key_file, dir)) return OkStatus();
  return InvalidArgumentError("the master key file " + key_file +
                              " must live outside the vault directory " + dir +
                              " (a copy of the vault must not carry its key)");
}

// The permission check of ssh for private keys: a key file that the group or
// others may read or write is refused, naming the fix.
Status CheckKeyFileMode(Env* env, const std::string& path) {
  CUSTODY_ASSIGN_OR_RETURN(FileInfo info, env->GetFileInfo(path, /*follow_symlinks=*/true));
  if (info.kind != FileKind::kRegular) {
    return InvalidArgumentError("master key file " + path + " is not a regular file");
  }
  if ((info.mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof(mode), "%04o", info.mode & 07777);
    return PermissionDeniedError("master key file " + path + " has mode " + mode +
                                 ": group or others may access it; run `chmod 600 " + path + "`");
  }
  return OkStatus();
}

std::string ResolveKeyFile(const KeyOptions& keys, const std::string& vault_id) {
  if (!keys.key_file.empty()) return keys.key_file;
  if (const char* e = std::getenv("CUSTODY_KEY_FILE"); e != nullptr && *e != '\0') return e;
  return DefaultKeyFilePath(vault_id);
}

Status ValidPurpose(const std::string& purpose) {
  if (purpose.empty() || purpose.size() > 100) {
    return InvalidArgumentError("key purpose must be 1..100 characters");
  }
  for (char c : purpose) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == ':' ||
          c == '.')) {
      return InvalidArgumentError("key purpose '" + purpose + "' has a character outside [A-Za-z0-9-_:.]");
    }
  }
  return OkStatus();
}

// Key file: "custody-master-key v1\nvault: ID\nkind: raw|argon2id\n..." (docs/formats/vault.md).
Result<std::map<std::string, std::string>> ParseKeyFile(const std::string& path,
                                                        const std::string& text) {
  std::istringstream in(text);
  std::string line;
  if (!std::getline(in, line) || line != kKeyFileMagic) {
    // A wrong key (a member's secret key file, say), not malformed input.
    return UnauthenticatedError(path + ":1: expected '" + std::string(kKeyFileMagic) +
                                "', found something else: not a custody master key file (a member's "
                                "secret key? the master key file is the one `custody init` wrote)");
  }
  std::map<std::string, std::string> kv;
  int n = 1;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) continue;
    auto pos = line.find(": ");
    if (pos == std::string::npos) {
      return InvalidArgumentError(path + ":" + std::to_string(n) + ": expected 'name: value'");
    }
    kv[line.substr(0, pos)] = line.substr(pos + 2);
  }
  for (const char* k : {"vault", "kind", "key"}) {
    if (!kv.count(k)) return InvalidArgumentError(path + ": missing field '" + k + "'");
  }
  return kv;
}

Result<std::string> KeyFileFor(const std::string& vault_id, const crypto::SecretBytes& master,
                               const std::optional<crypto::SecretBytes>& passphrase) {
  std::string out = std::string(kKeyFileMagic) + "\nvault: " + vault_id + "\n";
  if (!passphrase) {
    out += std::string("kind: ") + kKeyKindRaw + "\nkey: " + Base64Encode(master.view()) + "\n";
    return out;
  }
  crypto::Argon2Params p;
  std::string salt = crypto::RandomString(crypto::kArgon2SaltSize);
  CUSTODY_ASSIGN_OR_RETURN(auto kek, crypto::Argon2idDerive(passphrase->view(), salt, p));
  CUSTODY_ASSIGN_OR_RETURN(std::string sealed, crypto::AeadSeal(kek, master.view(), vault_id));
  out += std::string("kind: ") + kKeyKindArgon2id + "\nsalt: " + Base64Encode(salt) +
         "\nops: " + std::to_string(p.ops_limit) + "\nmem: " + std::to_string(p.mem_limit) +
         "\nkey: " + Base64Encode(sealed) + "\n";
  return out;
}

Result<crypto::SecretBytes> UnlockKeyFile(Env* env, const std::string& path,
                                          const std::string& vault_id,
                                          const std::optional<crypto::SecretBytes>& passphrase) {
  if (!env->FileExists(path)) {
    return UnauthenticatedError("master key file " + path +
                                " not found (give --key-file or set CUSTODY_KEY_FILE)");
  }
  CUSTODY_RETURN_IF_ERROR(CheckKeyFileMode(env, path));
  CUSTODY_ASSIGN_OR_RETURN(std::string text, env->ReadFileToString(path));
  CUSTODY_ASSIGN_OR_RETURN(auto kv, ParseKeyFile(path, text));
  sodium_memzero(text.data(), text.size());
  if (kv["vault"] != vault_id) {
    return UnauthenticatedError(path + ": this key belongs to vault " + kv["vault"] +
                                ", not to this vault (" + vault_id + ")");
  }
  auto decoded = Base64Decode(kv["key"]);
  if (!decoded.ok()) return InvalidArgumentError(path + ": field 'key': " + decoded.status().message());
  if (kv["kind"] == kKeyKindRaw) {
    if (decoded->size() != 32) {
      return InvalidArgumentError(path + ": field 'key': expected 32 bytes, found " +
                                  std::to_string(decoded->size()));
    }
    auto key = crypto::SecretBytes::FromBytes(*decoded);
    sodium_memzero(decoded->data(), decoded->size());
    return key;
  }
  if (kv["kind"] != kKeyKindArgon2id) {
    return InvalidArgumentError(path + ": field 'kind': expected 'raw' or 'argon2id', found '" +
                                kv["kind"] + "'");
  }
  if (!passphrase) {
    return UnauthenticatedError(path + " is sealed with a passphrase: give --passphrase "
                                "(CUSTODY_PASSPHRASE or a prompt)");
  }
  auto salt = Base64Decode(kv["salt"]);
  if (!salt.ok()) return InvalidArgumentError(path + ": field 'salt': " + salt.status().message());
  crypto::Argon2Params p;
  p.ops_limit = std::strtoull(kv["ops"].c_str(), nullptr, 10);
  p.mem_limit = std::strtoull(kv["mem"].c_str(), nullptr, 10);
  if (p.ops_limit == 0 || p.mem_limit == 0 || p.mem_limit > (4ull << 30)) {
    return InvalidArgumentError(path + ": fields 'ops'/'mem': invalid Argon2id cost");
  }
  CUSTODY_ASSIGN_OR_RETURN(auto kek, crypto::Argon2idDerive(passphrase->view(), *salt, p));
  auto master = crypto::AeadOpenSecret(kek, *decoded, vault_id);
  if (!master.ok()) return UnauthenticatedError("wrong passphrase for " + path);
  return master;
}

// A catalog URI fit to record in custody.toml: a PostgreSQL URI without a
// password. `where` names its source in errors.
Status CheckCatalogUri(const std::string& uri, const std::string& where) {
  if (!IsPostgresLocation(uri)) {
    return InvalidArgumentError(where + ": expected a postgresql:// connection URI, found '" +
                                RedactCatalogLocation(uri) + "'");
  }
  if (CatalogLocationHasPassword(uri)) {
    return InvalidArgumentError(where + ": the URI " + RedactCatalogLocation(uri) +
                                " holds a password, which custody would have "
                                "to write into custody.toml; give it "
                                "through ~/.pgpass (PGPASSFILE) or PGPASSWORD "
                                "instead, or connect by Unix socket");
  }
  for (char c : uri) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      return InvalidArgumentError(where + ": the URI holds a control character");
    }
  }
  return OkStatus();
}

// `s` as a TOML basic string, quotes included (no control characters).
std::string TomlString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// Claims a new catalog for vault `vault_id` (meta "vault_id"), unless it
// already belongs to a vault: kAlreadyExists naming that vault.
Status ClaimCatalog(Catalog& catalog, const std::string& vault_id, const std::string& shown) {
  return catalog.Transaction([&]() -> Status {
    CUSTODY_ASSIGN_OR_RETURN(auto owner, catalog.GetMeta(kCatalogVaultIdKey));
    if (owner && *owner != vault_id) {
      return AlreadyExistsError("catalog " + shown + " already holds the catalog of vault " +
                                *owner + "; give each vault a database of its own");
    }
    return catalog.SetMeta(kCatalogVaultIdKey, vault_id);
  });
}

}  // namespace

std::string DefaultKeyFilePath(const std::string& vault_id) {
  std::string base;
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x != nullptr && *x != '\0') {
    base = x;
  } else if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0') {
    base = JoinPath(h, ".config");
  } else {
    base = ".";
  }
  return JoinPath(JoinPath(base, "custody/keys"), vault_id + ".key");
}

Vault::~Vault() = default;

std::string Vault::catalog_location() const {
  return config_.catalog_uri.empty() ? JoinPath(dir_, kCatalogFile) : config_.catalog_uri;
}

std::string Vault::records_dir() const { return JoinPath(dir_, kRecordsDir); }
std::string Vault::index_dir() const { return JoinPath(dir_, kIndexDir); }
std::string Vault::log_dir() const { return JoinPath(dir_, kLogDir); }
std::string Vault::keys_dir() const { return JoinPath(dir_, kKeysDir); }

std::string Vault::KeyPath(const std::string& purpose) const {
  std::string name = purpose;
  for (char& c : name) {
    if (c == ':') c = '_';
  }
  return JoinPath(keys_dir(), name + kWrappedKeySuffix);
}

Result<std::unique_ptr<Vault>> Vault::Create(const std::string& dir, const InitOptions& options) {
  crypto::EnsureSodium();
  Env* env = options.env ? options.env : Env::Default();
  if (env->FileExists(JoinPath(dir, kConfigFile))) {
    return AlreadyExistsError(dir + " is already a custody vault");
  }
  if (env->IsDirectory(dir)) {
    CUSTODY_ASSIGN_OR_RETURN(auto kids, env->GetChildren(dir));
    if (!kids.empty()) return FailedPreconditionError(dir + " exists and is not empty");
  } else if (env->FileExists(dir)) {
    return FailedPreconditionError(dir + " exists and is not a directory");
  }
  // A PostgreSQL catalog is checked (and its schema made) before anything is
  // written: a refused URI or a database that holds another vault's
  // catalog leaves no directory or key file behind.
  std::unique_ptr<Catalog> pg_catalog;
  if (!options.catalog.empty()) {
    CUSTODY_RETURN_IF_ERROR(CheckCatalogUri(options.catalog, "--catalog"));
    CUSTODY_ASSIGN_OR_RETURN(pg_catalog, Catalog::Open(options.catalog, true));
    CUSTODY_ASSIGN_OR_RETURN(auto owner, pg_catalog->GetMeta(kCatalogVaultIdKey));
    if (owner) {
      return AlreadyExistsError("catalog " + RedactCatalogLocation(options.catalog) +
                                " already holds the catalog of vault " + *owner +
                                "; give each vault a database of its own");
    }
  }
  std::string vault_id = HexEncode(crypto::RandomString(8));
  std::string key_file = ResolveKeyFile(options.keys, vault_id);
  CUSTODY_RETURN_IF_ERROR(KeyFileOutsideVault(key_file, dir));
  if (env->FileExists(key_file)) {
    return AlreadyExistsError("master key file " + key_file + " already exists; refusing to overwrite it");
  }
  // The key file's temporary sibling is made first (exclusively, mode 0600,
  // never through a planted file or link), so a key location that cannot be
  // written fails before the vault directory exists.
  CUSTODY_RETURN_IF_ERROR(env->CreateDirs(DirName(key_file), 0700));
  OutputOptions key_output;
  key_output.field = "master key file";
  CUSTODY_ASSIGN_OR_RETURN(auto key_out, OutputFile::Create(env, key_file, key_output));
  auto v = std::unique_ptr<Vault>(new Vault());
  v->dir_ = dir;
  v->env_ = env;
  v->clock_ = options.clock ? options.clock : Clock::System();
  v->key_file_ = key_file;
  v->config_.vault_id = vault_id;
  v->config_.log_origin =
      options.log_origin.empty() ? "custody.local/" + vault_id : options.log_origin;
  for (const char* sub : {"", kKeysDir, kRecordsDir, kIndexDir, kLogDir}) {
    CUSTODY_RETURN_IF_ERROR(env->CreateDirs(JoinPath(dir, sub), 0700));
  }
  CUSTODY_ASSIGN_OR_RETURN(v->lock_, env->LockFile(JoinPath(dir, kLockFile)));
  v->sole_ = true;

  // Master key, written outside the vault first (0600, directory 0700).
  v->master_key_ = crypto::SecretBytes::Random(32);
  CUSTODY_ASSIGN_OR_RETURN(std::string key_text,
                           KeyFileFor(vault_id, v->master_key_, options.keys.passphrase));
  Status ks = key_out->file()->Append(key_text);
  sodium_memzero(key_text.data(), key_text.size());
  if (ks.ok()) ks = key_out->Commit();
  CUSTODY_RETURN_IF_ERROR(ks);

  CUSTODY_ASSIGN_OR_RETURN(std::string check,
                           crypto::AeadSeal(v->master_key_, kMasterCheckPlaintext, vault_id));
  CUSTODY_RETURN_IF_ERROR(
      env->WriteFileAtomically(JoinPath(v->keys_dir(), kMasterCheckFile), check, 0600));

  // The log signing key: wrapped seed + public key in the clear.
  CUSTODY_ASSIGN_OR_RETURN(auto seed, v->CreateWrappedKey(KeyPurpose::LogSigning()));
  CUSTODY_ASSIGN_OR_RETURN(auto kp, crypto::Ed25519FromSeed(seed));
  v->log_public_key_ = kp.public_key;
  CUSTODY_RETURN_IF_ERROR(env->WriteFileAtomically(JoinPath(v->keys_dir(), kLogPublicKeyFile),
                                                   Base64Encode(kp.public_key) + "\n", 0644));

  v->config_.catalog_uri = options.catalog;
  if (pg_catalog) {
    v->catalog_ = std::move(pg_catalog);
  } else {
    CUSTODY_ASSIGN_OR_RETURN(v->catalog_, Catalog::Open(JoinPath(dir, kCatalogFile), true));
  }
  CUSTODY_RETURN_IF_ERROR(
      ClaimCatalog(*v->catalog_, vault_id, RedactCatalogLocation(v->catalog_location())));

  // custody.toml last: its presence marks a complete vault.
  std::string toml = "# custody vault settings (docs/formats/vault.md)\n[vault]\nid = \"" +
                     vault_id + "\"\nformat_version = 1\n\n[log]\norigin = \"" +
                     v->config_.log_origin + "\"\n";
  if (!options.catalog.empty()) {
    toml += "\n[catalog]\nuri = " + TomlString(options.catalog) + "\n";
  }
  CUSTODY_RETURN_IF_ERROR(env->WriteFileAtomically(JoinPath(dir, kConfigFile), toml, 0644));
  return v;
}

Result<std::unique_ptr<Vault>> Vault::Open(const std::string& dir, const OpenOptions& options) {
  crypto::EnsureSodium();
  Env* env = options.env ? options.env : Env::Default();
  std::string cfg_path = JoinPath(dir, kConfigFile);
  if (!env->FileExists(cfg_path)) {
    return NotFoundError(dir + " is not a custody vault (no " + kConfigFile +
                         "); create one with `custody init " + dir + "`");
  }
  auto v = std::unique_ptr<Vault>(new Vault());
  v->dir_ = dir;
  v->env_ = env;
  v->clock_ = options.clock ? options.clock : Clock::System();
  CUSTODY_ASSIGN_OR_RETURN(std::string cfg_text, env->ReadFileToString(cfg_path));
  try {
    toml::table t = toml::parse(cfg_text, cfg_path);
    auto id = t["vault"]["id"].value<std::string>();
    auto origin = t["log"]["origin"].value<std::string>();
    if (!id) return InvalidArgumentError(cfg_path + ": [vault] id: expected a string, found none");
    if (!origin) return InvalidArgumentError(cfg_path + ": [log] origin: expected a string, found none");
    v->config_.vault_id = *id;
    v->config_.log_origin = *origin;
    v->config_.format_version = t["vault"]["format_version"].value_or(1);
    if (auto cat = t["catalog"]; cat) {
      auto uri = cat["uri"].value<std::string>();
      if (!uri)
        return InvalidArgumentError(cfg_path + ": [catalog] uri: expected a string, found none");
      CUSTODY_RETURN_IF_ERROR(CheckCatalogUri(*uri, cfg_path + ": [catalog] uri"));
      v->config_.catalog_uri = *uri;
    }
  } catch (const toml::parse_error& e) {
    return InvalidArgumentError(cfg_path + ":" + std::to_string(e.source().begin.line) + ": " +
                                std::string(e.description()));
  }
  if (v->config_.format_version != 1) {
    return FailedPreconditionError(cfg_path + ": format_version: expected 1, found " +
                                   std::to_string(v->config_.format_version));
  }
  CUSTODY_ASSIGN_OR_RETURN(std::string pub_b64,
                           env->ReadFileToString(JoinPath(v->keys_dir(), kLogPublicKeyFile)));
  while (!pub_b64.empty() && (pub_b64.back() == '\n' || pub_b64.back() == '\r')) pub_b64.pop_back();
  auto pub = Base64Decode(pub_b64);
  if (!pub.ok() || pub->size() != 32) {
    return DataLossError(JoinPath(v->keys_dir(), kLogPublicKeyFile) + ": expected a base64 Ed25519 public key");
  }
  v->log_public_key_ = *pub;
  if (!options.without_key) {
    const std::string lock_path = JoinPath(dir, kLockFile);
    if (!v->shared()) {
      CUSTODY_ASSIGN_OR_RETURN(v->lock_, env->LockFile(lock_path));
      v->sole_ = true;
    } else {
      // Several processes may write a vault whose catalog is on PostgreSQL:
      // each holds DIR/LOCK shared while it has the vault open, and the one
      // that finds no other holder has it exclusively until ShareLock (for
      // crash recovery, which must not take another process's work in
      // flight for a crashed one's).
      auto alone = env->AcquireLock(lock_path, LockMode::kExclusive, /*wait=*/false);
      if (alone.ok()) {
        v->lock_ = std::move(*alone);
        v->sole_ = true;
      } else if (alone.status().code() == StatusCode::kUnavailable) {
        CUSTODY_ASSIGN_OR_RETURN(v->lock_, env->AcquireLock(lock_path, LockMode::kShared, /*wait=*/true));
      } else {
        return alone.status();
      }
    }
    v->key_file_ = ResolveKeyFile(options.keys, v->config_.vault_id);
    CUSTODY_RETURN_IF_ERROR(KeyFileOutsideVault(v->key_file_, dir));
    CUSTODY_ASSIGN_OR_RETURN(v->master_key_, UnlockKeyFile(env, v->key_file_, v->config_.vault_id,
                                                           options.keys.passphrase));
    CUSTODY_ASSIGN_OR_RETURN(std::string check,
                             env->ReadFileToString(JoinPath(v->keys_dir(), kMasterCheckFile)));
    auto opened = crypto::AeadOpen(v->master_key_, check, v->config_.vault_id);
    if (!opened.ok() || *opened != kMasterCheckPlaintext) {
      return UnauthenticatedError("the master key in " + v->key_file_ + " does not unlock this vault");
    }
  }
  if (!options.without_key) {
    // Temporary files of atomic writes a killed process left behind (the
    // lock is ours, so no other custody process is writing them). Best
    // effort: a leftover is harmless, and opening must not fail for it.
    for (const std::string& d : {dir, v->keys_dir(), v->index_dir()}) {
      env->RemoveAbandonedTempFiles(d).status().IgnoreError();
    }
  }
  CUSTODY_ASSIGN_OR_RETURN(v->catalog_, Catalog::Open(v->catalog_location(), false));
  // The catalog must be this vault's: a URI edited to point at another
  // vault's database would pair its history with the wrong log.
  CUSTODY_ASSIGN_OR_RETURN(auto owner, v->catalog_->GetMeta(kCatalogVaultIdKey));
  if (owner && *owner != v->config_.vault_id) {
    return FailedPreconditionError("catalog " + RedactCatalogLocation(v->catalog_location()) +
                                   " belongs to vault " + *owner + ", not to vault " +
                                   v->config_.vault_id + " (" + cfg_path + ")");
  }
  return v;
}

Status Vault::ShareLock() {
  if (!shared() || !sole_ || !lock_) return OkStatus();
  lock_.reset();
  sole_ = false;
  CUSTODY_ASSIGN_OR_RETURN(lock_, env_->AcquireLock(JoinPath(dir_, kLockFile), LockMode::kShared,
                                                    /*wait=*/true));
  return OkStatus();
}

Result<crypto::SecretBytes> Vault::LogSigningSeed() const {
  return GetWrappedKey(KeyPurpose::LogSigning());
}

Result<crypto::SecretBytes> Vault::CreateWrappedKey(const KeyPurpose& key_purpose) {
  const std::string& purpose = key_purpose.name();
  CUSTODY_RETURN_IF_ERROR(ValidPurpose(purpose));
  if (!has_master_key()) return UnauthenticatedError("the vault was opened without its master key");
  std::string path = KeyPath(purpose);
  if (env_->FileExists(path)) return AlreadyExistsError("key '" + purpose + "' already exists");
  auto key = crypto::SecretBytes::Random(32);
  CUSTODY_ASSIGN_OR_RETURN(
      std::string wrapped,
      crypto::AeadSeal(master_key_, key.view(), kWrapAdPrefix + config_.vault_id + ":" + purpose));
  // Never over a key another process made meanwhile (a shared vault): the
  // rename does not replace, and the loser reads the winner's key.
  OutputOptions o;
  o.mode = 0600;
  o.field = "key '" + purpose + "'";
  CUSTODY_ASSIGN_OR_RETURN(auto out, OutputFile::Create(env_, path, o));
  CUSTODY_RETURN_IF_ERROR(out->file()->Append(wrapped));
  Status committed = out->Commit();
  if (committed.code() == StatusCode::kAlreadyExists) {
    return AlreadyExistsError("key '" + purpose + "' already exists");
  }
  CUSTODY_RETURN_IF_ERROR(committed);
  return key;
}

Result<crypto::SecretBytes> Vault::GetWrappedKey(const KeyPurpose& key_purpose) const {
  const std::string& purpose = key_purpose.name();
  CUSTODY_RETURN_IF_ERROR(ValidPurpose(purpose));
  if (!has_master_key()) return UnauthenticatedError("the vault was opened without its master key");
  std::string path = KeyPath(purpose);
  if (!env_->FileExists(path)) return NotFoundError("key '" + purpose + "' does not exist");
  CUSTODY_ASSIGN_OR_RETURN(std::string wrapped, env_->ReadFileToString(path));
  auto key = crypto::AeadOpenSecret(master_key_, wrapped,
                                    kWrapAdPrefix + config_.vault_id + ":" + purpose);
  if (!key.ok()) return DataLossError(path + ": wrapped key failed authentication (tampered)");
  return key;
}

Result<crypto::SecretBytes> Vault::GetOrCreateWrappedKey(const KeyPurpose& key_purpose) {
  const std::string& purpose = key_purpose.name();
  (void)purpose;
  auto k = GetWrappedKey(key_purpose);
  if (k.ok() || k.status().code() != StatusCode::kNotFound) return k;
  auto created = CreateWrappedKey(key_purpose);
  // Another process made it first: use that one.
  if (created.status().code() == StatusCode::kAlreadyExists) return GetWrappedKey(key_purpose);
  return created;
}

Status Vault::DestroyWrappedKey(const KeyPurpose& key_purpose) {
  const std::string& purpose = key_purpose.name();
  CUSTODY_RETURN_IF_ERROR(ValidPurpose(purpose));
  std::string path = KeyPath(purpose);
  if (!env_->FileExists(path)) return NotFoundError("key '" + purpose + "' does not exist");
  CUSTODY_ASSIGN_OR_RETURN(uint64_t size, env_->GetFileSize(path));
  {
    // Overwrite in place before unlinking; the guarantee rests on the key never
    // having existed unwrapped on disk (docs/formats/vault.md explains limits).
    CUSTODY_ASSIGN_OR_RETURN(auto f, env_->NewWritableFile(path, 0600));
    CUSTODY_RETURN_IF_ERROR(f->Append(crypto::RandomString(size)));
    CUSTODY_RETURN_IF_ERROR(f->Sync());
    CUSTODY_RETURN_IF_ERROR(f->Close());
  }
  CUSTODY_RETURN_IF_ERROR(env_->RemoveFile(path));
  return env_->SyncDir(keys_dir());
}

}  // namespace custody::store
