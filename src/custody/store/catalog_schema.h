// The catalog's schema, per backend. SQLite: migrations in order; migration
// i (1-based) brings the schema from version i-1 to i. PostgreSQL: a
// baseline that creates schema version kPostgresBaselineVersion in an empty
// database (no PostgreSQL catalog older than it exists), then migrations
// from there. A new schema version adds a migration to both lists (the
// static_asserts in catalog.cc fail until it does). Never edit a released
// migration; add one. Prose: docs/formats/catalog.md.
#pragma once

#include <span>

namespace custody::store {

inline constexpr const char* kCatalogMigrations[] = {
    // v1: the vault — datasets, versions, segments.
    R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE datasets (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  shredded_at INTEGER
);
CREATE TABLE dataset_versions (
  id INTEGER PRIMARY KEY,
  dataset_id INTEGER NOT NULL REFERENCES datasets(id),
  version INTEGER NOT NULL,
  state TEXT NOT NULL CHECK (state IN ('pending', 'committed')),
  created_at INTEGER NOT NULL,
  records INTEGER NOT NULL,
  duplicates INTEGER NOT NULL,
  skipped INTEGER NOT NULL,
  input_bytes INTEGER NOT NULL,
  stored_bytes INTEGER NOT NULL,
  first_record_id INTEGER NOT NULL,
  merkle_root TEXT NOT NULL,
  dir TEXT NOT NULL,
  index_file TEXT NOT NULL,
  text_fields TEXT NOT NULL,
  sources TEXT NOT NULL,
  log_index INTEGER,
  UNIQUE (dataset_id, version)
);
CREATE INDEX dataset_versions_first ON dataset_versions(first_record_id);
CREATE TABLE segments (
  version_id INTEGER NOT NULL REFERENCES dataset_versions(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  first_record_id INTEGER NOT NULL,
  count INTEGER NOT NULL,
  file TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  PRIMARY KEY (version_id, seq)
);
CREATE INDEX segments_first ON segments(first_record_id);
INSERT INTO meta(key, value) VALUES ('next_record_id', '1');
)sql",
    // v2: who holds what — partners, members, grants, releases, canaries, incidents.
    R"sql(
CREATE TABLE partners (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  contact TEXT NOT NULL DEFAULT '',
  contract TEXT NOT NULL DEFAULT '',
  notes TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK (status IN ('active', 'suspended', 'terminated')),
  created_at INTEGER NOT NULL,
  changed_at INTEGER NOT NULL
);
CREATE TABLE members (
  id INTEGER PRIMARY KEY,
  partner_id INTEGER NOT NULL REFERENCES partners(id),
  name TEXT NOT NULL UNIQUE,
  email TEXT NOT NULL,
  public_key TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE TABLE grants (
  id INTEGER PRIMARY KEY,
  partner_id INTEGER NOT NULL REFERENCES partners(id),
  member_id INTEGER REFERENCES members(id),
  dataset_id INTEGER NOT NULL REFERENCES datasets(id),
  version_id INTEGER NOT NULL REFERENCES dataset_versions(id),
  fields TEXT NOT NULL,
  selection TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  purpose TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
  created_at INTEGER NOT NULL,
  revoked_at INTEGER
);
CREATE TABLE releases (
  id INTEGER PRIMARY KEY,
  grant_id INTEGER NOT NULL REFERENCES grants(id),
  member_id INTEGER NOT NULL REFERENCES members(id),
  created_at INTEGER NOT NULL,
  format TEXT NOT NULL,
  encrypted INTEGER NOT NULL,
  records INTEGER NOT NULL,
  canaries INTEGER NOT NULL,
  record_bitmap BLOB NOT NULL,
  bitmap_hash TEXT NOT NULL,
  params_hash TEXT NOT NULL,
  file_hash TEXT NOT NULL,
  out_path TEXT NOT NULL,
  log_index INTEGER
);
CREATE INDEX releases_member ON releases(member_id);
CREATE TABLE canaries (
  id INTEGER PRIMARY KEY,
  release_id INTEGER NOT NULL REFERENCES releases(id),
  member_id INTEGER NOT NULL REFERENCES members(id),
  source_record_id INTEGER NOT NULL,
  sealed BLOB NOT NULL
);
CREATE INDEX canaries_source ON canaries(source_record_id);
CREATE TABLE incidents (
  id INTEGER PRIMARY KEY,
  created_at INTEGER NOT NULL,
  title TEXT NOT NULL,
  trace_json TEXT NOT NULL,
  records_hash TEXT NOT NULL,
  verdict TEXT NOT NULL,
  log_index INTEGER
);
)sql",
    // v3: a keyed tag of each canary's content id, so a release checks a new
    // canary against the earlier ones with an index lookup instead of
    // opening every sealed canary (NULL for canaries made before v3; the
    // next release fills them in).
    R"sql(
ALTER TABLE canaries ADD COLUMN content_tag BLOB;
CREATE INDEX canaries_content_tag ON canaries(content_tag);
)sql",
    // v4: one time unit on disk. Every *_at column holds Unix milliseconds,
    // as the custody log's events do (it held Unix seconds before).
    R"sql(
UPDATE datasets SET created_at = created_at * 1000, shredded_at = shredded_at * 1000;
UPDATE dataset_versions SET created_at = created_at * 1000;
UPDATE partners SET created_at = created_at * 1000, changed_at = changed_at * 1000;
UPDATE members SET created_at = created_at * 1000, revoked_at = revoked_at * 1000;
UPDATE grants SET expires_at = expires_at * 1000, created_at = created_at * 1000,
  revoked_at = revoked_at * 1000;
UPDATE releases SET created_at = created_at * 1000;
UPDATE incidents SET created_at = created_at * 1000;
)sql",
    // v5: audits and obligations — a sensitivity tier per dataset, partner
    // questionnaire submissions with their (sealed) evidence, and deletion
    // certificates (docs/audit.md).
    R"sql(
ALTER TABLE datasets ADD COLUMN sensitivity TEXT NOT NULL DEFAULT 'confidential'
  CHECK (sensitivity IN ('public', 'internal', 'confidential', 'restricted'));
CREATE TABLE audit_submissions (
  id INTEGER PRIMARY KEY,
  partner_id INTEGER NOT NULL REFERENCES partners(id),
  created_at INTEGER NOT NULL,
  control_set TEXT NOT NULL,
  answers TEXT NOT NULL,
  answers_sha256 TEXT NOT NULL,
  posture_millis INTEGER NOT NULL,
  grade TEXT NOT NULL,
  knockout_failed INTEGER NOT NULL,
  log_index INTEGER
);
CREATE INDEX audit_submissions_partner ON audit_submissions(partner_id);
CREATE TABLE audit_evidence (
  id INTEGER PRIMARY KEY,
  submission_id INTEGER NOT NULL REFERENCES audit_submissions(id),
  control_id TEXT NOT NULL,
  file_name TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  sealed BLOB NOT NULL
);
CREATE TABLE deletion_attestations (
  id INTEGER PRIMARY KEY,
  partner_id INTEGER NOT NULL REFERENCES partners(id),
  release_id INTEGER REFERENCES releases(id),
  grant_id INTEGER REFERENCES grants(id),
  created_at INTEGER NOT NULL,
  file_name TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  bytes INTEGER NOT NULL,
  sealed BLOB NOT NULL,
  log_index INTEGER
);
CREATE INDEX deletion_attestations_partner ON deletion_attestations(partner_id);
)sql",
    // v6: an incident's lifecycle after it is opened: notes and its closing,
    // each a row here and an `incident` custody log event.
    R"sql(
CREATE TABLE incident_entries (
  id INTEGER PRIMARY KEY,
  incident_id INTEGER NOT NULL REFERENCES incidents(id),
  created_at INTEGER NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('note', 'close')),
  actor TEXT NOT NULL,
  text TEXT NOT NULL,
  log_index INTEGER
);
CREATE INDEX incident_entries_incident ON incident_entries(incident_id);
)sql",
    // v7: an incident's clocks and containment. incident_updates: each
    // `incident update` (awareness, materiality, containment and notice
    // times; notified is a JSON object notice -> Unix ms), a row and an
    // `incident.update` custody log event. incident_entries is rebuilt so
    // that its action may also be 'contain' (one row per containment step),
    // with step_log_index: the log entry of the step itself (the revoke,
    // partner suspension or shred event).
    R"sql(
CREATE TABLE incident_updates (
  id INTEGER PRIMARY KEY,
  incident_id INTEGER NOT NULL REFERENCES incidents(id),
  created_at INTEGER NOT NULL,
  actor TEXT NOT NULL,
  aware_at INTEGER,
  material_at INTEGER,
  contained_at INTEGER,
  notified TEXT NOT NULL,
  log_index INTEGER
);
CREATE INDEX incident_updates_incident ON incident_updates(incident_id);
CREATE TABLE incident_entries_v7 (
  id INTEGER PRIMARY KEY,
  incident_id INTEGER NOT NULL REFERENCES incidents(id),
  created_at INTEGER NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('note', 'close', 'contain')),
  actor TEXT NOT NULL,
  text TEXT NOT NULL,
  log_index INTEGER,
  step_log_index INTEGER
);
INSERT INTO incident_entries_v7(id, incident_id, created_at, action, actor, text, log_index)
  SELECT id, incident_id, created_at, action, actor, text, log_index FROM incident_entries;
DROP TABLE incident_entries;
ALTER TABLE incident_entries_v7 RENAME TO incident_entries;
CREATE INDEX incident_entries_incident ON incident_entries(incident_id);
)sql",
    // v8: custody serve — API tokens (only a hash of each token) and the
    // members' sealed answers to served tasks (a task is a release of one
    // record, a row of releases).
    R"sql(
CREATE TABLE tokens (
  id INTEGER PRIMARY KEY,
  role TEXT NOT NULL CHECK (role IN ('member', 'admin', 'auditor')),
  member_id INTEGER REFERENCES members(id),
  token_hash TEXT NOT NULL UNIQUE,
  created_at INTEGER NOT NULL,
  expires_at INTEGER,
  revoked_at INTEGER,
  log_index INTEGER
);
CREATE TABLE task_results (
  id INTEGER PRIMARY KEY,
  release_id INTEGER NOT NULL REFERENCES releases(id),
  member_id INTEGER NOT NULL REFERENCES members(id),
  record_id INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  sealed BLOB NOT NULL,
  answer_hash TEXT NOT NULL,
  log_index INTEGER
);
CREATE INDEX task_results_release ON task_results(release_id);
)sql",
};

// PostgreSQL: the schema of version 8 as one script. Types follow
// docs/formats/catalog.md ("Two backends"): every integer is BIGINT, BLOB is
// BYTEA, TEXT compares bytewise (COLLATE "C", as SQLite's BINARY), and ids
// are given by the inserts (no sequences), so both backends number rows
// alike.
inline constexpr int kPostgresBaselineVersion = 8;
inline constexpr const char* kPostgresCatalogBaseline = R"sql(
CREATE TABLE meta (key TEXT COLLATE "C" PRIMARY KEY, value TEXT COLLATE "C" NOT NULL);
CREATE TABLE datasets (
  id BIGINT PRIMARY KEY,
  name TEXT COLLATE "C" NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  shredded_at BIGINT,
  sensitivity TEXT COLLATE "C" NOT NULL DEFAULT 'confidential'
    CHECK (sensitivity IN ('public', 'internal', 'confidential', 'restricted'))
);
CREATE TABLE dataset_versions (
  id BIGINT PRIMARY KEY,
  dataset_id BIGINT NOT NULL REFERENCES datasets(id),
  version BIGINT NOT NULL,
  state TEXT COLLATE "C" NOT NULL CHECK (state IN ('pending', 'committed')),
  created_at BIGINT NOT NULL,
  records BIGINT NOT NULL,
  duplicates BIGINT NOT NULL,
  skipped BIGINT NOT NULL,
  input_bytes BIGINT NOT NULL,
  stored_bytes BIGINT NOT NULL,
  first_record_id BIGINT NOT NULL,
  merkle_root TEXT COLLATE "C" NOT NULL,
  dir TEXT COLLATE "C" NOT NULL,
  index_file TEXT COLLATE "C" NOT NULL,
  text_fields TEXT COLLATE "C" NOT NULL,
  sources TEXT COLLATE "C" NOT NULL,
  log_index BIGINT,
  UNIQUE (dataset_id, version)
);
CREATE INDEX dataset_versions_first ON dataset_versions(first_record_id);
CREATE TABLE segments (
  version_id BIGINT NOT NULL REFERENCES dataset_versions(id) ON DELETE CASCADE,
  seq BIGINT NOT NULL,
  first_record_id BIGINT NOT NULL,
  count BIGINT NOT NULL,
  file TEXT COLLATE "C" NOT NULL,
  bytes BIGINT NOT NULL,
  PRIMARY KEY (version_id, seq)
);
CREATE INDEX segments_first ON segments(first_record_id);
INSERT INTO meta(key, value) VALUES ('next_record_id', '1');
CREATE TABLE partners (
  id BIGINT PRIMARY KEY,
  name TEXT COLLATE "C" NOT NULL UNIQUE,
  contact TEXT COLLATE "C" NOT NULL DEFAULT '',
  contract TEXT COLLATE "C" NOT NULL DEFAULT '',
  notes TEXT COLLATE "C" NOT NULL DEFAULT '',
  status TEXT COLLATE "C" NOT NULL CHECK (status IN ('active', 'suspended', 'terminated')),
  created_at BIGINT NOT NULL,
  changed_at BIGINT NOT NULL
);
CREATE TABLE members (
  id BIGINT PRIMARY KEY,
  partner_id BIGINT NOT NULL REFERENCES partners(id),
  name TEXT COLLATE "C" NOT NULL UNIQUE,
  email TEXT COLLATE "C" NOT NULL,
  public_key TEXT COLLATE "C" NOT NULL,
  status TEXT COLLATE "C" NOT NULL CHECK (status IN ('active', 'revoked')),
  created_at BIGINT NOT NULL,
  revoked_at BIGINT
);
CREATE TABLE grants (
  id BIGINT PRIMARY KEY,
  partner_id BIGINT NOT NULL REFERENCES partners(id),
  member_id BIGINT REFERENCES members(id),
  dataset_id BIGINT NOT NULL REFERENCES datasets(id),
  version_id BIGINT NOT NULL REFERENCES dataset_versions(id),
  fields TEXT COLLATE "C" NOT NULL,
  selection TEXT COLLATE "C" NOT NULL,
  expires_at BIGINT NOT NULL,
  purpose TEXT COLLATE "C" NOT NULL,
  status TEXT COLLATE "C" NOT NULL CHECK (status IN ('active', 'revoked')),
  created_at BIGINT NOT NULL,
  revoked_at BIGINT
);
CREATE TABLE releases (
  id BIGINT PRIMARY KEY,
  grant_id BIGINT NOT NULL REFERENCES grants(id),
  member_id BIGINT NOT NULL REFERENCES members(id),
  created_at BIGINT NOT NULL,
  format TEXT COLLATE "C" NOT NULL,
  encrypted BIGINT NOT NULL,
  records BIGINT NOT NULL,
  canaries BIGINT NOT NULL,
  record_bitmap BYTEA NOT NULL,
  bitmap_hash TEXT COLLATE "C" NOT NULL,
  params_hash TEXT COLLATE "C" NOT NULL,
  file_hash TEXT COLLATE "C" NOT NULL,
  out_path TEXT COLLATE "C" NOT NULL,
  log_index BIGINT
);
CREATE INDEX releases_member ON releases(member_id);
CREATE TABLE canaries (
  id BIGINT PRIMARY KEY,
  release_id BIGINT NOT NULL REFERENCES releases(id),
  member_id BIGINT NOT NULL REFERENCES members(id),
  source_record_id BIGINT NOT NULL,
  sealed BYTEA NOT NULL,
  content_tag BYTEA
);
CREATE INDEX canaries_source ON canaries(source_record_id);
CREATE INDEX canaries_content_tag ON canaries(content_tag);
CREATE TABLE incidents (
  id BIGINT PRIMARY KEY,
  created_at BIGINT NOT NULL,
  title TEXT COLLATE "C" NOT NULL,
  trace_json TEXT COLLATE "C" NOT NULL,
  records_hash TEXT COLLATE "C" NOT NULL,
  verdict TEXT COLLATE "C" NOT NULL,
  log_index BIGINT
);
CREATE TABLE audit_submissions (
  id BIGINT PRIMARY KEY,
  partner_id BIGINT NOT NULL REFERENCES partners(id),
  created_at BIGINT NOT NULL,
  control_set TEXT COLLATE "C" NOT NULL,
  answers TEXT COLLATE "C" NOT NULL,
  answers_sha256 TEXT COLLATE "C" NOT NULL,
  posture_millis BIGINT NOT NULL,
  grade TEXT COLLATE "C" NOT NULL,
  knockout_failed BIGINT NOT NULL,
  log_index BIGINT
);
CREATE INDEX audit_submissions_partner ON audit_submissions(partner_id);
CREATE TABLE audit_evidence (
  id BIGINT PRIMARY KEY,
  submission_id BIGINT NOT NULL REFERENCES audit_submissions(id),
  control_id TEXT COLLATE "C" NOT NULL,
  file_name TEXT COLLATE "C" NOT NULL,
  sha256 TEXT COLLATE "C" NOT NULL,
  bytes BIGINT NOT NULL,
  sealed BYTEA NOT NULL
);
CREATE TABLE deletion_attestations (
  id BIGINT PRIMARY KEY,
  partner_id BIGINT NOT NULL REFERENCES partners(id),
  release_id BIGINT REFERENCES releases(id),
  grant_id BIGINT REFERENCES grants(id),
  created_at BIGINT NOT NULL,
  file_name TEXT COLLATE "C" NOT NULL,
  sha256 TEXT COLLATE "C" NOT NULL,
  bytes BIGINT NOT NULL,
  sealed BYTEA NOT NULL,
  log_index BIGINT
);
CREATE INDEX deletion_attestations_partner ON deletion_attestations(partner_id);
CREATE TABLE incident_updates (
  id BIGINT PRIMARY KEY,
  incident_id BIGINT NOT NULL REFERENCES incidents(id),
  created_at BIGINT NOT NULL,
  actor TEXT COLLATE "C" NOT NULL,
  aware_at BIGINT,
  material_at BIGINT,
  contained_at BIGINT,
  notified TEXT COLLATE "C" NOT NULL,
  log_index BIGINT
);
CREATE INDEX incident_updates_incident ON incident_updates(incident_id);
CREATE TABLE incident_entries (
  id BIGINT PRIMARY KEY,
  incident_id BIGINT NOT NULL REFERENCES incidents(id),
  created_at BIGINT NOT NULL,
  action TEXT COLLATE "C" NOT NULL CHECK (action IN ('note', 'close', 'contain')),
  actor TEXT COLLATE "C" NOT NULL,
  text TEXT COLLATE "C" NOT NULL,
  log_index BIGINT,
  step_log_index BIGINT
);
CREATE INDEX incident_entries_incident ON incident_entries(incident_id);
CREATE TABLE tokens (
  id BIGINT PRIMARY KEY,
  role TEXT COLLATE "C" NOT NULL CHECK (role IN ('member', 'admin', 'auditor')),
  member_id BIGINT REFERENCES members(id),
  token_hash TEXT COLLATE "C" NOT NULL UNIQUE,
  created_at BIGINT NOT NULL,
  expires_at BIGINT,
  revoked_at BIGINT,
  log_index BIGINT
);
CREATE TABLE task_results (
  id BIGINT PRIMARY KEY,
  release_id BIGINT NOT NULL REFERENCES releases(id),
  member_id BIGINT NOT NULL REFERENCES members(id),
  record_id BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  sealed BYTEA NOT NULL,
  answer_hash TEXT COLLATE "C" NOT NULL,
  log_index BIGINT
);
CREATE INDEX task_results_release ON task_results(release_id);
)sql";

// PostgreSQL migrations after the baseline: entry i brings the schema from
// version kPostgresBaselineVersion + i to kPostgresBaselineVersion + i + 1.
// Empty for now (the baseline is the latest schema); an array cannot be
// empty, so the list is held as a span over nothing.
inline constexpr std::span<const char* const> kPostgresCatalogMigrations{};

}  // namespace custody::store
