// Vault: custody's embedded store, a directory laid out as in
// docs/formats/vault.md:
//   custody.toml   settings (log origin, policies)
//   catalog.db     SQLite catalog (WAL), unless custody.toml names a
//                  PostgreSQL catalog
//   keys/          wrapped data keys, the log signing key (wrapped), log.pub
//   records/       encrypted, zstd-compressed record segments
//   index/         sketch index files
//   log/           the custody log (C2SP tlog-tiles)
// The master key lives outside the vault directory (a 0600 key file, or a
// passphrase-sealed key file); every other key is wrapped by it.
// Thread-safety: a Vault is used by one thread at a time; a process holds an
// exclusive lock on DIR/LOCK while it has the vault open for writing.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "custody/base/clock.h"
#include "custody/base/env.h"
#include "custody/base/ids.h"
#include "custody/base/status.h"
#include "custody/crypto/secret_bytes.h"
#include "custody/store/vault_format.h"

namespace custody::store {

class Catalog;

// How the master key is found and unlocked.
struct KeyOptions {
  KeyOptions() = default;
  // Copies clone the passphrase (SecretBytes is move-only by design).
  KeyOptions(const KeyOptions& o) : key_file(o.key_file) { CopyPassphrase(o); }
  KeyOptions& operator=(const KeyOptions& o) {
    if (this != &o) {
      key_file = o.key_file;
      CopyPassphrase(o);
    }
    return *this;
  }
  KeyOptions(KeyOptions&&) noexcept = default;
  KeyOptions& operator=(KeyOptions&&) noexcept = default;

  // Path of the master key file. Empty: $CUSTODY_KEY_FILE, else
  // $XDG_CONFIG_HOME/custody/keys/<vault-id>.key (~/.config/... by default).
  std::string key_file;
  // If set, the key file holds the master key sealed with this passphrase
  // (Argon2id + XChaCha20-Poly1305) instead of the raw key. A secret: held
  // in locked, wiped memory, never logged.
  std::optional<crypto::SecretBytes> passphrase;

 private:
  void CopyPassphrase(const KeyOptions& o) {
    passphrase.reset();
    if (o.passphrase) passphrase = o.passphrase->Clone();
  }
};

struct InitOptions {
  KeyOptions keys;
  std::string log_origin;  // empty: "custody.local/<vault-id>"
  // The catalog: empty for SQLite in DIR/catalog.db (the default), else a
  // PostgreSQL connection URI (postgresql://...) of a database holding no
  // custody catalog yet. Recorded in custody.toml; it must carry no
  // password (give that through ~/.pgpass, PGPASSFILE or PGPASSWORD).
  std::string catalog;
  Env* env = nullptr;      // nullptr: Env::Default()
  Clock* clock = nullptr;  // nullptr: Clock::System()
};

struct OpenOptions {
  KeyOptions keys;
  // Open without unlocking the master key (read-only metadata: listing,
  // log verification). Operations that need a key then fail kUnauthenticated.
  bool without_key = false;
  Env* env = nullptr;
  Clock* clock = nullptr;
};

struct VaultConfig {
  std::string vault_id;    // random, hex; names the default key file
  std::string log_origin;  // the checkpoint origin line
  int format_version = 1;
  // custody.toml [catalog] uri: the PostgreSQL catalog's connection URI, or
  // empty for the SQLite catalog DIR/catalog.db. Never holds a password.
  std::string catalog_uri;
};

// What a wrapped key is for: one key file (keys/<name>.key) per purpose, and
// the purpose is bound into the key's wrapping (AEAD associated data), so a
// key file renamed to another purpose does not open. The purposes are a
// closed set; a misspelt purpose is a compile error, not a new key.
class KeyPurpose {
 public:
  static KeyPurpose Mark() { return KeyPurpose("mark"); }            // variant marks
  static KeyPurpose Canary() { return KeyPurpose("canary"); }        // sealing canaries
  static KeyPurpose Selection() { return KeyPurpose("selection"); }  // sampled grants
  static KeyPurpose Release() { return KeyPurpose("release"); }      // shuffles, canary sources
  static KeyPurpose Index() { return KeyPurpose("index"); }          // sketch indexes
  static KeyPurpose Evidence() { return KeyPurpose("evidence"); }    // audit evidence, certificates
  static KeyPurpose LogSigning() { return KeyPurpose(kLogSigningPurpose); }
  // The records of one dataset (destroyed by a shred).
  static KeyPurpose Dataset(DatasetId dataset_id) {
    return KeyPurpose("dataset:" + ToString(dataset_id));
  }

  // The stored name ("mark", "dataset:7"), as in key files and messages.
  const std::string& name() const { return name_; }

 private:
  explicit KeyPurpose(std::string name) : name_(std::move(name)) {}
  std::string name_;
};

class Vault {
 public:
  ~Vault();
  Vault(const Vault&) = delete;
  Vault& operator=(const Vault&) = delete;

  // Creates a new vault in `dir` (which must not exist or be empty) and its
  // catalog (options.catalog: SQLite by default, or PostgreSQL; a URI with
  // a password is kInvalidArgument, a database already holding a custody
  // catalog kAlreadyExists, both before anything is written), and its
  // master key file, mode 0600 in a 0700 directory, written through an
  // OutputFile (base/output_file.h: an exclusive temporary sibling, never
  // through a planted file or symbolic link). Fails kAlreadyExists if `dir`
  // is a vault already or the key file exists; kFailedPrecondition if the
  // key file's path is a symbolic link; kInvalidArgument if the key file
  // would be inside `dir` (symbolic links and ".." resolved).
  static Result<std::unique_ptr<Vault>> Create(const std::string& dir, const InitOptions& options);
  // Opens an existing vault and unlocks its master key. kNotFound if `dir` is
  // not a vault; kUnauthenticated for a wrong passphrase or key file;
  // kPermissionDenied for a key file the group or others may access (mode
  // & 077, as ssh refuses private keys; the message names the mode and
  // `chmod 600`); kInvalidArgument for a key file inside `dir`. With the
  // key, it also removes the temporary files of atomic writes an
  // interrupted process left in `dir`, keys/ and index/. With the key it
  // locks DIR/LOCK: exclusively for a SQLite vault (kUnavailable if another
  // process has it open with its key); for a shared() vault, exclusively if
  // no other process has it open (sole()), else shared, waiting while
  // another process holds it exclusively. The catalog is the
  // one custody.toml names; kFailedPrecondition if it belongs to another
  // vault (its meta vault_id differs).
  static Result<std::unique_ptr<Vault>> Open(const std::string& dir, const OpenOptions& options);

  const std::string& dir() const { return dir_; }
  std::string records_dir() const;
  std::string index_dir() const;
  std::string log_dir() const;
  std::string keys_dir() const;
  const VaultConfig& config() const { return config_; }
  // The master key file actually used (for messages; never its contents).
  const std::string& key_file() const { return key_file_; }
  Env* env() const { return env_; }
  Clock* clock() const { return clock_; }
  Catalog& catalog() { return *catalog_; }
  // Where the catalog is: DIR/catalog.db, or the PostgreSQL URI.
  std::string catalog_location() const;
  bool has_master_key() const { return !master_key_.empty(); }
  // Whether several processes may write this vault at once: its catalog is
  // on PostgreSQL (docs/formats/catalog.md, "Sharing one catalog between
  // processes"). A SQLite vault has one writing process, which holds DIR/LOCK
  // exclusively while it has the vault open.
  bool shared() const { return !config_.catalog_uri.empty(); }
  // Whether no other process has this vault open with its key: always for a
  // SQLite vault opened with the key; for a shared vault, from an Open that
  // found no other holder of DIR/LOCK until ShareLock. Crash recovery of
  // other processes' work runs only then.
  bool sole() const { return sole_; }
  // A shared vault opened alone: lets other processes in (DIR/LOCK from
  // exclusive to shared; waits while another process recovers alone). OK and
  // nothing done otherwise.
  Status ShareLock();

  // The Ed25519 seed of the log signing key (unwrapped with the master key).
  Result<crypto::SecretBytes> LogSigningSeed() const;
  // The log's Ed25519 public key (32 bytes), readable without the master key.
  const std::string& log_public_key() const { return log_public_key_; }

  // Wraps a fresh random 32-byte key under the master key for `purpose`,
  // stores it in keys/, and returns it. kAlreadyExists if a key for
  // `purpose` exists.
  Result<crypto::SecretBytes> CreateWrappedKey(const KeyPurpose& purpose);
  // Unwraps the key for `purpose`. kNotFound if it was never made, or was
  // destroyed (see DestroyWrappedKey); kDataLoss if its file is tampered.
  Result<crypto::SecretBytes> GetWrappedKey(const KeyPurpose& purpose) const;
  // Returns the key for `purpose`, creating it if missing.
  Result<crypto::SecretBytes> GetOrCreateWrappedKey(const KeyPurpose& purpose);
  // Overwrites and deletes the wrapped key for `purpose`, durably.
  Status DestroyWrappedKey(const KeyPurpose& purpose);

 private:
  Vault() = default;
  std::string KeyPath(const std::string& purpose) const;

  std::string dir_;
  std::string key_file_;
  VaultConfig config_;
  Env* env_ = nullptr;
  Clock* clock_ = nullptr;
  crypto::SecretBytes master_key_;
  std::string log_public_key_;
  std::unique_ptr<FileLock> lock_;
  bool sole_ = false;
  std::unique_ptr<Catalog> catalog_;
};

// The default master key file path for a vault id (documented in the README).
std::string DefaultKeyFilePath(const std::string& vault_id);

}  // namespace custody::store
