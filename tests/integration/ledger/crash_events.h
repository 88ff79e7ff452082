// The deterministic events the crash test appends: entry i is EventFor(i).
#pragma once

#include <cstdint>
#include <string>

#include "custody/ledger/event.h"

namespace custody::ledger::crash_test {

inline constexpr char kOrigin[] = "crash.test/log";
inline constexpr char kSeedHex[] =
    "0707070707070707070707070707070707070707070707070707070707070707";

inline Event EventFor(uint64_t i) {
  Event e;
  e.type = event_type::kRelease;
  e.time = FromUnixMillis(1700000000000 + static_cast<int64_t>(i));
  e.actor = "crash-test";
  e.subject = "release:" + std::to_string(i);
  e.details = {{"i", i}, {"pad", std::string(i % 97, 'p')}};
  return e;
}

}  // namespace custody::ledger::crash_test
