// Constants of the vault's on-disk layout and key files.
// Prose: docs/formats/vault.md.
#pragma once

namespace custody::store {

inline constexpr const char* kConfigFile = "custody.toml";
inline constexpr const char* kCatalogFile = "catalog.db";
// The catalog's meta key naming the vault it belongs to (set by init).
inline constexpr const char* kCatalogVaultIdKey = "vault_id";
inline constexpr const char* kLockFile = "LOCK";
inline constexpr const char* kKeysDir = "keys";
inline constexpr const char* kRecordsDir = "records";
inline constexpr const char* kIndexDir = "index";
inline constexpr const char* kLogDir = "log";
// keys/master.check: AEAD(master key, kMasterCheckPlaintext, ad = vault id).
inline constexpr const char* kMasterCheckFile = "master.check";
inline constexpr const char* kMasterCheckPlaintext = "custody master key check v1";
inline constexpr const char* kLogPublicKeyFile = "log.pub";
inline constexpr const char* kLogSigningPurpose = "log-signing";
// Wrapped key files: keys/<purpose>.wrapped = AEAD(master, key, ad = kWrapAdPrefix + vault id + ":" + purpose)
inline constexpr const char* kWrappedKeySuffix = ".wrapped";
inline constexpr const char* kWrapAdPrefix = "custody-wrapped-key v1:";

// Master key file (outside the vault): text lines "name: value".
inline constexpr const char* kKeyFileMagic = "custody-master-key v1";
inline constexpr const char* kKeyKindRaw = "raw";
inline constexpr const char* kKeyKindArgon2id = "argon2id";

}  // namespace custody::store
