// The catalog's tables of `custody serve`: API tokens (only a hash of each
// token is stored; the token itself is shown once, when it is issued) and the
// answers members send back for served tasks (sealed like records: the
// catalog never holds an answer's text). No SQL about these rows exists
// anywhere else. Schema: docs/formats/catalog.md.
// Thread-safety: as Catalog (one thread at a time).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "custody/base/clock.h"
#include "custody/base/ids.h"
#include "custody/base/status.h"

namespace custody::store {

class Db;

// Who a token speaks for: a member (tasks and its own releases), or a lab
// role (admin: everything; auditor: read-only).
enum class TokenRole { kMember, kAdmin, kAuditor };
std::string_view TokenRoleName(TokenRole r);
// kInvalidArgument naming the expected roles for anything else.
Result<TokenRole> ParseTokenRole(std::string_view name);

struct TokenRow {
  TokenId id;
  TokenRole role = TokenRole::kMember;
  std::optional<MemberId> member_id;  // set iff role is kMember
  std::string token_hash;             // hex SHA-256 of the token text
  Time created_at;
  std::optional<Time> expires_at;
  std::optional<Time> revoked_at;
  std::optional<int64_t> log_index;   // the `token` issue event
};

class TokenTable {
 public:
  explicit TokenTable(Db* db) : db_(db) {}

  // Inserts `row` (its id is ignored) and returns the new id.
  Result<TokenId> Insert(const TokenRow& row);
  Status SetLogIndex(TokenId id, int64_t log_index);
  // kNotFound if no token `id`.
  Status SetRevoked(TokenId id, Time at);
  Result<std::optional<TokenRow>> Get(TokenId id);
  // The token whose hash is `token_hash`, or nullopt.
  Result<std::optional<TokenRow>> FindByHash(std::string_view token_hash);
  // Every token, by id.
  Result<std::vector<TokenRow>> List();

 private:
  Db* db_;
};

// A member's answer to a served task (a release of one record).
struct TaskResultRow {
  TaskResultId id;
  ReleaseId release_id;   // the task
  MemberId member_id;
  RecordId record_id;
  Time created_at;
  std::string sealed;     // AEAD-sealed answer (core/release/task.h)
  std::string answer_hash;  // hex SHA-256 of the answer as received
  std::optional<int64_t> log_index;
};

class TaskResultTable {
 public:
  explicit TaskResultTable(Db* db) : db_(db) {}

  Result<TaskResultId> Insert(const TaskResultRow& row);
  Status SetLogIndex(TaskResultId id, int64_t log_index);
  // The answers of task `release_id`, oldest first.
  Result<std::vector<TaskResultRow>> OfTask(ReleaseId release_id);

 private:
  Db* db_;
};

}  // namespace custody::store
