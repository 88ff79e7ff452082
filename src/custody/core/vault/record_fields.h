// What a stored record is made of, as every module sees it: its content id
// and which of its text fields an ingest selected.
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace custody::core {

// True if field path `name` ("a.b.0") is `f` or lies under `f`.
bool FieldUnder(std::string_view name, std::string_view f);

// True if text field `name` is selected by `fields` (the ingest's --fields):
// every field when `fields` is empty, else a listed name or a path under one
// ("meta" selects "meta.title").
bool TextFieldSelected(const std::vector<std::string>& fields, std::string_view name);

// The content id of a canonical record: BLAKE2b-256 of its bytes (32 raw
// bytes). Two records are exact duplicates when their content ids are equal.
std::string ContentId(std::string_view canonical);

}  // namespace custody::core
