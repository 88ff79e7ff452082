#include "custody/sketch/sharded_index.h"

#include "custody/base/encoding.h"
#include "custody/crypto/crypto.h"

namespace custody::sketch {

std::string Sha256Hex(std::string_view bytes) { return crypto::DigestHex(crypto::Sha256(bytes)); }

Result<ShardEntry> WriteShard(Env* env, const IndexBuilder& builder, const ShardRange& range,
                              const std::string& dir, std::string_view prefix) {
  if (builder.record_count() != range.records) {
    return InvalidArgumentError("shard " + std::to_string(range.shard) + ": expected " +
                                std::to_string(range.records) + " records, found " +
                                std::to_string(builder.record_count()));
  }
  CUSTODY_ASSIGN_OR_RETURN(std::string bytes, builder.Serialize());
  ShardEntry e;
  e.shard = range.shard;
  e.first_id = range.first_id;
  e.records = range.records;
  e.bytes = bytes.size();
  e.sha256 = Sha256Hex(bytes);
  e.file = ShardFileName(prefix, range.shard);
  CUSTODY_RETURN_IF_ERROR(env->WriteFileAtomically(JoinPath(dir, e.file), bytes, 0644));
  return e;
}

ShardedIndexWriter::~ShardedIndexWriter() = default;

Result<std::unique_ptr<ShardedIndexWriter>> ShardedIndexWriter::Create(
    Env* env, const crypto::SecretBytes& index_key, IndexBuilderOptions options, std::string dir,
    std::string prefix, uint64_t first_id, uint32_t shard_bits) {
  CUSTODY_RETURN_IF_ERROR(ValidateShardBits(shard_bits));
  std::unique_ptr<ShardedIndexWriter> w(new ShardedIndexWriter());
  w->env_ = env;
  w->key_ = &index_key;
  w->options_ = std::move(options);
  w->dir_ = std::move(dir);
  w->prefix_ = std::move(prefix);
  w->next_id_ = first_id;
  w->manifest_.label = w->options_.label;
  w->manifest_.shard_bits = shard_bits;
  w->manifest_.first_id = first_id;
  return w;
}

Status ShardedIndexWriter::FlushShard() {
  if (!builder_) return OkStatus();
  CUSTODY_ASSIGN_OR_RETURN(ShardEntry e, WriteShard(env_, *builder_, current_, dir_, prefix_));
  manifest_.shards.push_back(std::move(e));
  builder_.reset();
  return OkStatus();
}

Status ShardedIndexWriter::Add(uint64_t record_id, std::span<const std::string_view> text_fields,
                               std::span<const std::string_view> field_names) {
  if (record_id != next_id_) {
    return InvalidArgumentError("sharded index: expected record id " + std::to_string(next_id_) +
                                ", found " + std::to_string(record_id));
  }
  const uint64_t shard = record_id >> manifest_.shard_bits;
  if (builder_ && shard != current_.shard) CUSTODY_RETURN_IF_ERROR(FlushShard());
  if (!builder_) {
    CUSTODY_ASSIGN_OR_RETURN(builder_, IndexBuilder::Create(*key_, options_));
    current_ = {shard, record_id, 0};
  }
  CUSTODY_RETURN_IF_ERROR(builder_->Add(record_id, text_fields, field_names));
  ++current_.records;
  ++manifest_.records;
  ++next_id_;
  return OkStatus();
}

const RecordSketch& ShardedIndexWriter::last_sketch() const { return builder_->last_sketch(); }

Result<std::string> ShardedIndexWriter::Finish() {
  CUSTODY_RETURN_IF_ERROR(FlushShard());
  std::string bytes = SerializeManifest(manifest_);
  CUSTODY_RETURN_IF_ERROR(
      env_->WriteFileAtomically(JoinPath(dir_, ManifestFileName(prefix_)), bytes, 0644));
  return bytes;
}

}  // namespace custody::sketch
