// Where a PostgreSQL connection URI holds its password. Internal to store:
// sql.cc redacts with it, postgres.cc scrubs messages with it.
#pragma once

#include <cstddef>
#include <string_view>
#include <utility>
#include <vector>

namespace custody::store::internal {

// The [begin, end) offsets in `uri` of every password it gives: the one in
// its user information (user:password@) and each password= parameter.
std::vector<std::pair<size_t, size_t>> PasswordSpans(std::string_view uri);

}  // namespace custody::store::internal
